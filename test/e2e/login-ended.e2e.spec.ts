import request from 'supertest';
import { SessionsService } from '../../src/accounts/sessions.service';
import { PrismaService } from '../../src/prisma/prisma.service';
import { createUser, loginAs, loginViaForm } from '../helpers/auth';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';

/**
 * A browser whose login ended (it expired, the user logged out in another window, an admin reset
 * the password or disabled the account) was sent to a plain login form, with nothing to say why it
 * was asked to log in again. The redirect now carries `ended=1` and the page says so; a first
 * visit without a login still gets the plain form.
 */
describe('the login page after a login has ended', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR } });

  const ENDED = 'Your login has ended';

  it('a page asked for with an ended session: redirected with ended=1, and the login page says why', async () => {
    const user = await loginAs(h.app);
    const web = user.cookie.split(';')[0].split('=')[1];
    await h.get(SessionsService).revoke(web); // logged out elsewhere, expired, or ended by an admin
    const res = await request(h.server).get('/history').set({ Cookie: user.cookie, Accept: 'text/html' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/login?next=%2Fhistory&ended=1');
    const page = await request(h.server).get(res.headers.location).set('Accept', 'text/html').expect(200);
    expect(page.text).toContain(`${ENDED}: it expired, you logged out in another window, or an administrator changed your password or access.`);
    expect(page.text).toContain('name="next" value="/history"');
  });

  it('a login that simply expired: the browser still sends its cookie then, so the page says the login ended and returns to next', async () => {
    const { user, password } = await createUser(h.app);
    const login = await loginViaForm(h.app, user.email, password);
    const setCookie = ([] as string[]).concat(login.headers['set-cookie'] ?? []).find((c) => c.startsWith('sentinel_session='))!;
    const maxAgeS = Number(/Max-Age=(\d+)/.exec(setCookie)?.[1]);
    const [row] = await h.get(PrismaService).session.findMany({ where: { userId: user.id, kind: 'web' } });
    // the browser keeps a cookie until Max-Age: it must still hold it once the login has expired,
    // else it sends nothing and the user gets a plain form, as on a first visit (Max-Age was the TTL)
    const cookieGoneAt = Date.now() + maxAgeS * 1000;
    expect(cookieGoneAt - row.expiresAt.getTime()).toBeGreaterThan(24 * 3_600_000);

    // the login's expiry comes (the row's time passes; the browser still holds the cookie)
    await h.get(PrismaService).session.update({ where: { id: row.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const cookie = setCookie.split(';')[0];
    const res = await request(h.server).get('/history?page=2').set({ Cookie: cookie, Accept: 'text/html' });
    expect([res.status, res.headers.location]).toEqual([302, '/login?next=%2Fhistory%3Fpage%3D2&ended=1']);
    // and the dead cookie is dropped there, so the notice is said once
    expect(([] as string[]).concat(res.headers['set-cookie'] ?? []).some((c) => /^sentinel_session=;.*Expires=Thu, 01 Jan 1970/.test(c))).toBe(true);
    const page = await request(h.server).get(res.headers.location).set('Accept', 'text/html').expect(200);
    expect(page.text).toContain(ENDED);
    expect(page.text).toContain('name="next" value="/history?page&#x3D;2"'); // Handlebars escapes the =
    expect(page.text).not.toContain(user.email);
  });

  it('/login opened straight with the cookie of an ended login says so too; a made-up cookie reads the same (no account is told apart)', async () => {
    const user = await loginAs(h.app);
    await h.get(PrismaService).session.updateMany({ where: { userId: user.user.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const direct = await request(h.server).get('/login').set({ Cookie: user.cookie, Accept: 'text/html' }).expect(200);
    const forged = await request(h.server).get('/login').set({ Cookie: 'sentinel_session=not-a-login', Accept: 'text/html' }).expect(200);
    expect(direct.text).toContain(ENDED);
    expect(forged.text).toContain(ENDED);
    expect(direct.text).not.toContain(user.user.email);
  });

  it('a first visit without a login: the plain form, no such notice; an odd ended value is ignored, not refused', async () => {
    const res = await request(h.server).get('/history').set('Accept', 'text/html');
    expect(res.headers.location).toBe('/login?next=%2Fhistory');
    const page = await request(h.server).get(res.headers.location).set('Accept', 'text/html').expect(200);
    expect(page.text).not.toContain(ENDED);
    const odd = await request(h.server).get('/login?ended=yes').set('Accept', 'text/html').expect(200);
    expect(odd.text).not.toContain(ENDED);
  });
});
