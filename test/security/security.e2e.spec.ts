/**
 * Issue 5 — security checks, adversarial and generic: every route is read from the live
 * router, so a route added later is covered without touching this file.
 *
 *   - login wall: every non-public route refuses anonymous callers, forged tokens and cookies,
 *     and routing tricks (trailing slash, case, double slash, HEAD, method override);
 *   - security headers on every response: CSP without unsafe-inline/eval scripts,
 *     frame-ancestors 'none', nosniff, X-Frame-Options, no X-Powered-By; no inline script or
 *     inline event handler in any page (they would be dead under the CSP anyway);
 *   - IDOR: another user's id on every `:id` route → 404/403, never their data;
 *   - CSRF: every state-changing route with the session cookie but no token → 403, nothing done;
 *   - cookies: every Set-Cookie seen is HttpOnly, SameSite, Path=/;
 *   - logs: no password, token, CSRF token, SESSION_SECRET or image byte at verbose level;
 *
 * security-secrets.e2e.spec.ts: login throttle, secrets at rest, escaping, PDFs. Both share
 * security-suite.ts (one app, its users, the log capture).
 *
 * test/e2e/auth.e2e.spec.ts and history-reports.e2e.spec.ts test the same features from the
 * feature side (login throttle, cookie Secure behind a proxy, IDOR on history): not repeated here.
 */
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { PrismaService } from '../../src/prisma/prisma.service';
import { loginViaForm, TestSession } from '../helpers/auth';
import { PUBLIC, Route } from '../support/routes';
import { ADMIN, call, expectNoSecretsLogged, fill, Server, useSecuritySuite } from './security-suite';

describe('security: login wall, headers, IDOR, CSRF, cookies', () => {
  const s = useSecuritySuite();
  let app: NestExpressApplication;
  let server: Server;
  let all: Route[];
  let admin: TestSession;
  let alice: TestSession;
  let bob: TestSession;
  let aliceAnalysisId: string;
  let image: Buffer;
  let keep: (res: request.Response) => request.Response;
  let setCookies: string[];
  beforeAll(() => ({ app, server, all, admin, alice, bob, aliceAnalysisId, image, keep, setCookies } = s));

  it('enumerates the router and knows which routes are public', () => {
    expect(all.length).toBeGreaterThan(20);
    const keys = new Set(all.map((r) => `${r.method} ${r.path}`));
    for (const p of PUBLIC) expect(keys).toContain(p);
  });

  it('every non-public route refuses anonymous callers, forged bearer tokens and forged cookies', async () => {
    const wrong: string[] = [];
    for (const r of all) {
      const key = `${r.method} ${r.path}`;
      if (PUBLIC.has(key)) continue;
      const url = fill(r.path);
      const variants: [string, Record<string, string>][] = [
        ['anonymous', {}],
        ['forged bearer', { Authorization: `Bearer ${'A'.repeat(43)}` }],
        ['forged cookie', { Cookie: `sentinel_session=${'B'.repeat(43)}; sentinel_csrf=x`, 'X-CSRF-Token': 'x' }],
      ];
      for (const [label, headers] of variants) {
        const res = keep(await call(server, r.method, url).set({ Accept: 'application/json', ...headers }));
        const refused = res.status === 401 || (r.path.startsWith('/api/docs') && res.status === 302 && String(res.headers.location).startsWith('/login'));
        if (!refused) wrong.push(`${key} (${label}) → ${res.status}`);
      }
      if (r.method === 'GET' && !r.path.startsWith('/api/')) {
        const page = keep(await request(server).get(url).set('Accept', 'text/html'));
        if (page.status !== 302 || !String(page.headers.location).startsWith('/login')) wrong.push(`${key} (browser) → ${page.status}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('routing tricks do not get past the login wall', async () => {
    const tricks = [
      ['POST', '/api/v1/analyses/'],
      ['POST', '/API/V1/ANALYSES'],
      ['POST', '//api/v1/analyses'],
      ['POST', '/api/v1/./analyses'],
      ['POST', '/api/v1/%61nalyses'],
      ['POST', '/api/v1/analyses;x=1'],
      ['POST', '/api/v1/analyses?_method=GET'],
      ['GET', '/api/v1/users/'],
      ['GET', '/Api/V1/Users'],
      ['HEAD', '/api/v1/users'],
      ['HEAD', '/history'],
      ['GET', '/admin/users/'],
      ['GET', '/ADMIN/USERS'],
      ['GET', '/api/v1/history/summary/'],
      ['GET', '/static/../api/v1/users'],
      ['GET', '/samples/..%2f..%2fpackage.json'],
      ['GET', '/samples/%2e%2e/%2e%2e/package.json'],
    ] as const;
    const wrong: string[] = [];
    for (const [method, url] of tricks) {
      const res = await call(server, method, url).set('Accept', 'application/json').set('X-HTTP-Method-Override', 'GET');
      if (res.status < 300 || (res.status >= 500 && res.status !== 503)) wrong.push(`${method} ${url} → ${res.status}`);
      if (res.text?.includes('"passwordHash"') || res.text?.includes('"name": "mri-sentinel"')) wrong.push(`${method} ${url} leaked data`);
    }
    expect(wrong).toEqual([]);
  });

  // -------------------------------------------------------------------------------------------
  it('sends the security headers on every response: pages, API, errors, redirects, static files', async () => {
    const targets: [string, Record<string, string>][] = [];
    for (const r of all.filter((x) => x.method === 'GET')) {
      targets.push([fill(r.path, aliceAnalysisId), { ...alice.headers, Accept: 'text/html' }]);
      targets.push([fill(r.path, aliceAnalysisId), { Accept: 'application/json' }]);
    }
    targets.push(['/static/css/app.css', {}], ['/static/js/app.js', {}], ['/nope', { Accept: 'text/html' }], ['/api/v1/nope', alice.bearer]);
    const wrong: string[] = [];
    for (const [url, headers] of targets) {
      const res = await request(server).get(url).set(headers);
      const h = res.headers;
      const what = `GET ${url} (${res.status}, ${headers.Accept ?? 'no accept'})`;
      if (h['x-content-type-options'] !== 'nosniff') wrong.push(`${what}: nosniff missing`);
      if (h['x-frame-options'] !== 'DENY') wrong.push(`${what}: X-Frame-Options ${h['x-frame-options']}`);
      if (h['x-powered-by']) wrong.push(`${what}: X-Powered-By`);
      if (!h['referrer-policy']) wrong.push(`${what}: Referrer-Policy missing`);
      if (url.startsWith('/api/docs')) continue; // Swagger UI needs its inline scripts; framing is still denied above
      const csp = String(h['content-security-policy'] ?? '');
      const directive = (name: string) => csp.split(';').map((d) => d.trim()).find((d) => d.startsWith(`${name} `)) ?? '';
      const scripts = directive('script-src') || directive('default-src');
      if (!csp) wrong.push(`${what}: no CSP`);
      else {
        if (!scripts || /unsafe-inline|unsafe-eval|\*/.test(scripts)) wrong.push(`${what}: script-src "${scripts}"`);
        if (directive('frame-ancestors') !== "frame-ancestors 'none'") wrong.push(`${what}: frame-ancestors "${directive('frame-ancestors')}"`);
        if (directive('object-src') !== "object-src 'none'") wrong.push(`${what}: object-src "${directive('object-src')}"`);
      }
      if (/text\/html/.test(String(h['content-type']))) {
        if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(res.text)) wrong.push(`${what}: inline <script>`);
        if (/<[a-z][^>]*\son[a-z]+\s*=/i.test(res.text)) wrong.push(`${what}: inline event handler`);
        if (/\sstyle\s*=/i.test(res.text)) wrong.push(`${what}: inline style attribute (blocked by style-src 'self')`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('API results and reports are not cached by browsers or proxies', async () => {
    const res = await request(server).get(`/api/v1/history/${aliceAnalysisId}/report.pdf`).set(alice.bearer).expect(200);
    expect(res.headers['cache-control']).toMatch(/no-store/);
  });

  // -------------------------------------------------------------------------------------------
  it("IDOR: another user's analysis id on every :id route gives nothing away", async () => {
    const idRoutes = all.filter((r) => /:id\b/.test(r.path) && r.method === 'GET');
    expect(idRoutes.length).toBeGreaterThanOrEqual(3);
    const wrong: string[] = [];
    for (const r of idRoutes) {
      const url = fill(r.path, aliceAnalysisId);
      // alice can (when it is her route at all) …
      const mine = await request(server).get(url).set(url.startsWith('/api/') ? alice.bearer : alice.headers);
      // … bob, by API and by page, cannot
      for (const headers of [bob.bearer, bob.headers]) {
        const res = await request(server).get(url).set(headers);
        if (res.status < 400 || res.text.includes(aliceAnalysisId) || (mine.status === 200 && res.body?.length === mine.body?.length && res.status === 200)) {
          wrong.push(`${r.method} ${r.path} as bob → ${res.status}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    // and the admin-only user routes refuse plain users
    const patch = await request(server).patch(`/api/v1/users/${alice.user.id}`).set(bob.bearer).send({ role: 'admin' });
    expect(patch.status).toBe(403);
    const form = await request(server).post(`/admin/users/${alice.user.id}`).set(bob.headers).type('form').send({ _csrf: bob.csrfToken, role: 'admin' });
    expect(form.status).toBe(403);
    const me = await request(server).get('/api/v1/auth/me').set(alice.bearer).expect(200);
    expect(me.body.role).toBe('user');
  });

  // -------------------------------------------------------------------------------------------
  it('CSRF: every state-changing route refuses a cookie-authenticated request without a valid token', async () => {
    const unsafe = all.filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method) && !PUBLIC.has(`${r.method} ${r.path}`));
    expect(unsafe.length).toBeGreaterThanOrEqual(5);
    const wrong: string[] = [];
    const before = await app.get(PrismaService).analysis.count();
    for (const [i, r] of unsafe.entries()) {
      const url = fill(r.path, alice.user.id);
      // an address per route (the login-like routes count attempts per body email); one caller for
      // all: a password change refused for CSRF must not count against the caller's own account (5)
      const email = `csrf-${i}@example.test`;
      for (const [label, token] of [['no token', undefined], ['forged token', 'x'.repeat(43)], ["another session's token", bob.csrfToken]] as const) {
        let req = call(server, r.method, url).set('Cookie', admin.cookie).set('Accept', 'application/json');
        if (token) req = req.set('X-CSRF-Token', token);
        const res = r.path.includes('analyses') || r.path.includes('reports') || r.path.includes('studies') ? await req.attach('image', image, 'x.png') : await req.type('form').send({ role: 'admin', email, password: 'csrf-password-1' });
        if (res.status !== 403) wrong.push(`${r.method} ${r.path} (${label}) → ${res.status}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(await app.get(PrismaService).analysis.count()).toBe(before); // nothing ran
    expect(await app.get(PrismaService).user.count({ where: { email: { startsWith: 'csrf-' } } })).toBe(0);
  });

  it('the login form itself is CSRF-protected (no login CSRF)', async () => {
    const res = keep(await request(server).post('/login').type('form').set('Accept', 'text/html').send({ email: ADMIN.email, password: ADMIN.password }));
    expect(res.status).toBe(403);
    expect(([] as string[]).concat(res.headers['set-cookie'] ?? []).some((c) => c.startsWith('sentinel_session='))).toBe(false);
  });

  // -------------------------------------------------------------------------------------------
  it('every cookie the app sets is HttpOnly, SameSite and Path=/', async () => {
    keep(await loginViaForm(app, ADMIN.email, ADMIN.password));
    keep(await request(server).get('/login'));
    const ours = setCookies.filter((c) => /^sentinel_/.test(c));
    expect(ours.length).toBeGreaterThan(0);
    const wrong = ours.filter((c) => !/;\s*HttpOnly/i.test(c) || !/;\s*SameSite=(Lax|Strict)/i.test(c) || !/;\s*Path=\//i.test(c));
    expect(wrong).toEqual([]);
  });

  // -------------------------------------------------------------------------------------------
  it('logs no password, token, CSRF token, session secret or image byte (verbose level)', () => expectNoSecretsLogged(s));
});
