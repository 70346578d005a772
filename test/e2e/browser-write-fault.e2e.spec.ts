/**
 * The browser's login form and logout while the SQLite file at DATABASE_URL is removed under the
 * process (every write refused, 503 DATABASE_UNAVAILABLE: history-write-fault-accounts.e2e covers
 * the API). The login form answers the error page in words, no session cookie. Logout could not
 * delete the session row: it still clears this browser's cookies (the user asked to leave this
 * browser; keeping them left a shared computer logged in) and says, with a 503, that the session
 * was not ended on the server and what to do about it.
 */
import * as fs from 'node:fs';
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { CSRF_COOKIE, SESSION_COOKIE } from '../../src/accounts/cookies';
import { loginAs, loginViaForm, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';

/** The Set-Cookie lines of an answer that end a cookie of this name (empty value, expired). */
function cleared(res: request.Response, name: string): boolean {
  const lines = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return lines.some((l) => l.startsWith(`${name}=;`) && /Expires=Thu, 01 Jan 1970/.test(l));
}

describe('the browser while the database file is removed under the process', () => {
  const config = testConfig({ MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0' });
  let app: NestExpressApplication;
  let user: TestSession;

  beforeAll(async () => {
    app = await startApp(config);
    user = await loginAs(app);
    fs.renameSync(config.databaseFile, `${config.databaseFile}.aside`);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('POST /login with the right password: the 503 error page in words, no session cookie', async () => {
    const res = await loginViaForm(app, user.user.email, user.password);
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('DATABASE_UNAVAILABLE');
    expect(res.text).toContain('not accepting changes until the service is restarted');
    const lines = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    expect(lines.some((l) => l.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
  });

  it('POST /login with a wrong password: still the 401 form (no write needed to refuse)', async () => {
    const res = await loginViaForm(app, user.user.email, 'not-the-password');
    expect(res.status).toBe(401);
    expect(res.text).toContain('The email or password is incorrect');
  });

  it('POST /logout: cookies cleared, a 503 page saying the session was not ended on the server', async () => {
    const res = await request(app.getHttpServer()).post('/logout').set(user.headers).set('Accept', 'text/html').type('form').send({ _csrf: user.csrfToken });
    expect(res.status).toBe(503);
    expect(cleared(res, SESSION_COOKIE)).toBe(true);
    expect(cleared(res, CSRF_COOKIE)).toBe(true);
    expect(res.text).toContain('DATABASE_UNAVAILABLE');
    expect(res.text).toContain('logged out of this browser');
    expect(res.text).toContain('the server could not end the session');
    expect(res.text).toContain('change your password once the service is back');
    // the page is for someone logged out: no account link in the header
    expect(res.text).not.toContain(user.user.email);
    // honest: the session row is still there, so the old cookie still works until it expires or is revoked
    expect((await request(app.getHttpServer()).get('/api/v1/auth/me').set('Cookie', user.cookie)).status).toBe(200);
  });
});
