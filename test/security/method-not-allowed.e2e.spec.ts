/**
 * A known path with a method it does not take is a 405 METHOD_NOT_ALLOWED with `Allow` (it was
 * the router's 404 "Cannot DELETE /api/v1/analyses"); an unknown path stays a 404. The table comes
 * from the live router, so every route is walked here without listing it. The login wall still
 * comes first on login-only paths (a public path lists only its public methods to anonymous callers;
 * admin-only paths: method-not-allowed-roles.e2e.spec.ts), nothing of the route runs, and HEAD on
 * GET routes still works.
 */
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { RouteAccess } from '../../src/accounts/method-not-allowed';
import { loginAs, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';
import { PUBLIC, Route, routes } from '../support/routes';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const fill = (p: string) => p.replace(/:file\b/, 'x.png').replace(/:name\b/, 'triage').replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000');
const call = (server: Parameters<typeof request>[0], method: string, url: string) => request(server)[method.toLowerCase() as 'get'](url);

describe('405 Method Not Allowed on a known path, with Allow', () => {
  let app: NestExpressApplication;
  let server: ReturnType<NestExpressApplication['getHttpServer']>;
  let all: Route[];
  let admin: TestSession;

  beforeAll(async () => {
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, RATE_LIMIT_REQUESTS_PER_MINUTE: '100000' }));
    server = app.getHttpServer();
    all = routes(app);
    admin = await loginAs(app, { role: 'admin' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('DELETE or GET on POST /api/v1/analyses → 405, Allow: POST, the usual named-error body', async () => {
    for (const method of ['DELETE', 'GET', 'PUT']) {
      const res = await call(server, method, '/api/v1/analyses').set(admin.bearer);
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('OPTIONS, POST');
      expect(res.body).toEqual({ statusCode: 405, code: 'METHOD_NOT_ALLOWED', message: `This path does not take ${method}; it takes OPTIONS, POST.` });
    }
    // the router's own matching: case, trailing slash
    const odd = await request(server).delete('/API/V1/Analyses/').set(admin.bearer);
    expect([odd.status, odd.headers.allow]).toEqual([405, 'OPTIONS, POST']);
  });

  it('every path of the live router answers each method it does not take with 405 and lists the ones it does', async () => {
    const byPath = new Map<string, Set<string>>();
    for (const r of all) byPath.set(r.path, (byPath.get(r.path) ?? new Set<string>()).add(r.method));
    const wrong: string[] = [];
    for (const [path, methods] of byPath) {
      const expected = new Set(methods);
      if (expected.has('GET')) expected.add('HEAD');
      for (const method of METHODS.filter((m) => !methods.has(m))) {
        // pages take the browser's cookie, not a bearer token
        const res = await call(server, method, fill(path)).set({ ...(path.startsWith('/api/') ? admin.bearer : admin.headers), Accept: 'application/json' });
        const allow = String(res.headers.allow ?? '').split(', ');
        const what = `${method} ${path} → ${res.status} Allow: ${res.headers.allow}`;
        if (res.status !== 405) wrong.push(what);
        // another pattern may match the filled path too (/history/export.csv is also /history/:id): at least these
        else if (![...expected].every((m) => allow.includes(m)) || allow.includes(method)) wrong.push(what);
        else if (res.body.code !== 'METHOD_NOT_ALLOWED') wrong.push(`${what}: ${JSON.stringify(res.body)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('a page path answers a browser with the 405 error page', async () => {
    const res = await request(server).post('/history').set({ ...admin.headers, Accept: 'text/html' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('Error 405');
    expect(res.text).toMatch(/not for clinical use/i);
  });

  it('an unknown path stays a 404, without Allow', async () => {
    for (const [method, url] of [['DELETE', '/api/analyses'], ['GET', '/api/v1/nope'], ['POST', '/nope'], ['PUT', '/static/css/nope.css']] as const) {
      const res = await call(server, method, url).set({ ...admin.bearer, Accept: 'application/json' });
      expect([method, url, res.status, res.body.code]).toEqual([method, url, 404, 'NOT_FOUND']);
      expect(res.headers.allow).toBeUndefined();
    }
  });

  it('the login wall first: no login on a login-only path → 401 (a browser: /login), not the path\'s methods', async () => {
    const api = await request(server).delete('/api/v1/analyses');
    expect(api.status).toBe(401);
    expect(api.body.code).toBe('UNAUTHORIZED');
    expect(api.headers['www-authenticate']).toBe('Bearer');
    expect(api.headers.allow).toBeUndefined();
    const forged = await request(server).delete('/api/v1/history').set('Authorization', 'Bearer forged');
    expect([forged.status, forged.headers['www-authenticate']]).toEqual([401, 'Bearer error="invalid_token"']);
    const browser = await request(server).get('/account/password').set('Accept', 'text/html');
    expect(browser.status).toBe(302);
    expect(browser.headers.location).toBe('/login?next=%2Faccount%2Fpassword');
    // /logout is public (a caller with no live session is out already): its methods, to anyone
    const logout = await request(server).get('/logout').set('Accept', 'application/json');
    expect([logout.status, logout.headers.allow]).toEqual([405, 'OPTIONS, POST']);
    // a path with a public route tells anyone its public methods, and only those (DELETE needs a login)
    const health = await request(server).put('/healthz');
    expect([health.status, health.headers.allow, health.body.code]).toEqual([405, 'GET, HEAD, OPTIONS', 'METHOD_NOT_ALLOWED']);
    const token = await request(server).get('/api/v1/auth/token');
    expect([token.status, token.headers.allow]).toEqual([405, 'OPTIONS, POST']);
    const logged = await request(server).get('/api/v1/auth/token').set(admin.bearer);
    expect([logged.status, logged.headers.allow]).toEqual([405, 'DELETE, OPTIONS, POST']);
  });

  it('HEAD on GET routes still answers 200; HEAD on a POST-only path is a 405', async () => {
    expect((await request(server).head('/healthz')).status).toBe(200);
    expect((await request(server).head('/api/v1/history').set(admin.bearer)).status).toBe(200);
    const head = await request(server).head('/api/v1/analyses').set(admin.bearer);
    expect([head.status, head.headers.allow]).toEqual([405, 'OPTIONS, POST']);
  });

  it('nothing of the route runs: a cookie request without a CSRF token gets the 405, and nothing changes', async () => {
    const before = await request(server).get('/api/v1/users').set(admin.bearer).expect(200);
    const res = await request(server).delete(`/admin/users/${admin.user.id}`).set({ Cookie: admin.cookie, Accept: 'application/json' });
    expect([res.status, res.headers.allow]).toEqual([405, 'OPTIONS, POST']);
    const after = await request(server).get('/api/v1/users').set(admin.bearer).expect(200);
    expect(after.body).toEqual(before.body);
  });

  it('the route-access table read from the controllers covers every controller route of the live router', () => {
    const table = app.get(RouteAccess).routes();
    const nest = all.filter((r) => !r.path.startsWith('/api/docs')).map((r) => `${r.method} ${r.path}`);
    expect([...table.keys()].sort()).toEqual([...nest].sort());
    expect(new Set([...table].filter(([, rule]) => rule.isPublic).map(([k]) => k))).toEqual(PUBLIC);
  });
});
