/**
 * A password someone else set (an admin's create form or API, "New password", the random first
 * admin) must be replaced at first login: until then a browser is sent to /account for every page,
 * the API answers 403 PASSWORD_CHANGE_REQUIRED, and only the change itself, logout and "me" work.
 * Before this, such a user kept the admin-known password for ever.
 */
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import request from 'supertest';
import { UsersService } from '../../src/accounts/users.service';
import { PrismaService } from '../../src/prisma/prisma.service';
import { createUser, loginAs, loginViaForm, sessionFor } from '../helpers/auth';
import { FAKE_MODELS_DIR, startApp, tempDir, testConfig } from '../support/app';
import { useApp } from '../support/use-app';
import { PUBLIC, routes } from '../support/routes';

/** Routes such a user may still use (besides the public ones). */
const OPEN = new Set(['GET /account', 'POST /account/password', 'POST /logout', 'POST /api/v1/auth/password', 'DELETE /api/v1/auth/token', 'GET /api/v1/auth/me']);
const cookieOf = (res: request.Response, name: string): string | undefined =>
  ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${name}=`))?.split(';')[0];

/** Nothing here is analysed: no inference workers to start (two cost seconds of CPU at each boot). */
const NO_ANALYSES = { MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0' };

describe('must change a password someone else set', () => {
  const h = useApp({ env: { ...NO_ANALYSES, TRUST_PROXY: 'true' }, sessions: { admin: { role: 'admin' } } });
  const { admin } = h.sessions;
  let ip = 0;
  const nextIp = () => `10.9.0.${++ip}`;

  it('browser: a user the admin created is sent to /account, changes the password there, then uses the pages', async () => {
    const created = await request(h.server).post('/admin/users').set(admin.headers).type('form').send({ _csrf: admin.csrfToken, email: 'made.by.admin@example.test', password: 'admin-chosen-pw-1', role: 'user' }).expect(303);
    const notice = await request(h.server).get(created.headers.location).set({ ...admin.headers, Accept: 'text/html' }).expect(200);
    expect(notice.text).toContain('The user will be asked to choose a new password at first login.');
    expect(notice.text).toMatch(/made\.by\.admin@example\.test<\/td>[\s\S]*?must choose a new password/);

    const login = await loginViaForm(h.app, 'made.by.admin@example.test', 'admin-chosen-pw-1', nextIp());
    expect([login.status, login.headers.location]).toEqual([303, '/account']);
    const cookie = `${cookieOf(login, 'sentinel_session')}; ${cookieOf(login, 'sentinel_csrf')}`;
    for (const page of ['/', '/history', '/models', '/api/docs']) {
      const res = await request(h.server).get(page).set('Cookie', cookie).set('Accept', 'text/html');
      expect([page, res.status, res.headers.location]).toEqual([page, 302, '/account']);
    }
    const account = await request(h.server).get('/account').set('Cookie', cookie).set('Accept', 'text/html').expect(200);
    expect(account.text).toContain('id="password-change-required"');
    // the rules the form will apply, before the first refusal (before: only in the error after submitting)
    expect(account.text).toMatch(/aria-describedby="password-rules"[\s\S]*id="password-rules">At least 10 characters; not a common password/);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(account.text)![1];
    const change = (current: string, next: string) =>
      request(h.server).post('/account/password').set('Cookie', cookie).set('Accept', 'text/html').type('form').send({ _csrf: csrf, current, password: next, confirm: next });
    // keeping the password the admin knows is not a change
    const same = await change('admin-chosen-pw-1', 'admin-chosen-pw-1');
    expect([same.status, same.text.includes('must differ from the current one')]).toEqual([400, true]);
    const ok = await change('admin-chosen-pw-1', 'my own secret 42').expect(303);
    const fresh = `${cookieOf(ok, 'sentinel_session')}; ${cookieOf(login, 'sentinel_csrf')}`;
    await request(h.server).get('/').set('Cookie', fresh).set('Accept', 'text/html').expect(200);
    const me = await request(h.server).get('/api/v1/auth/me').set('Cookie', fresh).expect(200);
    expect(me.body.mustChangePassword).toBe(false);
    // the session the change was made from is replaced; the admin-set password no longer logs in
    await request(h.server).get('/api/v1/auth/me').set('Cookie', cookie).expect(401);
    expect((await loginViaForm(h.app, 'made.by.admin@example.test', 'admin-chosen-pw-1', nextIp())).status).toBe(401);
    expect((await loginViaForm(h.app, 'made.by.admin@example.test', 'my own secret 42', nextIp())).headers.location).toBe('/');
  });

  it('browser: held at /account, but logout still works before the change', async () => {
    const flagged = await loginAs(h.app, { mustChangePassword: true });
    expect((await request(h.server).get('/').set(flagged.headers).set('Accept', 'text/html').expect(302)).headers.location).toBe('/account');
    await request(h.server).post('/logout').set(flagged.headers).type('form').send({ _csrf: flagged.csrfToken }).expect(303);
    await request(h.server).get('/api/v1/auth/me').set('Cookie', flagged.cookie).expect(401);
  });

  it('API: 403 PASSWORD_CHANGE_REQUIRED in words until POST /api/v1/auth/password; then a new token, the old ones end', async () => {
    const made = await request(h.server).post('/api/v1/users').set(admin.bearer).send({ email: 'api.user@example.test', password: 'admin-chosen-pw-2' }).expect(201);
    expect(made.body).toMatchObject({ email: 'api.user@example.test', mustChangePassword: true });
    const token = async () => (await request(h.server).post('/api/v1/auth/token').set('X-Forwarded-For', nextIp()).send({ email: 'api.user@example.test', password: 'admin-chosen-pw-2' }).expect(200)).body.token as string;
    const [t1, t2] = [await token(), await token()];
    const bearer = { Authorization: `Bearer ${t1}` };
    const refused = await request(h.server).get('/api/v1/history').set(bearer).expect(403);
    expect(refused.body).toEqual({ statusCode: 403, code: 'PASSWORD_CHANGE_REQUIRED', message: expect.stringContaining('POST /api/v1/auth/password') });
    expect((await request(h.server).get('/api/docs-json').set(bearer).expect(403)).body.code).toBe('PASSWORD_CHANGE_REQUIRED');
    expect((await request(h.server).get('/api/v1/auth/me').set(bearer).expect(200)).body).toMatchObject({ email: 'api.user@example.test', mustChangePassword: true });
    // logout (token revocation) works
    await request(h.server).delete('/api/v1/auth/token').set('Authorization', `Bearer ${t2}`).expect(204);
    await request(h.server).get('/api/v1/auth/me').set('Authorization', `Bearer ${t2}`).expect(401);

    const wrong = await request(h.server).post('/api/v1/auth/password').set(bearer).send({ current: 'not the password', password: 'my own secret 43' }).expect(400);
    expect(wrong.body.message).toContain('current password is not correct');
    expect((await request(h.server).post('/api/v1/auth/password').set(bearer).send({ current: 'admin-chosen-pw-2', password: 'short' }).expect(400)).body.message).toContain('at least 10');
    await request(h.server).post('/api/v1/auth/password').set(bearer).send({ current: 'admin-chosen-pw-2', password: 'admin-chosen-pw-2' }).expect(400);
    const done = await request(h.server).post('/api/v1/auth/password').set(bearer).send({ current: 'admin-chosen-pw-2', password: 'my own secret 43' }).expect(200);
    expect(done.body).toEqual({ token: expect.stringMatching(/^mst_/), expiresAt: expect.any(String) });
    await request(h.server).get('/api/v1/auth/me').set(bearer).expect(401);
    const now = { Authorization: `Bearer ${done.body.token}` };
    await request(h.server).get('/api/v1/history').set(now).expect(200);
    expect((await request(h.server).get('/api/v1/auth/me').set(now).expect(200)).body.mustChangePassword).toBe(false);
  });

  it('API with the browser cookie: CSRF needed, then a new session cookie (204)', async () => {
    const { user, password } = await createUser(h.app, { mustChangePassword: true });
    const s = await sessionFor(h.app, user, password);
    await request(h.server).post('/api/v1/auth/password').set('Cookie', s.cookie).send({ current: password, password: 'my own secret 44' }).expect(403);
    const res = await request(h.server).post('/api/v1/auth/password').set(s.headers).send({ current: password, password: 'my own secret 44' }).expect(204);
    const fresh = cookieOf(res, 'sentinel_session')!;
    await request(h.server).get('/api/v1/history').set('Cookie', fresh).expect(200);
    await request(h.server).get('/api/v1/history').set(s.bearer).expect(401);
  });

  it('two changes checked against the same current password at once: one lands, the other is refused', async () => {
    const s = await loginAs(h.app, { mustChangePassword: true });
    const change = (next: string) => request(h.server).post('/api/v1/auth/password').set(s.bearer).send({ current: s.password, password: next });
    // before: both answered 200 with a token, the later write's password won, the other's token could outlive it
    const answers = await Promise.all([change('first own choice 1'), change('second own choice 2')]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400]);
    const lost = answers.find((r) => r.status === 400)!;
    expect(lost.body.message).toMatch(/changed meanwhile/);
    const won = answers.find((r) => r.status === 200)!;
    await request(h.server).get('/api/v1/history').set('Authorization', `Bearer ${won.body.token}`).expect(200);
  });

  it('"New password" by an admin sets the flag again for a user who had chosen theirs', async () => {
    const victim = await loginAs(h.app);
    await request(h.server).get('/api/v1/history').set(victim.bearer).expect(200);
    const res = await request(h.server).post(`/admin/users/${victim.user.id}/password`).set(admin.headers).type('form').send({ _csrf: admin.csrfToken, confirmed: 'yes' }).expect(200);
    expect(res.text).toContain('The user will be asked to choose a new password at first login.');
    const pw = /id="new-password">([^<]+)</.exec(res.text)![1];
    const token = (await request(h.server).post('/api/v1/auth/token').set('X-Forwarded-For', nextIp()).send({ email: victim.user.email, password: pw }).expect(200)).body.token;
    expect((await request(h.server).get('/api/v1/history').set('Authorization', `Bearer ${token}`).expect(403)).body.code).toBe('PASSWORD_CHANGE_REQUIRED');
  });

  it('"New password" on the admin\'s own row is refused: /account, which asks for the current password, is the way', async () => {
    const self = await loginAs(h.app, { role: 'admin' });
    const page = await request(h.server).get('/admin/users').set({ ...self.headers, Accept: 'text/html' }).expect(200);
    expect(page.text).not.toContain(`action="/admin/users/${self.user.id}/password"`);
    expect(page.text).toContain(`action="/admin/users/${admin.user.id}/password"`);
    // before: 200 with a new password, the admin's own sessions ended and the account flagged
    const res = await request(h.server).post(`/admin/users/${self.user.id}/password`).set({ ...self.headers, Accept: 'text/html' }).type('form').send({ _csrf: self.csrfToken });
    expect([res.status, res.text.includes('To change your own password, use Your account (/account)'), res.text.includes('id="new-password"')]).toEqual([403, true, false]);
    await request(h.server).get('/api/v1/history').set(self.bearer).expect(200);
    expect((await h.app.get(UsersService).findById(self.user.id))?.mustChangePassword).toBe(false);
    expect((await loginViaForm(h.app, self.user.email, self.password, nextIp())).headers.location).toBe('/');
  });

  it('every other route refuses such a user, whatever it is (nothing runs)', async () => {
    const flagged = await loginAs(h.app, { role: 'admin', mustChangePassword: true });
    const before = await h.app.get(PrismaService).analysis.count();
    const wrong: string[] = [];
    let checked = 0;
    for (const r of routes(h.app)) {
      const key = `${r.method} ${r.path}`;
      if (PUBLIC.has(key) || OPEN.has(key)) continue;
      const url = r.path.replace(/:(\w+)/g, '00000000-0000-4000-8000-000000000000').replace(/\{\*?\w+\}|\*\w*/g, 'x');
      const callers = r.path.startsWith('/api/') ? [flagged.bearer, flagged.headers] : [flagged.headers];
      for (const who of callers) {
        const res = await request(h.server)[r.method.toLowerCase() as 'post'](url).set(who).set('Accept', 'application/json').send({ email: 'x@example.test', password: 'some-password-1', role: 'admin' });
        const ok = res.status === 403 ? res.body.code === 'PASSWORD_CHANGE_REQUIRED' : res.status === 302 && res.headers.location === '/account';
        if (!ok) wrong.push(`${key} (${'Authorization' in who ? 'bearer' : 'cookie'}) → ${res.status} ${JSON.stringify(res.body)}`);
      }
      checked++;
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(20);
    expect(await h.app.get(PrismaService).analysis.count()).toBe(before);
    expect(await h.app.get(UsersService).findByEmail('x@example.test')).toBeNull();
  });
});

describe('the first admin', () => {
  it('with a random (printed) password must change it; with SEED_ADMIN_PASSWORD keeps it', async () => {
    for (const [env, email, expected] of [
      [{}, 'admin@localhost', true],
      [{ SEED_ADMIN_EMAIL: 'deployer@example.test', SEED_ADMIN_PASSWORD: 'deployer chose this' }, 'deployer@example.test', false],
    ] as const) {
      const app = await startApp(testConfig({ ...NO_ANALYSES, ...env }));
      try {
        expect((await app.get(UsersService).findByEmail(email))?.mustChangePassword).toBe(expected);
      } finally {
        await app.close();
      }
    }
  });

  // a later start with SEED_ADMIN_* naming someone else created nothing and said nothing; the first start logged the address
  it('a later start whose SEED_ADMIN_EMAIL names no account says so; no log line carries the address', async () => {
    const db = `file:${path.join(tempDir('sentinel-seed-'), 'seed.db')}`;
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const log = jest.spyOn(Logger.prototype, 'log');
    const said = () => [...warn.mock.calls, ...log.mock.calls].map((c) => String(c[0]));
    try {
      for (const [email, warned] of [['deployer@example.test', false], ['deployer@example.test', false], ['newcomer@example.test', true]] as const) {
        warn.mockClear();
        log.mockClear();
        const app = await startApp(testConfig({ ...NO_ANALYSES, DATABASE_URL: db, SEED_ADMIN_EMAIL: email, SEED_ADMIN_PASSWORD: 'deployer chose this' }));
        await app.close();
        expect(said().some((m) => m.startsWith('SEED_ADMIN_EMAIL names no account and none was created'))).toBe(warned);
        expect(said().filter((m) => m.includes('@example.test'))).toEqual([]);
      }
    } finally {
      warn.mockRestore();
      log.mockRestore();
    }
  });
});
