import request from 'supertest';
import { createUser, loginAs, loginViaForm } from '../helpers/auth';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';

/**
 * A rate-limited page said one wait twice, by two rules: the message rounded it up to whole minutes
 * ("Please wait 15 minutes", "Please wait 75 seconds") while the countdown under it (login.hbs,
 * error.hbs and wait.js, by src/presentation/wait-words.ts) said "15 min", "14 min 59 s", "1 min 15 s".
 * The message now words the wait by the countdown's rule, so the two read alike when the page is sent.
 */
const WRONG = 'not the password';
let ipNo = 1;
const freshIp = () => `198.51.100.${ipNo++}`;

/** The wait in the message ("Please wait X and try again") and in the countdown ("You can try again in X."). */
function waits(html: string): { message: string; countdown: string } {
  const text = html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
  const message = /[Pp]lease wait (.+?) (?:and try again|before the next one)\./.exec(text)?.[1] ?? '(none)';
  const countdown = /You can try again in (.+?)\./.exec(text)?.[1] ?? '(none)';
  return { message, countdown };
}

describe('a rate-limited page says its wait in one wording', () => {
  // 75 s: a wait over a minute that is not a whole number of minutes
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, TRUST_PROXY: 'true', RATE_LIMIT_LOGIN_PER_ACCOUNT: '1', RATE_LIMIT_LOGIN_WINDOW_SECONDS: '75', RATE_LIMIT_REQUESTS_PER_MINUTE: '3' } });

  it('a locked login: the message and the countdown name the same wait, in the countdown\'s units', async () => {
    const { user } = await createUser(h.app);
    expect((await loginViaForm(h.app, user.email, WRONG, freshIp())).status).toBe(401);
    const page = await loginViaForm(h.app, user.email, WRONG, freshIp());
    expect(page.status).toBe(429);
    const seconds = Number(page.headers['retry-after']);
    expect(seconds).toBeGreaterThan(60);
    const { message, countdown } = waits(page.text);
    expect(message).toBe(countdown);
    expect(countdown).toMatch(/^1 min( \d{1,2} s)?$/);
  });

  it('the API answer words it the same way', async () => {
    const { user } = await createUser(h.app);
    const token = () => request(h.server).post('/api/v1/auth/token').set('X-Forwarded-For', freshIp()).send({ email: user.email, password: WRONG });
    expect((await token()).status).toBe(401);
    const refused = await token();
    expect(refused.status).toBe(429);
    expect(refused.body.message).toMatch(/Please wait 1 min( \d{1,2} s)? and try again\.$/);
  });

  it('the per-IP request limit\'s error page: the heading and the countdown name the same wait', async () => {
    const alice = await loginAs(h.app);
    const ip = '203.0.113.9';
    let page: request.Response | undefined;
    for (let i = 0; i < 5 && page?.status !== 429; i++) page = await request(h.server).get('/history').set(alice.headers).set('Accept', 'text/html').set('X-Forwarded-For', ip);
    expect(page?.status).toBe(429);
    const { message, countdown } = waits(page!.text);
    expect(message).toBe(countdown);
  });
});
