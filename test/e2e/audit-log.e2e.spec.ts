import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import request from 'supertest';
import { useApp } from '../support/use-app';
import { AuditRecord, auditedApp, CapturingAuditSink } from '../helpers/capturing-audit-sink';
import { anonymousCsrf, createUser, loginAs, loginViaForm } from '../helpers/auth';

/**
 * The audit log (src/audit) as an operator reads it: one JSON line per security event, written
 * through the sink createApp is given, naming who, from where and what — never a password, token,
 * cookie or CSRF token — while every answer to the client stays as it was.
 */
const CLIENT_IP = '198.51.100.7';
/** Control characters as written to the log: none may reach it raw (a forged line, terminal codes). */
const UNSAFE_RAW = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
type Server = Parameters<typeof request>[0];

function expectNoneContain(sink: CapturingAuditSink, secrets: string[]): void {
  for (const { line } of sink.lines) {
    expect(line).not.toMatch(UNSAFE_RAW);
    for (const s of secrets) expect([s, line.includes(s)]).toEqual([s, false]);
  }
}

describe('audit log (ACCESS_LOG unset)', () => {
  const sink = new CapturingAuditSink();
  const h = useApp({ ...auditedApp(sink), sessions: { admin: { role: 'admin' } } });
  const { admin } = h.sessions;
  beforeEach(() => sink.clear());

  it('a failed login by form: exactly one event naming the attempted account, the reason and the client IP, and no password; the page says what it said before', async () => {
    const { user } = await createUser(h.app);
    const wrong = 'Wrong-Passphrase-7731';
    const { cookie, csrfToken } = await anonymousCsrf(h.app);
    sink.clear(); // the GET of /login is no event
    const res = await request(h.server).post('/login').set('Cookie', cookie).set('Accept', 'text/html').set('X-Forwarded-For', CLIENT_IP).type('form').send({ _csrf: csrfToken, email: user.email, password: wrong, next: '/' });
    expect(res.status).toBe(401);
    expect(res.text).toContain('The email or password is incorrect, or the account is disabled.');
    expect(sink.events()).toEqual([
      { time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), event: 'login.failure', reason: 'wrong_password', via: 'session', userId: user.id, username: user.email, ip: CLIENT_IP, method: 'POST', path: '/login', requestId: res.headers['x-request-id'] },
    ]);
    expect(sink.lines[0].level).toBe('warn');
    expectNoneContain(sink, [wrong, csrfToken, cookie.split('=')[1].split(';')[0]]);
  });

  it('an unknown account and a disabled one are told apart in the log only: the client gets the same 401 for both', async () => {
    const unknown = await request(h.server).post('/api/v1/auth/token').set('X-Forwarded-For', CLIENT_IP).send({ email: 'nobody@example.test', password: 'whatever-it-is' });
    const { user, password } = await createUser(h.app);
    await request(h.server).patch(`/api/v1/users/${user.id}`).set(admin.bearer).send({ disabled: true }).expect(200);
    sink.clear();
    const disabled = await request(h.server).post('/api/v1/auth/token').set('X-Forwarded-For', CLIENT_IP).send({ email: user.email, password });
    expect([unknown.status, disabled.status]).toEqual([401, 401]);
    expect(disabled.body).toEqual(unknown.body);
    expect(sink.events()).toEqual([expect.objectContaining({ event: 'login.failure', reason: 'account_disabled', via: 'token', userId: user.id, username: user.email })]);
    expectNoneContain(sink, [password]);
  });

  it('a log-injection attempt (a newline, a forged JSON event, ANSI codes in the username) is written escaped, on one line, as typed', async () => {
    const forged = 'evil@example.test\n{"time":"2026-01-01T00:00:00.000Z","event":"login.success","username":"admin@localhost"}\r\u001b[1A\u001b[2K\u001b[32mOK';
    const res = await request(h.server).post('/api/v1/auth/token').set('X-Forwarded-For', CLIENT_IP).send({ email: forged, password: 'some-password-1' });
    expect(res.status).toBe(401);
    expect(sink.lines).toHaveLength(1);
    expect(sink.lines[0].line).not.toMatch(UNSAFE_RAW);
    expect(sink.events()).toEqual([expect.objectContaining({ event: 'login.failure', reason: 'unknown_user', via: 'token', username: forged })]);
    expect(sink.events('login.success')).toEqual([]);
  });

  it('login, password change, token revocation and logout: one event each, with the user, never the secrets', async () => {
    const { user, password } = await createUser(h.app);
    const login = await loginViaForm(h.app, user.email, password, CLIENT_IP);
    expect(login.status).toBe(303);
    const sessionCookie = ([] as string[]).concat(login.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]);
    expect(sink.events()).toEqual([expect.objectContaining({ event: 'login.success', via: 'session', userId: user.id, username: user.email, ip: CLIENT_IP })]);

    sink.clear();
    const token = (await request(h.server).post('/api/v1/auth/token').send({ email: user.email, password }).expect(200)).body as { token: string };
    const bearer = { Authorization: `Bearer ${token.token}` };
    await request(h.server).post('/api/v1/auth/password').set(bearer).send({ current: 'not-the-current-one', password: 'A new passphrase 2' }).expect(400);
    const changed = (await request(h.server).post('/api/v1/auth/password').set(bearer).send({ current: password, password: 'A new passphrase 2' }).expect(200)).body as { token: string };
    await request(h.server).delete('/api/v1/auth/token').set({ Authorization: `Bearer ${changed.token}` }).expect(204);
    expect(sink.events().map((e) => [e.event, e.reason ?? e.via ?? null, e.userId])).toEqual([
      ['login.success', 'token', user.id],
      ['password.change.failure', 'wrong_password', user.id],
      ['password.change', 'token', user.id],
      ['token.revoke', 'token', user.id],
    ]);

    const session = await loginAs(h.app);
    sink.clear();
    await request(h.server).post('/logout').set(session.headers).expect(303);
    expect(sink.events()).toEqual([expect.objectContaining({ event: 'logout', userId: session.user.id, username: session.user.email })]);
    expectNoneContain(sink, [password, 'A new passphrase 2', 'not-the-current-one', token.token, changed.token, session.token, session.csrfToken, ...sessionCookie.map((c) => c.split('=')[1])]);
  });

  it('an admin action: one event naming the admin and the account acted on, never the password set', async () => {
    const chosen = 'Chosen-By-Admin-4411';
    const created = (await request(h.server).post('/api/v1/users').set(admin.bearer).set('X-Forwarded-For', CLIENT_IP).send({ email: 'new-one@example.test', password: chosen }).expect(201)).body as { id: string };
    expect(sink.events()).toEqual([
      expect.objectContaining({ event: 'admin.user.create', userId: admin.user.id, username: admin.user.email, targetUserId: created.id, targetUsername: 'new-one@example.test', role: 'user', ip: CLIENT_IP, method: 'POST', path: '/api/v1/users' }),
    ]);
    expect(sink.lines[0].level).toBe('log');

    sink.clear();
    await request(h.server).patch(`/api/v1/users/${created.id}`).set(admin.bearer).send({ role: 'admin' }).expect(200);
    await request(h.server).post(`/admin/users/${created.id}`).set(admin.headers).type('form').send({ role: 'user', disabled: 'true', confirmed: 'yes' }).expect(303);
    const reset = await request(h.server).post(`/admin/users/${created.id}/password`).set(admin.headers).type('form').send({ confirmed: 'yes' }).expect(200);
    const shown = /<code id="new-password">([^<]+)<\/code>/.exec(reset.text)?.[1];
    expect(shown).toBeTruthy();
    // an update says the account's role and state after it
    expect(sink.events().map((e) => [e.event, e.targetUserId, e.targetUsername, e.role ?? null, e.disabled ?? null])).toEqual([
      ['admin.user.update', created.id, 'new-one@example.test', 'admin', false],
      ['admin.user.update', created.id, 'new-one@example.test', 'user', true],
      ['admin.user.password_reset', created.id, 'new-one@example.test', null, null],
    ]);
    expect(sink.events().every((e: AuditRecord) => e.userId === admin.user.id)).toBe(true);
    expectNoneContain(sink, [chosen, String(shown), admin.token, admin.csrfToken]);
  });

  it("the AccessGuard's 403s: a role refusal and a CSRF failure, each one event", async () => {
    const alice = await loginAs(h.app);
    await request(h.server).get('/api/v1/users').set(alice.bearer).set('X-Forwarded-For', CLIENT_IP).expect(403);
    await request(h.server).post('/logout').set('Cookie', alice.cookie).set('X-CSRF-Token', 'forged-token-value').expect(403);
    expect(sink.events()).toEqual([
      expect.objectContaining({ event: 'access.denied', reason: 'role', userId: alice.user.id, ip: CLIENT_IP, method: 'GET', path: '/api/v1/users' }),
      expect.objectContaining({ event: 'csrf.failure', userId: alice.user.id, method: 'POST', path: '/logout' }),
    ]);
    expectNoneContain(sink, ['forged-token-value', alice.token, alice.csrfToken]);
  });

  it('no access log: requests that are no security event write nothing', async () => {
    const alice = await loginAs(h.app);
    await request(h.server).get('/healthz').expect(200);
    await request(h.server).get('/api/v1/auth/me').set(alice.bearer).expect(200);
    expect(sink.lines).toEqual([]);
  });
});

describe('audit log with ACCESS_LOG=true', () => {
  const sink = new CapturingAuditSink();
  const h = useApp({ ...auditedApp(sink, { ACCESS_LOG: 'true', RATE_LIMIT_LOGIN_PER_ACCOUNT: '2' }) });
  beforeEach(() => sink.clear());

  it('one line per request: method, path without its query, status, duration, bytes and the user', async () => {
    await request(h.server).get('/healthz?token=SECRET-IN-QUERY').set('X-Forwarded-For', CLIENT_IP).expect(200);
    const alice = await loginAs(h.app);
    const me = await request(h.server).get('/api/v1/auth/me').set(alice.bearer).expect(200);
    await request(h.server).get('/no/such/page').set('Accept', 'application/json').expect(404);
    const lines = sink.events('http.request');
    expect(lines).toEqual([
      { time: expect.any(String), event: 'http.request', ip: CLIENT_IP, method: 'GET', path: '/healthz', requestId: expect.any(String), status: 200, durationMs: expect.any(Number), bytes: expect.any(Number) },
      expect.objectContaining({ method: 'GET', path: '/api/v1/auth/me', status: 200, userId: alice.user.id, bytes: Buffer.byteLength(me.text) }),
      expect.objectContaining({ method: 'GET', path: '/no/such/page', status: 404 }),
    ]);
    expect(lines.every((l) => typeof l.durationMs === 'number' && l.durationMs >= 0)).toBe(true);
    expect(sink.lines.filter((l) => l.line.includes('SECRET-IN-QUERY'))).toEqual([]);
    expectNoneContain(sink, [alice.token]);
  });

  it('a client that hangs up mid-upload: aborted, and no status — nothing was answered (the line said status 200)', async () => {
    const alice = await loginAs(h.app);
    const listening = h.app.getHttpServer() as import('node:http').Server;
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    sink.clear();
    try {
      const { port } = listening.address() as AddressInfo;
      const arrived = new Promise((resolve) => listening.once('request', resolve));
      const socket = net.connect(port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      const head = [
        'POST /api/v1/analyses HTTP/1.1', 'Host: localhost', `Authorization: ${alice.bearer.Authorization}`, 'X-Request-Id: hung-up-upload',
        'Content-Type: multipart/form-data; boundary=zz', 'Content-Length: 100000', '', '',
      ].join('\r\n');
      socket.write(head + '--zz\r\nContent-Disposition: form-data; name="image"; filename="x.png"\r\nContent-Type: image/png\r\n\r\n' + 'x'.repeat(1000));
      await arrived; // the server has read the request's head: the client hangs up mid-body
      socket.destroy();
      while (!sink.events('http.request').length) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await new Promise<void>((resolve) => listening.close(() => resolve()));
    }
    const [line] = sink.events('http.request');
    expect(line).toEqual({ time: expect.any(String), event: 'http.request', ip: expect.any(String), method: 'POST', path: '/api/v1/analyses', requestId: 'hung-up-upload', durationMs: expect.any(Number), userId: alice.user.id, aborted: true });
  });

  it('a login refused by the per-account limit is a login failure too (reason rate_limited, the limit named)', async () => {
    const { user, password } = await createUser(h.app);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await request(h.server).post('/api/v1/auth/token').send({ email: user.email, password: `wrong-${i}-password` })).status);
    expect(statuses).toEqual([401, 401, 429]);
    expect(sink.events('login.failure').map((e) => [e.reason, e.limit ?? null, e.username])).toEqual([
      ['wrong_password', null, user.email],
      ['wrong_password', null, user.email],
      ['rate_limited', 'login-account', user.email],
    ]);
    expect(sink.events('http.request').map((e) => e.status)).toEqual([401, 401, 429]);
    expectNoneContain(sink, [password, 'wrong-0-password', 'wrong-2-password']);
  });
});
