import { AppConfig } from '../../src/config/config.service';
import type { ModelProvider } from '../../src/inference/model-provider';
import { ReportsService } from '../../src/reports/reports.service';

/** The origin of the PDF's model-card links: PUBLIC_BASE_URL, else the request's own host — only a plain one. */
describe('report link origin', () => {
  const service = (env: Record<string, string> = {}) =>
    new ReportsService(null as never, null as never, AppConfig.fromProcess({ NODE_ENV: 'test', ...env }), null as unknown as ModelProvider, null as never, null as never);

  it('PUBLIC_BASE_URL wins (trailing slash dropped, a path prefix kept)', () => {
    expect(service({ PUBLIC_BASE_URL: 'https://sentinel.example.org/app/' }).baseUrl({ protocol: 'http', host: '10.0.0.5:3000' })).toBe('https://sentinel.example.org/app');
  });

  it('else the request protocol and Host', () => {
    expect(service().baseUrl({ protocol: 'https', host: 'mri.example.org' })).toBe('https://mri.example.org');
    expect(service().baseUrl({ protocol: 'http', host: '127.0.0.1:3000' })).toBe('http://127.0.0.1:3000');
    expect(service().baseUrl({ protocol: 'http', host: '[::1]:3000' })).toBe('http://[::1]:3000');
  });

  it('a Host that is not a plain host[:port] gives no link (the PDF prints the path)', () => {
    for (const host of [undefined, '', 'evil.org/x', 'a b', 'evil.org) /URI (javascript:x', 'évil.org', 'h:99999999']) {
      expect(service().baseUrl({ protocol: 'http', host })).toBeUndefined();
    }
  });

  it('a PUBLIC_BASE_URL that is not an http(s) URL stops the start-up', () => {
    expect(() => AppConfig.fromProcess({ NODE_ENV: 'test', PUBLIC_BASE_URL: 'javascript:alert(1)' })).toThrow(/PUBLIC_BASE_URL/);
  });
});
