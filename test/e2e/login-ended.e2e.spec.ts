import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { SessionsService } from '../../src/accounts/sessions.service';
import { loginAs } from '../helpers/auth';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';

/**
 * A browser whose login ended (it expired, the user logged out in another window, an admin reset
 * the password or disabled the account) was sent to a plain login form, with nothing to say why it
 * was asked to log in again. The redirect now carries `ended=1` and the page says so; a first
 * visit without a login still gets the plain form.
 */
describe('the login page after a login has ended', () => {
  let app: NestExpressApplication;
  beforeAll(async () => {
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR }));
  });
  afterAll(async () => app?.close());

  const ENDED = 'Your login has ended';

  it('a page asked for with an ended session: redirected with ended=1, and the login page says why', async () => {
    const user = await loginAs(app);
    const web = user.cookie.split(';')[0].split('=')[1];
    await app.get(SessionsService).revoke(web); // logged out elsewhere, expired, or ended by an admin
    const res = await request(app.getHttpServer()).get('/history').set({ Cookie: user.cookie, Accept: 'text/html' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/login?next=%2Fhistory&ended=1');
    const page = await request(app.getHttpServer()).get(res.headers.location).set('Accept', 'text/html').expect(200);
    expect(page.text).toContain(`${ENDED}: it expired, you logged out in another window, or an administrator changed your password or access.`);
    expect(page.text).toContain('name="next" value="/history"');
  });

  it('a first visit without a login: the plain form, no such notice; an odd ended value is ignored, not refused', async () => {
    const res = await request(app.getHttpServer()).get('/history').set('Accept', 'text/html');
    expect(res.headers.location).toBe('/login?next=%2Fhistory');
    const page = await request(app.getHttpServer()).get(res.headers.location).set('Accept', 'text/html').expect(200);
    expect(page.text).not.toContain(ENDED);
    const odd = await request(app.getHttpServer()).get('/login?ended=yes').set('Accept', 'text/html').expect(200);
    expect(odd.text).not.toContain(ENDED);
  });
});
