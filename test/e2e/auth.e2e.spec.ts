import request from 'supertest';
import { PrismaService } from '../../src/prisma/prisma.service';
import { anonymousCsrf, createUser, loginAs, loginViaForm } from '../helpers/auth';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import { PUBLIC, routes } from '../support/routes';
import { solidPng } from '../support/images';

describe('accounts: login wall, sessions, tokens, CSRF', () => {
  const h = useApp({
    env: {
      MODELS_DIR: FAKE_MODELS_DIR,
      SEED_ADMIN_EMAIL: 'root@example.test',
      SEED_ADMIN_PASSWORD: 'correct horse battery',
      RATE_LIMIT_LOGIN_PER_ACCOUNT: '3',
      RATE_LIMIT_LOGIN_PER_IP: '8',
      // X-Forwarded-For gives each test its own client IP for the login limits
      TRUST_PROXY: 'true',
    },
    sessions: { admin: { role: 'admin' } },
  });
  const { admin } = h.sessions;

  it('enumerates every route and requires a login on all but login, health and token', async () => {
    const all = routes(h.app);
    expect(all.length).toBeGreaterThan(20);
    const checked: string[] = [];
    for (const r of all) {
      const key = `${r.method} ${r.path}`;
      if (PUBLIC.has(key)) continue;
      const url = r.path.replace(/:(\w+)/g, 'x1').replace(/\{\*?\w+\}|\*\w*/g, 'x');
      // as an API client (JSON) …
      const api = await request(h.server)[r.method.toLowerCase() as 'get'](url).set('Accept', 'application/json');
      const apiOk = api.status === 401 || (r.path.startsWith('/api/docs') && api.status === 302);
      expect({ key, status: api.status, ok: apiOk }).toEqual({ key, status: api.status, ok: true });
      // … and as a browser: pages redirect to the login form
      if (r.method === 'GET' && !r.path.startsWith('/api/')) {
        const page = await request(h.server).get(url).set('Accept', 'text/html');
        expect({ key, status: page.status, location: page.headers.location?.startsWith('/login') }).toEqual({ key, status: 302, location: true });
      }
      checked.push(key);
    }
    for (const must of ['GET /', 'POST /api/v1/analyses', 'GET /history', 'GET /admin/users', 'POST /api/v1/reports', 'GET /api/v1/history/:id', 'GET /samples/:file']) {
      expect(checked).toContain(must);
    }
    // Swagger UI and its JSON are behind the login too
    expect((await request(h.server).get('/api/docs').set('Accept', 'text/html')).status).toBe(302);
    expect((await request(h.server).get('/api/docs-json')).status).toBe(401);
    await request(h.server).get('/api/docs-json').set(admin.headers).expect(200);
    // its page is named after the service, not Swagger's default "Swagger UI" (a tab among the service's own pages)
    const docs = await request(h.server).get('/api/docs').set(admin.headers).set('Accept', 'text/html').redirects(1).expect(200);
    expect(docs.text).toMatch(/<title>MRI Sentinel API<\/title>/);
    // health and static assets stay open
    await request(h.server).get('/healthz').expect(200);
    await request(h.server).get('/static/css/app.css').expect(200);
  });

  it('a wrong password is refused with the login form again, never a session', async () => {
    const { user } = await createUser(h.app, { password: 'the right password' });
    const res = await loginViaForm(h.app, user.email, 'the wrong password', '10.1.0.1');
    expect(res.status).toBe(401);
    expect(res.text).toContain('email or password is incorrect');
    expect(String(res.headers['set-cookie'] ?? '')).not.toContain('sentinel_session=');
  });

  it('the right password opens a session: HttpOnly, SameSite=Lax cookie, not Secure over plain http', async () => {
    const { user, password } = await createUser(h.app);
    const res = await loginViaForm(h.app, user.email, password, '10.1.0.2');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    const session = cookies.find((c) => c.startsWith('sentinel_session='))!;
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
    expect(session).not.toMatch(/Secure/i);
    const cookie = cookies.map((c) => c.split(';')[0]).join('; ');
    const page = await request(h.server).get('/').set('Cookie', cookie).set('Accept', 'text/html').expect(200);
    expect(page.text).toContain(user.email);
    // only a hash of the session token is stored
    const token = session.split(';')[0].split('=')[1];
    const rows = await h.app.get(PrismaService).session.findMany({ where: { userId: user.id } });
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.tokenHash).not.toContain(token);
    const stored = await h.app.get(PrismaService).user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored.passwordHash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$/);
    expect(stored.passwordHash).not.toContain(password);
  });

  it('logout needs the CSRF token and ends the session for good', async () => {
    const s = await loginAs(h.app);
    await request(h.server).post('/logout').set('Cookie', s.cookie).type('form').send({}).expect(403);
    await request(h.server).post('/logout').set('Cookie', s.cookie).type('form').send({ _csrf: s.csrfToken }).expect(303);
    const after = await request(h.server).get('/api/v1/auth/me').set('Cookie', s.cookie);
    expect(after.status).toBe(401);
  });

  it('POST /api/v1/auth/token → {token, expiresAt}; Bearer works on /api/v1 and nowhere else', async () => {
    const { user, password } = await createUser(h.app);
    const res = await request(h.server).post('/api/v1/auth/token').send({ email: user.email, password }).expect(200);
    expect(res.body).toEqual({ token: expect.stringMatching(/^mst_/), expiresAt: expect.any(String) });
    expect(Date.parse(res.body.expiresAt)).toBeGreaterThan(Date.now());
    const me = await request(h.server).get('/api/v1/auth/me').set('Authorization', `Bearer ${res.body.token}`).expect(200);
    expect(me.body).toEqual({ id: user.id, email: user.email, role: 'user', mustChangePassword: false });
    // bearer-authenticated API calls need no CSRF token
    await request(h.server).post('/api/v1/analyses').set('Authorization', `Bearer ${res.body.token}`).attach('image', await solidPng(300, 300, 255), 'a.png').expect(200);
    // pages do not accept bearer tokens
    const page = await request(h.server).get('/history').set('Authorization', `Bearer ${res.body.token}`).set('Accept', 'text/html');
    expect(page.status).toBe(302);
    const bad = await request(h.server).get('/api/v1/auth/me').set('Authorization', 'Bearer mst_nope').expect(401);
    expect(bad.headers['www-authenticate']).toContain('invalid_token');
    await request(h.server).post('/api/v1/auth/token').send({ email: user.email, password: 'wrong password!' }).expect(401);
    // revocation
    await request(h.server).delete('/api/v1/auth/token').set('Authorization', `Bearer ${res.body.token}`).expect(204);
    await request(h.server).get('/api/v1/auth/me').set('Authorization', `Bearer ${res.body.token}`).expect(401);
  });

  it('DELETE /api/v1/auth/token without a bearer token → 400 naming the way out, never a 204 that revoked nothing', async () => {
    const s = await loginAs(h.app);
    const res = await request(h.server).delete('/api/v1/auth/token').set(s.headers).expect(400);
    expect(res.body).toEqual({ statusCode: 400, code: 'BAD_REQUEST', message: expect.stringContaining('POST /logout') });
    // the browser session was not ended, and the answer did not pretend it was
    await request(h.server).get('/api/v1/auth/me').set(s.headers).expect(200);
  });

  it('CSRF token required on every cookie-authenticated form post and page fetch', async () => {
    // login form without a token
    const { cookie } = await anonymousCsrf(h.app);
    await request(h.server).post('/login').set('Cookie', cookie).type('form').send({ email: 'root@example.test', password: 'correct horse battery' }).expect(403);
    // admin form without / with a forged token
    await request(h.server).post('/admin/users').set('Cookie', admin.cookie).type('form').send({ email: 'x@example.test', password: 'long enough pw', role: 'user' }).expect(403);
    await request(h.server).post('/admin/users').set('Cookie', admin.cookie).type('form').send({ _csrf: 'forged', email: 'x@example.test', password: 'long enough pw', role: 'user' }).expect(403);
    // the page's fetch to the API with the cookie but without X-CSRF-Token
    const png = await solidPng(300, 300, 255);
    await request(h.server).post('/api/v1/analyses').set('Cookie', admin.cookie).attach('image', png, 'a.png').expect(403);
    await request(h.server).post('/api/v1/analyses').set(admin.headers).attach('image', png, 'a.png').expect(200);
    // another browser's token does not fit this browser's cookie
    const other = await loginAs(h.app);
    await request(h.server).post('/api/v1/analyses').set('Cookie', admin.cookie).set('X-CSRF-Token', other.csrfToken).attach('image', png, 'a.png').expect(403);
    // every page form carries the token
    const page = await request(h.server).get('/admin/users').set(admin.headers).set('Accept', 'text/html').expect(200);
    const forms = page.text.match(/<form[^>]*method="post"[\s\S]*?<\/form>/g) ?? [];
    expect(forms.length).toBeGreaterThan(2);
    for (const f of forms) expect(f).toContain(`name="_csrf" value="${admin.csrfToken}"`);
  });

  it('wrong passwords are throttled per account (429 + Retry-After, friendly page), then per IP', async () => {
    const { user, password } = await createUser(h.app);
    for (let i = 0; i < 3; i++) expect((await loginViaForm(h.app, user.email, 'nope nope nope', '10.0.0.1')).status).toBe(401);
    const blocked = await loginViaForm(h.app, user.email, password, '10.0.0.1'); // even the right one now
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.headers['content-type']).toMatch(/html/);
    expect(blocked.text).toContain('Too many login attempts for this account');
    const api = await request(h.server).post('/api/v1/auth/token').set('X-Forwarded-For', '10.0.0.2').send({ email: user.email, password }).expect(429);
    expect(api.body).toEqual({ statusCode: 429, code: 'TOO_MANY_REQUESTS', message: expect.stringContaining('Please wait') });
    expect(api.headers['retry-after']).toBeDefined();
    // per IP: 8 attempts on 8 different accounts from one address, the 9th is refused
    for (let i = 0; i < 8; i++) expect((await loginViaForm(h.app, `nobody${i}@example.test`, 'whatever pw', '10.0.0.3')).status).toBe(401);
    const ip = await loginViaForm(h.app, 'nobody9@example.test', 'whatever pw', '10.0.0.3');
    expect(ip.status).toBe(429);
    expect(ip.text).toContain('Too many login attempts from your network');
    // another address is unaffected
    expect((await loginViaForm(h.app, 'nobody9@example.test', 'whatever pw', '10.0.0.4')).status).toBe(401);
  });

  it('the seeded first admin can log in; admins create, re-role and disable users from the page', async () => {
    const res = await loginViaForm(h.app, 'root@example.test', 'correct horse battery', '10.1.0.3');
    expect(res.status).toBe(303);
    // users cannot reach the admin page
    const plain = await loginAs(h.app);
    await request(h.server).get('/admin/users').set(plain.headers).set('Accept', 'text/html').expect(403);
    await request(h.server).get('/api/v1/users').set(plain.bearer).expect(403);
    // create
    const created = await request(h.server)
      .post('/admin/users')
      .set(admin.headers)
      .type('form')
      .send({ _csrf: admin.csrfToken, email: 'New.Person@Example.test', password: 'a fine password', role: 'user' })
      .expect(303);
    // the notice is composed from the database; the redirect carries only an action and an id
    expect(created.headers.location).toMatch(/^\/admin\/users\?done=created&user=[\w-]+$/);
    const notice = await request(h.server).get(created.headers.location).set({ ...admin.headers, Accept: 'text/html' }).expect(200);
    expect(notice.text).toContain('Created new.person@example.test (user).');
    const list = await request(h.server).get('/api/v1/users').set(admin.bearer).expect(200);
    const u = list.body.find((x: { email: string }) => x.email === 'new.person@example.test');
    expect(u).toMatchObject({ role: 'user', disabled: false });
    expect(JSON.stringify(list.body)).not.toMatch(/passwordHash|scrypt/);
    const token = (await request(h.server).post('/api/v1/auth/token').set('X-Forwarded-For', '10.1.0.4').send({ email: 'new.person@example.test', password: 'a fine password' }).expect(200)).body.token;
    // re-role
    await request(h.server).post(`/admin/users/${u.id}`).set(admin.headers).type('form').send({ _csrf: admin.csrfToken, role: 'admin', disabled: 'false', confirmed: 'yes' }).expect(303);
    expect((await request(h.server).get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`)).body.role).toBe('admin');
    // disable: existing tokens stop working at once, login refused
    await request(h.server).post(`/admin/users/${u.id}`).set(admin.headers).type('form').send({ _csrf: admin.csrfToken, role: 'user', disabled: 'true', confirmed: 'yes' }).expect(303);
    await request(h.server).get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`).expect(401);
    await request(h.server).post('/api/v1/auth/token').set('X-Forwarded-For', '10.1.0.4').send({ email: 'new.person@example.test', password: 'a fine password' }).expect(401);
    // bad input is shown on the page
    const dup = await request(h.server).post('/admin/users').set(admin.headers).type('form').send({ _csrf: admin.csrfToken, email: 'new.person@example.test', password: 'a fine password' });
    expect(dup.status).toBe(409);
    expect(dup.text).toContain('already exists');
  });
});
