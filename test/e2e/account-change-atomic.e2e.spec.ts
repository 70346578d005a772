/**
 * A password change, an admin's "New password" and disabling are two writes: the User row, then
 * the end of the account's sessions and tokens. When the database refused the second (a lock held
 * past DB_LOCK_WAIT_MS, a full disk, the SQLite file moved, a PostgreSQL connection lost between
 * them) the first stayed: the answer was 503 "not accepting changes", yet the password WAS changed
 * (the old one refused from then on) while every other session and token of the account lived on
 * — the one thing a password change is for — and a disabled account's sessions came back to life
 * when it was enabled again. Now the two are one transaction: both or neither.
 *
 * The refusal is injected into SessionRepository.deleteByUser (the second write) as the write guard
 * would raise it; everything else is the real app and database.
 */
import request from 'supertest';
import { UsersService } from '../../src/accounts/users.service';
import { DatabaseFileMovedError } from '../../src/common/errors';
import { SessionRepository } from '../../src/repositories/session.repository';
import { loginAs, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';

describe('an account change whose end of sessions the database refuses changes nothing', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0' }, sessions: { admin: { role: 'admin' } } });
  const { admin } = h.sessions;
  afterEach(() => jest.restoreAllMocks());

  const server = () => h.server;
  /** The next end of a user's sessions is refused, as the database would refuse it. */
  const refuseNextSessionEnd = () =>
    jest.spyOn(h.get(SessionRepository), 'deleteByUser').mockRejectedValueOnce(new DatabaseFileMovedError('injected: the database refused the write'));
  const passwordWorks = async (s: TestSession, password: string) => (await h.get(UsersService).checkCredentials(s.user.email, password)).ok;
  const me = (s: TestSession) => request(server()).get('/api/v1/auth/me').set(s.bearer);

  it('own password change (API): 503, and the old password still holds, the new one not', async () => {
    const user = await loginAs(h.app);
    refuseNextSessionEnd();
    const res = await request(server()).post('/api/v1/auth/password').set(user.bearer).send({ current: user.password, password: 'A-brand-new-passphrase-9' });
    expect([res.status, res.body.code]).toEqual([503, 'DATABASE_UNAVAILABLE']);
    expect({ old: await passwordWorks(user, user.password), fresh: await passwordWorks(user, 'A-brand-new-passphrase-9') }).toEqual({ old: true, fresh: false });
    // and once the database takes writes again, the change goes through and ends the other sessions
    const again = await request(server()).post('/api/v1/auth/password').set(user.bearer).send({ current: user.password, password: 'A-brand-new-passphrase-9' });
    expect(again.status).toBe(200);
    expect((await request(server()).get('/api/v1/auth/me').set('Cookie', user.cookie)).status).toBe(401);
  });

  it('own password change (the /account form): 503, the old password still holds', async () => {
    const user = await loginAs(h.app);
    refuseNextSessionEnd();
    const res = await request(server())
      .post('/account/password')
      .set(user.headers)
      .set('Accept', 'text/html')
      .type('form')
      .send({ _csrf: user.csrfToken, current: user.password, password: 'Another-new-passphrase-8', confirm: 'Another-new-passphrase-8' });
    expect(res.status).toBe(503);
    expect({ old: await passwordWorks(user, user.password), fresh: await passwordWorks(user, 'Another-new-passphrase-8') }).toEqual({ old: true, fresh: false });
  });

  it('an admin\'s "New password": 503, the user\'s password unchanged and not marked to be changed', async () => {
    const user = await loginAs(h.app);
    refuseNextSessionEnd();
    const res = await request(server()).post(`/admin/users/${user.user.id}/password`).set(admin.headers).set('Accept', 'text/html').type('form').send({ _csrf: admin.csrfToken, confirmed: 'yes' });
    expect(res.status).toBe(503);
    expect(await passwordWorks(user, user.password)).toBe(true);
    expect((await h.get(UsersService).findById(user.user.id))?.mustChangePassword).toBe(false);
  });

  it('disabling: 503, and the account is not disabled (its sessions are not left to revive when it is enabled again)', async () => {
    const user = await loginAs(h.app);
    refuseNextSessionEnd();
    const res = await request(server()).patch(`/api/v1/users/${user.user.id}`).set(admin.bearer).send({ disabled: true });
    expect([res.status, res.body.code]).toEqual([503, 'DATABASE_UNAVAILABLE']);
    expect((await h.get(UsersService).findById(user.user.id))?.disabled).toBe(false);
    expect((await me(user)).status).toBe(200);
    // retried once the database takes writes: disabled, its sessions gone for good
    expect((await request(server()).patch(`/api/v1/users/${user.user.id}`).set(admin.bearer).send({ disabled: true })).status).toBe(200);
    expect((await request(server()).patch(`/api/v1/users/${user.user.id}`).set(admin.bearer).send({ disabled: false })).status).toBe(200);
    expect((await me(user)).status).toBe(401);
  });
});
