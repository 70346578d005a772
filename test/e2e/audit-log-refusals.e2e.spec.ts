import request from 'supertest';
import { useApp } from '../support/use-app';
import { auditedApp, bootAudited, CapturingAuditSink } from '../helpers/capturing-audit-sink';
import { createUser, loginAs } from '../helpers/auth';

/**
 * The refusals the audit log first missed: an admin change the rules refuse (the last admin, one's
 * own account), a 429 outside the login routes, the 405 answer's access refusals — and the one it
 * wrote too often: the pending password change, once per page a browser was sent away from.
 */
const CLIENT_IP = '198.51.100.23';
type Server = Parameters<typeof request>[0];

describe('audit log: refusals', () => {
  const sink = new CapturingAuditSink();
  const h = useApp({ ...auditedApp(sink), sessions: { admin: { role: 'admin' } } });
  const { admin } = h.sessions;
  beforeEach(() => sink.clear());

  it("an admin's refused change of their own account is written, API and page alike, and nothing else is", async () => {
    await createUser(h.app, { role: 'admin' }); // not the last admin: the self-refusals are what refuses
    sink.clear();
    await request(h.server).patch(`/api/v1/users/${admin.user.id}`).set(admin.bearer).set('X-Forwarded-For', CLIENT_IP).send({ disabled: true }).expect(403);
    await request(h.server).post(`/admin/users/${admin.user.id}`).set(admin.headers).type('form').send({ role: 'admin', disabled: 'true' }).expect(403);
    await request(h.server).post(`/admin/users/${admin.user.id}/password`).set(admin.headers).expect(403);
    // not refusals of the rules: an unknown account, a bad value
    await request(h.server).patch('/api/v1/users/00000000-0000-4000-8000-000000000000').set(admin.bearer).send({ disabled: true }).expect(404);
    await request(h.server).patch(`/api/v1/users/${admin.user.id}`).set(admin.bearer).send({ role: 'owner' }).expect(400);
    expect(sink.events().map((e) => [e.event, e.reason, e.targetUserId, e.disabled ?? null, e.ip === CLIENT_IP])).toEqual([
      ['admin.user.refused', 'self_disable', admin.user.id, true, true],
      ['admin.user.refused', 'self_disable', admin.user.id, true, false],
      ['admin.user.refused', 'own_password', admin.user.id, null, false],
    ]);
  });

  it('"New password" sent again from a stale form (409): admin.user.refused, reason stale_form, with the admin and the account; the first one\'s password_reset only', async () => {
    // the resend changed nothing and answered 409, but wrote no line: the log showed one reset and no refused second attempt
    const { user } = await createUser(h.app, { email: 'stale.reset.audit@example.test' });
    const action = `/admin/users/${user.id}/password`;
    const list = await request(h.server).get('/admin/users').set(admin.headers).set('Accept', 'text/html').expect(200);
    const key = new RegExp(`action="${action}"[^>]*>[\\s\\S]*?name="key" value="([^"]+)"`).exec(list.text)?.[1];
    expect(key).toBeDefined();
    sink.clear();
    await request(h.server).post(action).set(admin.headers).set('X-Forwarded-For', CLIENT_IP).type('form').send({ key, confirmed: 'yes' }).expect(200);
    await request(h.server).post(action).set(admin.headers).set('X-Forwarded-For', CLIENT_IP).type('form').send({ key, confirmed: 'yes' }).expect(409);
    expect(sink.events().map((e) => [e.event, e.reason ?? null, e.targetUserId, e.targetUsername])).toEqual([
      ['admin.user.password_reset', null, user.id, user.email],
      ['admin.user.refused', 'stale_form', user.id, user.email],
    ]);
    expect(sink.events('admin.user.refused')[0]).toMatchObject({ userId: admin.user.id, username: admin.user.email, method: 'POST', path: action });
    expect(sink.lines.filter((l) => l.line.includes('admin.user.refused')).map((l) => l.level)).toEqual(['warn']);
  });

  it('the last active admin demoting themself: admin.user.refused, reason last_admin, with the admin, the account and the change asked for', async () => {
    // the last active admin: every other admin disabled first, then the admin demotes themself
    const users = (await request(h.server).get('/api/v1/users').set(admin.bearer).expect(200)).body as { id: string; role: string; disabled: boolean }[];
    for (const u of users.filter((x) => x.role === 'admin' && !x.disabled && x.id !== admin.user.id)) {
      await request(h.server).patch(`/api/v1/users/${u.id}`).set(admin.bearer).send({ disabled: true }).expect(200);
    }
    sink.clear();
    await request(h.server).patch(`/api/v1/users/${admin.user.id}`).set(admin.bearer).send({ role: 'user' }).expect(403);

    const refused = sink.events('admin.user.refused');
    expect(refused.map((e) => [e.reason, e.method, e.path, e.role ?? null, e.disabled ?? null])).toEqual([['last_admin', 'PATCH', `/api/v1/users/${admin.user.id}`, 'user', null]]);
    expect(refused[0]).toMatchObject({ userId: admin.user.id, username: admin.user.email, targetUserId: admin.user.id, targetUsername: admin.user.email });
    expect(sink.lines.filter((l) => l.line.includes('admin.user.refused')).map((l) => l.level)).toEqual(['warn']);
  });

  it('a method a path does not take, on a path the caller may not use: access.denied as from the guard', async () => {
    const alice = await loginAs(h.app);
    const pending = await loginAs(h.app, { mustChangePassword: true });
    await request(h.server).put('/api/v1/users').set(alice.bearer).set('X-Forwarded-For', CLIENT_IP).expect(403);
    await request(h.server).put('/api/v1/users').set(pending.bearer).expect(403);
    // one the caller may use: a plain 405, no refusal
    await request(h.server).put('/api/v1/users').set(admin.bearer).expect(405);
    expect(sink.events().map((e) => [e.event, e.reason, e.userId, e.method, e.path])).toEqual([
      ['access.denied', 'role', alice.user.id, 'PUT', '/api/v1/users'],
      ['access.denied', 'password_change_required', pending.user.id, 'PUT', '/api/v1/users'],
    ]);
  });

  it('a user who must change their password: a page a browser is sent on to /account writes nothing; an API call or a form post is refused and written', async () => {
    const pending = await loginAs(h.app, { mustChangePassword: true });
    for (const page of ['/', '/history', '/admin/users', '/studies']) {
      const res = await request(h.server).get(page).set(pending.headers).set('Accept', 'text/html');
      expect([page, res.status, res.headers.location]).toEqual([page, 302, '/account']);
    }
    // the 405 answer's redirect too (a path only POST takes)
    const wrongMethod = await request(h.server).get(`/admin/users/${pending.user.id}/password`).set(pending.headers).set('Accept', 'text/html');
    expect([wrongMethod.status, wrongMethod.headers.location]).toEqual([302, '/account']);
    expect(sink.events('access.denied')).toEqual([]);

    await request(h.server).get('/api/v1/history').set(pending.bearer).expect(403);
    await request(h.server).post('/api/v1/users').set(pending.headers).send({}).expect(403);
    await request(h.server).get('/history').set(pending.headers).set('Accept', 'application/json').expect(403);
    expect(sink.events('access.denied').map((e) => [e.reason, e.userId, e.method, e.path])).toEqual([
      ['password_change_required', pending.user.id, 'GET', '/api/v1/history'],
      ['password_change_required', pending.user.id, 'POST', '/api/v1/users'],
      ['password_change_required', pending.user.id, 'GET', '/history'],
    ]);
  });

  it("a non-admin's history filter by another user (403) is written as access.denied, reason user_filter, on the API and the page alike", async () => {
    const alice = await loginAs(h.app);
    const other = 'someone.else@example.org';
    await request(h.server).get(`/api/v1/history?user=${other}`).set(alice.bearer).set('X-Forwarded-For', CLIENT_IP).expect(403);
    await request(h.server).get(`/api/v1/history/summary?user=${other}`).set(alice.bearer).expect(403);
    await request(h.server).get(`/history?user=${other}`).set(alice.headers).set('Accept', 'text/html').expect(403);
    // not refusals: their own email, an admin's filter by anyone
    await request(h.server).get(`/api/v1/history?user=${alice.user.email.toUpperCase()}`).set(alice.bearer).expect(200);
    await request(h.server).get(`/api/v1/history?user=${other}`).set(admin.bearer).expect(200);
    const denied = sink.events('access.denied');
    expect(denied.map((e) => [e.reason, e.userId, e.username, e.method, e.path, e.ip === CLIENT_IP])).toEqual([
      ['user_filter', alice.user.id, alice.user.email, 'GET', '/api/v1/history', true],
      ['user_filter', alice.user.id, alice.user.email, 'GET', '/api/v1/history/summary', false],
      ['user_filter', alice.user.id, alice.user.email, 'GET', '/history', false],
    ]);
    // the email asked for is not written: the path drops the query string, and no field holds it
    expect(sink.lines.some((l) => l.line.includes(other))).toBe(false);
    expect(sink.lines.filter((l) => l.line.includes('"access.denied"')).map((l) => l.level)).toEqual(['warn', 'warn', 'warn']);
  });

  it("the /api/docs login wall (Swagger's routes, which no guard sees) writes its 403 as the guard does; its redirect writes nothing", async () => {
    const pending = await loginAs(h.app, { mustChangePassword: true });
    expect((await request(h.server).get('/api/docs').set(pending.headers).set('Accept', 'text/html').expect(302)).headers.location).toBe('/account');
    expect(sink.events('access.denied')).toEqual([]);
    expect((await request(h.server).get('/api/docs-json').set(pending.bearer).set('X-Forwarded-For', CLIENT_IP).expect(403)).body.code).toBe('PASSWORD_CHANGE_REQUIRED');
    expect(sink.events('access.denied')).toEqual([
      expect.objectContaining({ reason: 'password_change_required', userId: pending.user.id, username: pending.user.email, ip: CLIENT_IP, method: 'GET', path: '/api/docs-json', requestId: expect.any(String) }),
    ]);
  });
});

describe('audit log: rate limits outside the login routes', () => {
  const sink = new CapturingAuditSink();
  const h = useApp({ ...auditedApp(sink, { RATE_LIMIT_REQUESTS_PER_MINUTE: '2' }) });

  // the user is not named: the per-IP limit refuses before the login lookup, so a refusal costs no database read
  it('a 429 of the per-IP limit: rate_limited naming the limit and the address, as a refusal', async () => {
    const alice = await loginAs(h.app);
    sink.clear();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await request(h.server).get('/api/v1/auth/me').set(alice.bearer).set('X-Forwarded-For', CLIENT_IP)).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect(sink.events()).toEqual([
      expect.objectContaining({ event: 'rate_limited', limit: 'ip', ip: CLIENT_IP, method: 'GET', path: '/api/v1/auth/me', requestId: expect.any(String) }),
    ]);
    expect(sink.events()[0].userId).toBeUndefined();
    expect(sink.lines[0].level).toBe('warn');
  });

  it('a flood of 200 refused requests: one rate_limited line, then one count of the other 199 (written here at shutdown; in service when the window ends)', async () => {
    const flood = new CapturingAuditSink();
    const on = await bootAudited(flood, { RATE_LIMIT_REQUESTS_PER_MINUTE: '2' });
    try {
      const bob = await loginAs(on);
      flood.clear();
      const ip = '198.51.100.77';
      const send = () => request(on.getHttpServer()).get('/api/v1/auth/me').set(bob.bearer).set('X-Forwarded-For', ip);
      const statuses: number[] = [];
      for (let i = 0; i < 2; i++) statuses.push((await send()).status);
      for (let batch = 0; batch < 10; batch++) statuses.push(...(await Promise.all(Array.from({ length: 20 }, send))).map((r) => r.status));
      expect(statuses.filter((s) => s === 429)).toHaveLength(200);
      expect(flood.events('rate_limited')).toEqual([
        expect.objectContaining({ limit: 'ip', ip, method: 'GET', path: '/api/v1/auth/me', requestId: expect.any(String) }),
      ]);
      expect(flood.events('rate_limited')[0].suppressed).toBeUndefined();
    } finally {
      await on.close();
    }
    const lines = flood.events('rate_limited');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toEqual({ time: expect.any(String), event: 'rate_limited', limit: 'ip', ip: '198.51.100.77', suppressed: 199 });
  });
});
