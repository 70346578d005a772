/**
 * Logging out landed on the bare login form: nothing said the logout had happened (on a shared
 * computer, the one thing the user wanted to know), while a login that ended by itself gets its
 * own notice. A logout that ended a session now goes to /login?ended=logout, whose page says
 * "You have logged out."; a logout with no live session still goes to plain /login
 * (session-turnover.e2e.spec.ts), since nothing was ended.
 */
import request from 'supertest';
import { loginAs } from '../helpers/auth';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';

describe('the login page after a logout says it happened', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0' } });
  const server = () => h.server;

  it('a live session\'s logout: to the login page with the notice', async () => {
    const s = await loginAs(h.app);
    const res = await request(server()).post('/logout').set(s.headers).set('Accept', 'text/html').type('form').send({ _csrf: s.csrfToken });
    expect([res.status, res.headers.location]).toEqual([303, '/login?ended=logout']);
    const page = await request(server()).get(res.headers.location).expect(200);
    expect(page.text).toContain('You have logged out.');
    // not the notice of a login that ended by itself
    expect(page.text).not.toContain('Your login has ended');
  });

  it('the plain login page says neither', async () => {
    const page = await request(server()).get('/login').expect(200);
    expect(page.text).not.toContain('You have logged out.');
    expect(page.text).not.toContain('Your login has ended');
  });
});
