/**
 * A login's session and the browser it was made in, when a login or a logout meets a session the
 * browser already has — or had.
 *
 * - A login over a live session (a login form left open in another tab of a shared computer, a
 *   second account on the same browser): the browser's cookie is replaced, and the session it held
 *   was left valid on the server until it expired — a session no browser would log out of any more,
 *   alive for whoever copied the cookie. Now the login ends it.
 * - A logout once the session has ended (expired overnight, ended by a password change elsewhere):
 *   it answered 401 "Please log in." ("Log in needed") to someone asking to log out. Now that caller
 *   is out already: the cookies are cleared and the browser goes to the login page, as after any
 *   logout. A live session's logout still needs its CSRF token.
 */
import request from 'supertest';
import { SESSION_COOKIE } from '../../src/accounts/cookies';
import { SessionsService } from '../../src/accounts/sessions.service';
import { createUser, loginAs } from '../helpers/auth';
import { CapturingAuditSink } from '../helpers/capturing-audit-sink';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';

describe('a login or logout meeting the session a browser holds', () => {
  const audit = new CapturingAuditSink();
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0' }, appOptions: { auditSink: audit } });
  const server = () => h.server;
  const me = (cookie: string) => request(server()).get('/api/v1/auth/me').set('Cookie', cookie);

  it.each(['another account', 'the same account'] as const)('a login form posted from a browser with a live session (%s): that session ends on the server', async (who) => {
    const holder = await loginAs(h.app);
    const other = who === 'the same account' ? { user: holder.user, password: holder.password } : await createUser(h.app);
    expect((await me(holder.cookie)).status).toBe(200);
    // the form as a tab opened before shows it: the CSRF token of the session this browser holds
    const res = await request(server())
      .post('/login')
      .set('Cookie', holder.cookie)
      .set('Accept', 'text/html')
      .type('form')
      .send({ _csrf: holder.csrfToken, email: other.user.email, password: other.password, next: '/' });
    expect(res.status).toBe(303);
    const fresh = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${SESSION_COOKIE}=`))!.split(';')[0];
    expect((await me(fresh)).body.email).toBe(other.user.email);
    expect((await me(holder.cookie)).status).toBe(401);
  });

  it('a logout with a session that has ended: cookies cleared, to the login page (it said 401 "Please log in.")', async () => {
    const s = await loginAs(h.app);
    await h.get(SessionsService).revoke(s.cookie.split(';')[0].split('=')[1]); // expired, or ended elsewhere
    audit.clear();
    const res = await request(server()).post('/logout').set(s.headers).set('Accept', 'text/html').type('form').send({ _csrf: s.csrfToken });
    expect([res.status, res.headers.location]).toEqual([303, '/login']);
    const lines = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    expect(lines.some((l) => l.startsWith(`${SESSION_COOKIE}=;`))).toBe(true);
    // no one was logged out by this request: no audit line says so
    expect(audit.events('logout')).toEqual([]);
  });

  it('a logout with no session at all, even without a CSRF token: to the login page, nothing else', async () => {
    const res = await request(server()).post('/logout').set('Accept', 'text/html').type('form').send({});
    expect([res.status, res.headers.location]).toEqual([303, '/login']);
  });

  it('a live session\'s logout still needs its CSRF token (a forged cross-site logout is refused)', async () => {
    const s = await loginAs(h.app);
    expect((await request(server()).post('/logout').set('Cookie', s.cookie).type('form').send({})).status).toBe(403);
    expect((await request(server()).post('/logout').set('Cookie', s.cookie).type('form').send({ _csrf: 'forged' })).status).toBe(403);
    expect((await me(s.cookie)).status).toBe(200);
    expect((await request(server()).post('/logout').set('Cookie', s.cookie).type('form').send({ _csrf: s.csrfToken })).status).toBe(303);
    expect((await me(s.cookie)).status).toBe(401);
  });
});
