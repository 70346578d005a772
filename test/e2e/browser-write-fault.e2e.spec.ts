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
import { PrismaService } from '../../src/prisma/prisma.service';
import { loginAs, loginViaForm, TestSession } from '../helpers/auth';
import { CapturingAuditSink } from '../helpers/capturing-audit-sink';
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
  const audit = new CapturingAuditSink();

  beforeAll(async () => {
    app = await startApp(config, [], { auditSink: audit });
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
    expect(res.text).toContain('not accepting changes until an administrator restarts the service');
    // no "try again in 5 s": waiting cannot cure it
    expect(res.headers['retry-after']).toBeUndefined();
    const lines = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    expect(lines.some((l) => l.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
  });

  it('POST /login with a wrong password: still the 401 form (no write needed to refuse)', async () => {
    const res = await loginViaForm(app, user.user.email, 'not-the-password');
    expect(res.status).toBe(401);
    expect(res.text).toContain('The email or password is incorrect');
  });

  it('POST /logout: cookies cleared, a 503 page saying the session was not ended on the server, a logout.failure audit line', async () => {
    audit.clear();
    const res = await request(app.getHttpServer()).post('/logout').set(user.headers).set('Accept', 'text/html').type('form').send({ _csrf: user.csrfToken });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.text).toContain('until an administrator restarts the service');
    // the audit log holds the attempt (the audit log is stdout, not the database that refused): who, and that it did not happen
    expect(audit.events().filter((e) => e.event.startsWith('logout')).map(({ event, reason, via, userId, username }) => ({ event, reason, via, userId, username }))).toEqual([
      { event: 'logout.failure', reason: 'database_unavailable', via: 'session', userId: user.user.id, username: user.user.email },
    ]);
    expect(audit.lines.find((l) => l.line.includes('logout.failure'))?.level).toBe('warn');
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

/**
 * A passing refusal (a read-only connection here; a lock held too long, a full disk): the same
 * cookies cleared and audit line, but this 503 may clear within seconds, so it keeps Retry-After.
 */
describe('the browser logging out while the database refuses writes for a while', () => {
  let app: NestExpressApplication;
  let user: TestSession;
  const audit = new CapturingAuditSink();

  beforeAll(async () => {
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0' }), [], { auditSink: audit });
    user = await loginAs(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('POST /logout: 503 with Retry-After, "right now", a logout.failure audit line; once writes are back, a logout ends the session', async () => {
    const prisma = app.get(PrismaService);
    await prisma.$executeRawUnsafe('PRAGMA query_only = ON');
    let res: request.Response;
    try {
      res = await request(app.getHttpServer()).post('/logout').set(user.headers).set('Accept', 'text/html').type('form').send({ _csrf: user.csrfToken });
    } finally {
      await prisma.$executeRawUnsafe('PRAGMA query_only = OFF');
    }
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.text).toContain('not accepting changes right now');
    expect(cleared(res, SESSION_COOKIE)).toBe(true);
    expect(audit.events().filter((e) => e.event.startsWith('logout')).map(({ event, reason }) => ({ event, reason }))).toEqual([
      { event: 'logout.failure', reason: 'database_unavailable' },
    ]);

    audit.clear();
    const again = await request(app.getHttpServer()).post('/logout').set(user.headers).set('Accept', 'text/html').type('form').send({ _csrf: user.csrfToken });
    expect(again.status).toBe(303);
    expect(audit.events().map((e) => e.event)).toContain('logout');
    expect((await request(app.getHttpServer()).get('/api/v1/auth/me').set('Cookie', user.cookie)).status).toBe(401);
  });
});
