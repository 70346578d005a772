/**
 * The 405's `Allow` must not tell a caller the methods of a path they may not use at all. A
 * non-admin sending a wrong method to an admin-only path got 405 + `Allow: GET, HEAD, POST` where
 * any of those methods gave them 403; now they get that very 403 (same status and body), and an
 * anonymous caller the login wall's 401 / redirect. Admins keep 405 + Allow. The paths are read from
 * the live router and the answers compared with what the path's own method answers, so no admin
 * path is listed here by hand.
 */
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { loginAs, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';
import { routes } from '../support/routes';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const ID = '00000000-0000-4000-8000-000000000000';
const fill = (p: string) => p.replace(/:file\b/, 'x.png').replace(/:name\b/, 'triage').replace(/:[A-Za-z]+/g, ID);
type Server = Parameters<typeof request>[0];
const call = (server: Server, method: string, url: string) => request(server)[method.toLowerCase() as 'get'](url);

describe('405 on a path the caller may not use: the guard\'s answer, never the methods', () => {
  let app: NestExpressApplication;
  let server: Server;
  let user: TestSession;
  let admin: TestSession;
  /** an admin whose password another admin set: every route but the password change refuses them */
  let flagged: TestSession;
  /** path → methods the router registered for it */
  const byPath = new Map<string, Set<string>>();

  beforeAll(async () => {
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, RATE_LIMIT_REQUESTS_PER_MINUTE: '100000' }));
    server = app.getHttpServer();
    for (const r of routes(app)) byPath.set(r.path, (byPath.get(r.path) ?? new Set<string>()).add(r.method));
    user = await loginAs(app, { role: 'user' });
    admin = await loginAs(app, { role: 'admin' });
    flagged = await loginAs(app, { role: 'admin', mustChangePassword: true });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('a non-admin gets, for every wrong method on a path whose GET refuses them, exactly that GET\'s 403 — no Allow', async () => {
    const wrong: string[] = [];
    let refusedPaths = 0;
    for (const [path, methods] of byPath) {
      if (!methods.has('GET')) continue;
      const headers = { ...(path.startsWith('/api/') ? user.bearer : user.headers), Accept: 'application/json' };
      const own = await call(server, 'GET', fill(path)).set(headers);
      if (own.status !== 403) continue;
      refusedPaths++;
      for (const method of METHODS.filter((m) => !methods.has(m))) {
        const res = await call(server, method, fill(path)).set(headers);
        const seen = [res.status, res.headers.allow, res.body];
        const expected = [403, undefined, own.body];
        if (JSON.stringify(seen) !== JSON.stringify(expected)) wrong.push(`${method} ${path} → ${JSON.stringify(seen)}`);
      }
    }
    // /admin/users, /api/v1/users, /history/export.csv, /api/v1/history/export.csv at least
    expect(refusedPaths).toBeGreaterThanOrEqual(4);
    expect(wrong).toEqual([]);
  });

  it('a non-admin on admin paths without a GET (POST- or PATCH-only): the 403 their own method gives a bearer caller', async () => {
    const own = await request(server).patch(`/api/v1/users/${ID}`).set(user.bearer).send({ role: 'admin' });
    expect(own.status).toBe(403);
    for (const method of ['GET', 'PUT', 'DELETE', 'POST'] as const) {
      const res = await call(server, method, `/api/v1/users/${ID}`).set(user.bearer);
      expect([method, res.status, res.headers.allow, res.body]).toEqual([method, 403, undefined, own.body]);
    }
    // the admin pages' paths: the same refusal, in a page's words (an API route says "API route")
    const page = { ...own.body, message: 'This page is for administrators.' };
    for (const path of [`/admin/users/${ID}`, `/admin/users/${ID}/password`]) {
      const res = await request(server).delete(path).set({ ...user.headers, Accept: 'application/json' });
      expect([path, res.status, res.headers.allow, res.body]).toEqual([path, 403, undefined, page]);
    }
  });

  it('a browser of a non-admin gets the 403 error page, not the 405 one', async () => {
    const res = await request(server).put('/admin/users').set({ ...user.headers, Accept: 'text/html' });
    expect([res.status, res.headers.allow]).toEqual([403, undefined]);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('Error 403');
    expect(res.text).not.toContain('Error 405');
  });

  it('anonymous on an admin path: the login wall (401, a browser\'s GET: the redirect), no Allow', async () => {
    const api = await request(server).delete('/api/v1/users');
    expect([api.status, api.headers.allow, api.body.code, api.headers['www-authenticate']]).toEqual([401, undefined, 'UNAUTHORIZED', 'Bearer']);
    const page = await request(server).get(`/admin/users/${ID}`).set('Accept', 'text/html');
    expect([page.status, page.headers.location, page.headers.allow]).toEqual([302, `/login?next=%2Fadmin%2Fusers%2F${ID}`, undefined]);
  });

  it('admins keep 405 + Allow on the same paths', async () => {
    const page = await request(server).put('/admin/users').set({ ...admin.headers, Accept: 'application/json' });
    expect([page.status, page.headers.allow, page.body.code]).toEqual([405, 'GET, HEAD, OPTIONS, POST', 'METHOD_NOT_ALLOWED']);
    const api = await request(server).delete(`/api/v1/users/${ID}`).set(admin.bearer);
    expect([api.status, api.headers.allow]).toEqual([405, 'OPTIONS, PATCH']);
    const csv = await request(server).post('/api/v1/history/export.csv').set(admin.bearer);
    expect(csv.status).toBe(405);
  });

  it('a path a non-admin may use still answers them 405 + Allow', async () => {
    const res = await request(server).delete('/api/v1/analyses').set(user.bearer);
    expect([res.status, res.headers.allow]).toEqual([405, 'OPTIONS, POST']);
  });

  it('a user who must first change a password someone else set: the 403 PASSWORD_CHANGE_REQUIRED, never the methods of what they may not use', async () => {
    // before: DELETE /api/v1/analyses answered them 405 + `Allow: POST`, where POST itself answers 403
    const api = await request(server).delete('/api/v1/analyses').set(flagged.bearer);
    expect([api.status, api.headers.allow, api.body.code]).toEqual([403, undefined, 'PASSWORD_CHANGE_REQUIRED']);
    const own = await request(server).post('/api/v1/analyses').set(flagged.bearer);
    expect(api.body).toEqual(own.body);
    for (const [method, path] of [['PUT', '/admin/users'], ['DELETE', '/history/export.csv'], ['PUT', `/api/v1/users/${ID}`]]) {
      const res = await call(server, method, path).set({ ...(path.startsWith('/api/') ? flagged.bearer : flagged.headers), Accept: 'application/json' });
      expect([method, path, res.status, res.headers.allow, res.body.code]).toEqual([method, path, 403, undefined, 'PASSWORD_CHANGE_REQUIRED']);
    }
    // a browser's GET on a POST-only page path goes where every other page sends them
    const page = await request(server).get(`/admin/users/${ID}/password`).set({ ...flagged.headers, Accept: 'text/html' });
    expect([page.status, page.headers.location, page.headers.allow]).toEqual([302, '/account', undefined]);
    // the routes open to them keep their 405 + Allow
    const change = await request(server).get('/api/v1/auth/password').set(flagged.bearer);
    expect([change.status, change.headers.allow]).toEqual([405, 'OPTIONS, POST']);
  });
});
