/**
 * OPTIONS on a known path (RFC 9110 §9.3.7: "what does this resource support?"). It was a 405
 * METHOD_NOT_ALLOWED whose own `Allow` header left OPTIONS out — an answer that contradicts itself.
 * Now: 204, no body, `Allow` listing the methods this caller could use (HEAD wherever GET is) and
 * OPTIONS; the 405 of any other method lists OPTIONS too. The guards' rules still come first (an
 * anonymous caller is told nothing of a login-only path: 401, so a CORS preflight, which never
 * carries credentials, still fails), an unknown path stays a 404, and the per-IP limit counts it.
 * The paths come from the live router, so a route added later is covered.
 */
import request from 'supertest';
import { loginAs } from '../helpers/auth';
import { FAKE_MODELS_DIR } from '../support/app';
import { routes } from '../support/routes';
import { useApp } from '../support/use-app';

const fill = (p: string) => p.replace(/:file\b/, 'x.png').replace(/:name\b/, 'triage').replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000');

describe('OPTIONS on a known path: 204 + Allow, like every other answer about methods', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, RATE_LIMIT_REQUESTS_PER_MINUTE: '100000' }, sessions: { admin: { role: 'admin' } } });
  const { admin } = h.sessions;

  it('every path of the live router: 204, no body, Allow = its methods + HEAD where GET + OPTIONS (before: 405 without OPTIONS)', async () => {
    const byPath = new Map<string, Set<string>>();
    for (const r of routes(h.app)) byPath.set(r.path, (byPath.get(r.path) ?? new Set<string>()).add(r.method));
    const wrong: string[] = [];
    for (const [path, methods] of byPath) {
      const expected = new Set([...methods, 'OPTIONS']);
      if (expected.has('GET')) expected.add('HEAD');
      const res = await request(h.server).options(fill(path)).set(path.startsWith('/api/') ? admin.bearer : admin.headers);
      const allow = String(res.headers.allow ?? '').split(', ');
      // another pattern may match the filled path too (/history/export.csv is also /history/:id): at least these
      if (res.status !== 204 || ![...expected].every((m) => allow.includes(m)) || res.text) wrong.push(`OPTIONS ${path} → ${res.status} Allow: ${res.headers.allow} ${res.text.slice(0, 80)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('exact answers: the health probe, an API route, a page', async () => {
    const health = await request(h.server).options('/healthz');
    expect([health.status, health.headers.allow, health.text]).toEqual([204, 'GET, HEAD, OPTIONS', '']);
    expect(health.headers['x-request-id']).toEqual(expect.any(String));
    const api = await request(h.server).options('/api/v1/analyses').set(admin.bearer);
    expect([api.status, api.headers.allow]).toEqual([204, 'OPTIONS, POST']);
    // the router's own matching: case, trailing slash
    const odd = await request(h.server).options('/API/V1/Analyses/').set(admin.bearer);
    expect([odd.status, odd.headers.allow]).toEqual([204, 'OPTIONS, POST']);
    const page = await request(h.server).options('/history').set(admin.headers);
    expect([page.status, page.headers.allow]).toEqual([204, 'GET, HEAD, OPTIONS']);
  });

  it('a 405 lists OPTIONS among the methods the path takes', async () => {
    const res = await request(h.server).delete('/api/v1/analyses').set(admin.bearer);
    expect([res.status, res.headers.allow]).toEqual([405, 'OPTIONS, POST']);
    expect(res.body.message).toBe('This path does not take DELETE; it takes OPTIONS, POST.');
    expect([(await request(h.server).put('/healthz')).headers.allow]).toEqual(['GET, HEAD, OPTIONS']);
  });

  it('the guards first: anonymous on a login-only path → 401, nothing listed; a public path lists its public methods', async () => {
    const preflight = await request(h.server).options('/api/v1/analyses').set({ Origin: 'https://elsewhere.example', 'Access-Control-Request-Method': 'POST' });
    expect([preflight.status, preflight.headers.allow, preflight.body.code]).toEqual([401, undefined, 'UNAUTHORIZED']);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const token = await request(h.server).options('/api/v1/auth/token');
    expect([token.status, token.headers.allow]).toEqual([204, 'OPTIONS, POST']);
    expect(token.headers['access-control-allow-origin']).toBeUndefined();
    // logged in, the token path also takes DELETE (revoke)
    const logged = await request(h.server).options('/api/v1/auth/token').set(admin.bearer);
    expect([logged.status, logged.headers.allow]).toEqual([204, 'DELETE, OPTIONS, POST']);
    // a non-admin on an admin-only path: the role check's 403, as for any other method there
    const user = await loginAs(h.app);
    const users = await request(h.server).options('/api/v1/users').set(user.bearer);
    expect([users.status, users.headers.allow, users.body.code]).toEqual([403, undefined, 'FORBIDDEN']);
  });

  it('an unknown path stays a 404, without Allow', async () => {
    for (const url of ['/api/v1/nope', '/nope', '/static/css/nope.css']) {
      const res = await request(h.server).options(url).set({ ...admin.bearer, Accept: 'application/json' });
      expect([url, res.status, res.body.code, res.headers.allow]).toEqual([url, 404, 'NOT_FOUND', undefined]);
    }
  });
});

describe('OPTIONS counts against the per-IP request limit', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, RATE_LIMIT_REQUESTS_PER_MINUTE: '3' } });

  it('the fourth OPTIONS in a minute at a limit of 3 is a 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await request(h.server).options('/healthz')).status);
    expect(statuses).toEqual([204, 204, 204, 429]);
  });
});
