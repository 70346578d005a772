/**
 * HEAD answers what GET would, without the body (RFC 9110 §9.3.2), on every GET route of the live
 * router and for every kind of caller. It did not for the redirects browsers get: an anonymous
 * `HEAD /history` with `Accept: text/html` (a link checker, `curl -I`) was a 401 where GET is the
 * 302 to /login, a user who must change an admin-set password got a 403 where GET is the 302 to
 * /account, and HEAD /login set no CSRF cookie (so its Content-Length was not GET's either).
 */
import request from 'supertest';
import { FAKE_MODELS_DIR } from '../support/app';
import { routes } from '../support/routes';
import { useApp } from '../support/use-app';

const fill = (p: string) => p.replace(/:file\b/, 'x.png').replace(/:name\b/, 'triage').replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000');

/** What HEAD must repeat of GET: status, where it redirects, the type, which cookies it sets. */
function shape(res: request.Response): string {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []).map((c) => c.split('=')[0]).sort();
  return JSON.stringify([res.status, res.headers.location ?? null, String(res.headers['content-type'] ?? '').split(';')[0], cookies]);
}

describe('HEAD = GET without the body, on every GET route, for every caller', () => {
  const h = useApp({
    env: { MODELS_DIR: FAKE_MODELS_DIR, RATE_LIMIT_REQUESTS_PER_MINUTE: '100000' },
    sessions: { admin: { role: 'admin' }, pending: { mustChangePassword: true } },
  });
  const { admin, pending } = h.sessions;

  const callers = (): [string, (path: string) => Record<string, string>][] => [
    ['anonymous browser', () => ({ Accept: 'text/html' })],
    ['anonymous client', () => ({})],
    ['admin', (path) => (path.startsWith('/api/') ? admin.bearer : { Cookie: admin.cookie, Accept: 'text/html' })],
    ['password change pending', (path) => (path.startsWith('/api/') ? pending.bearer : { Cookie: pending.cookie, Accept: 'text/html' })],
  ];

  it('status, Location, Content-Type and cookies set are the same', async () => {
    const paths = [...new Set(routes(h.app).filter((r) => r.method === 'GET').map((r) => fill(r.path)))];
    const wrong: string[] = [];
    for (const path of paths) {
      for (const [who, headers] of callers()) {
        const get = await request(h.server).get(path).set(headers(path)).redirects(0);
        const head = await request(h.server).head(path).set(headers(path)).redirects(0);
        if (shape(get) !== shape(head)) wrong.push(`${who} ${path}: GET ${shape(get)} HEAD ${shape(head)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('HEAD /login: the CSRF cookie and the same Content-Length as GET', async () => {
    const get = await request(h.server).get('/login');
    const head = await request(h.server).head('/login');
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(head.headers['set-cookie']).toEqual([expect.stringMatching(/^sentinel_csrf=/)]);
  });
});
