import request from 'supertest';
import { PrismaService } from '../../src/prisma/prisma.service';
import { SessionsService } from '../../src/accounts/sessions.service';
import { UsersService } from '../../src/accounts/users.service';
import { loginAs, loginViaForm } from '../helpers/auth';
import { useApp } from '../support/use-app';

/**
 * A login checks the password, then stores its session: a password change or an admin's reset
 * landing between the two ended every session it found — not yet this one — and the login then
 * stored a session of the old password that outlived the change (6 of 40 old-password logins
 * racing a change over HTTP kept a working token on the built server). A password change is
 * meant to lock out whoever knew the old one; now the session is stored first and the password
 * checked again after it, so one of the two always sees the other.
 *
 * The interleaving is forced, not timed: the login's session store waits until the change is done.
 */
describe('a login racing a password change or reset', () => {
  // one app and one admin for the file: each test races over a user of its own; nothing is
  // analysed, so no inference workers to start (two cost seconds of CPU at boot)
  const h = useApp({ env: { INFERENCE_WORKERS: '0' }, sessions: { admin: { role: 'admin' } } });
  const { admin } = h.sessions;
  /** Holds the next SessionsService.create until `release`; `reached` once the login got there. */
  function holdNextSessionStore(sessions: SessionsService) {
    let release!: () => void;
    let reached!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const arrived = new Promise<void>((r) => (reached = r));
    const original = sessions.create.bind(sessions);
    const spy = jest.spyOn(sessions, 'create').mockImplementationOnce(async (...args) => {
      reached();
      await released;
      return original(...args);
    });
    return { arrived, release, restore: () => spy.mockRestore() };
  }

  /**
   * `first` (a login or a password change) started and held just before it stores its session;
   * `meanwhile` run to the end there; then `first` let go and its answer returned.
   */
  async function raced<T>(sessions: SessionsService, first: () => Promise<T>, meanwhile: () => Promise<unknown>): Promise<T> {
    const hold = holdNextSessionStore(sessions);
    const pending = first();
    await hold.arrived;
    hold.restore();
    await meanwhile();
    hold.release();
    return pending;
  }

  it('token login with the old password, the user changes it meanwhile: 401, and no token of the old password works', async () => {
    const victim = await loginAs(h.app);
    let change!: request.Response;
    // held once the old password was accepted, before its session is stored
    const res = await raced(
      h.app.get(SessionsService),
      () => request(h.server).post('/api/v1/auth/token').send({ email: victim.user.email, password: victim.password }).then((r) => r),
      async () => (change = await request(h.server).post('/api/v1/auth/password').set(victim.bearer).send({ current: victim.password, password: 'the owner chose this 1' })),
    );
    expect(change.status).toBe(200);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHORIZED');
    expect(res.body.token).toBeUndefined();
    // the owner's new token is the only one left
    await request(h.server).get('/api/v1/auth/me').set({ Authorization: `Bearer ${change.body.token}` }).expect(200);
  });

  it('form login with the old password, an admin resets it meanwhile: no session cookie of the old password', async () => {
    const victim = await loginAs(h.app);
    const res = await raced(
      h.app.get(SessionsService),
      () => loginViaForm(h.app, victim.user.email, victim.password),
      () => request(h.server).post(`/admin/users/${victim.user.id}/password`).set(admin.headers).type('form').send({ _csrf: admin.csrfToken, confirmed: 'yes' }).expect(200),
    );
    expect(res.status).toBe(401);
    const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    expect(cookies.find((c) => c.startsWith('sentinel_session='))).toBeUndefined();
    expect(await h.app.get(UsersService).findById(victim.user.id)).toMatchObject({ mustChangePassword: true });
  });

  it('token login racing an admin disabling the account: 401, and re-enabling it brings back no session of that login', async () => {
    const victim = await loginAs(h.app);
    const res = await raced(
      h.app.get(SessionsService),
      () => request(h.server).post('/api/v1/auth/token').send({ email: victim.user.email, password: victim.password }).then((r) => r),
      () => request(h.server).patch(`/api/v1/users/${victim.user.id}`).set(admin.bearer).send({ disabled: true }).expect(200),
    );
    expect(res.status).toBe(401);
    await request(h.server).patch(`/api/v1/users/${victim.user.id}`).set(admin.bearer).send({ disabled: false }).expect(200);
    // the session the login stored while the account was being disabled was dormant, not gone:
    // re-enabling the account would have brought it back
    expect(await h.app.get(PrismaService).session.count({ where: { userId: victim.user.id } })).toBe(0);
  });

  it("a user's password change, an admin resets it before the change's new session is stored: that session is not kept either", async () => {
    const victim = await loginAs(h.app);
    // held once the change is written and the other sessions ended, before its own is stored
    const res = await raced(
      h.app.get(SessionsService),
      () => request(h.server).post('/api/v1/auth/password').set(victim.bearer).send({ current: victim.password, password: 'the owner chose this 2' }).then((r) => r),
      () => request(h.server).post(`/admin/users/${victim.user.id}/password`).set(admin.headers).type('form').send({ _csrf: admin.csrfToken, confirmed: 'yes' }).expect(200),
    );
    expect(res.status).toBe(401);
    expect(res.body.token).toBeUndefined();
    // nothing of the user's is left signed in: the admin's reset ended it all
    await request(h.server).get('/api/v1/auth/me').set(victim.bearer).expect(401);
  });

  it('without a race, logins and changes work as before', async () => {
    const u = await loginAs(h.app);
    const t = await request(h.server).post('/api/v1/auth/token').send({ email: u.user.email, password: u.password }).expect(200);
    const c = await request(h.server).post('/api/v1/auth/password').set({ Authorization: `Bearer ${t.body.token}` }).send({ current: u.password, password: 'plain new password 3' }).expect(200);
    await request(h.server).get('/api/v1/auth/me').set({ Authorization: `Bearer ${c.body.token}` }).expect(200);
    expect((await loginViaForm(h.app, u.user.email, 'plain new password 3')).status).toBe(303);
  });
});
