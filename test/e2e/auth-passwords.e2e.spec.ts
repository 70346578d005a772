import request from 'supertest';
import { PrismaService } from '../../src/prisma/prisma.service';
import { UsersService } from '../../src/accounts/users.service';
import { createUser, loginAs, sessionFor } from '../helpers/auth';
import { startApp, testConfig } from '../support/app';
import { useApp } from '../support/use-app';

/**
 * Password changes (your own, an admin's reset) and admin role changes, on apps of their own: they
 * end sessions and demote admins, which the shared app of auth.e2e.spec.ts must not see.
 */
/** Nothing here is analysed: no inference workers to start (two cost seconds of CPU at each boot). */
const NO_ANALYSES = { INFERENCE_WORKERS: '0' };

describe('passwords: change your own, admin reset', () => {
  // one app for both: each test changes only the passwords and sessions of users of its own
  const h = useApp({ env: NO_ANALYSES });
  it('a user changes their password (current one checked); other sessions and tokens end, this one stays', async () => {
    const { user, password } = await createUser(h.app);
    const here = await sessionFor(h.app, user);
    const elsewhere = await sessionFor(h.app, user);
    await request(h.server).get('/account').set(here.headers).set('Accept', 'text/html').expect(200);
    const post = (body: Record<string, string>) =>
      request(h.server).post('/account/password').set('Cookie', here.cookie).set('Accept', 'text/html').type('form').send({ _csrf: here.csrfToken, ...body });
    await request(h.server).post('/account/password').set('Cookie', here.cookie).type('form').send({ current: password, password: 'brand new pw 1', confirm: 'brand new pw 1' }).expect(403);
    expect((await post({ current: 'not it at all', password: 'brand new pw 1', confirm: 'brand new pw 1' })).status).toBe(400);
    expect((await post({ current: password, password: 'brand new pw 1', confirm: 'different pw 1' })).text).toContain('differ');
    expect((await post({ current: password, password: 'short', confirm: 'short' })).text).toContain('at least 10');
    const ok = await post({ current: password, password: 'brand new pw 1', confirm: 'brand new pw 1' }).expect(303);
    const fresh = ([] as string[]).concat(ok.headers['set-cookie'] ?? []).find((c) => c.startsWith('sentinel_session='))!.split(';')[0];
    await request(h.server).get('/api/v1/auth/me').set(elsewhere.bearer).expect(401);
    await request(h.server).get('/api/v1/auth/me').set('Cookie', elsewhere.cookie).expect(401);
    await request(h.server).get('/api/v1/auth/me').set('Cookie', fresh).expect(200);
    await request(h.server).post('/api/v1/auth/token').send({ email: user.email, password }).expect(401);
    await request(h.server).post('/api/v1/auth/token').send({ email: user.email, password: 'brand new pw 1' }).expect(200);
  });

  it('an admin sets a new random password, shown once; the old one and its sessions stop working', async () => {
    const admin = await loginAs(h.app, { role: 'admin' });
    const victim = await loginAs(h.app);
    await request(h.server).post(`/admin/users/${victim.user.id}/password`).set(victim.headers).type('form').send({ _csrf: victim.csrfToken }).expect(403);
    const res = await request(h.server).post(`/admin/users/${victim.user.id}/password`).set(admin.headers).type('form').send({ _csrf: admin.csrfToken, confirmed: 'yes' }).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const pw = /id="new-password">([^<]+)</.exec(res.text)![1];
    await request(h.server).get('/api/v1/auth/me').set(victim.bearer).expect(401);
    await request(h.server).post('/api/v1/auth/token').send({ email: victim.user.email, password: victim.password }).expect(401);
    await request(h.server).post('/api/v1/auth/token').send({ email: victim.user.email, password: pw }).expect(200);
  });
});

describe('the last active admin (concurrent changes)', () => {
  it('two admins demoting each other at the same moment leave one admin, whatever the interleaving', async () => {
    const app = await startApp(testConfig(NO_ANALYSES));
    try {
      const users = app.get(UsersService);
      const prisma = app.get(PrismaService);
      await prisma.user.updateMany({ where: { role: 'admin' }, data: { role: 'user' } }); // only the two below
      for (let round = 0; round < 5; round++) {
        const a = (await createUser(app, { role: 'admin' })).user;
        const b = (await createUser(app, { role: 'admin' })).user;
        const outcomes = await Promise.allSettled([users.update(a.id, b.id, { role: 'user' }), users.update(b.id, a.id, { disabled: true })]);
        // at most one change goes through; then exactly one admin is left, else both are
        const done = outcomes.filter((o) => o.status === 'fulfilled').length;
        expect(done).toBeLessThanOrEqual(1);
        expect(await prisma.user.count({ where: { role: 'admin', disabled: false } })).toBe(done === 1 ? 1 : 2);
        await prisma.user.updateMany({ where: { id: { in: [a.id, b.id] } }, data: { role: 'user', disabled: true } });
      }
    } finally {
      await app.close();
    }
  });
});
