/**
 * A locked account's login page: "Too many login attempts for this account. Please wait 15 minutes
 * and try again." above "You can try again in 900 s.", counting 899 s, 898 s… — the same wait in
 * two units, the seconds a figure to divide by 60. wait.js now words a wait of a minute or more in
 * minutes and seconds ("15 min", then "14 min 59 s"); a short wait still reads in seconds.
 */
import { HAVE_CHROMIUM, useSignedInPage } from './harness';

const ADMIN = { email: 'login-wait-admin@example.org', password: 'login-wait-password-1' };

(HAVE_CHROMIUM ? describe : describe.skip)('the login wait of a locked account', () => {
  const h = useSignedInPage({ admin: ADMIN, env: { RATE_LIMIT_LOGIN_PER_ACCOUNT: '2' }, signIn: false });

  it('says the 15-minute lock in minutes, as the message above it does, and counts down in minutes and seconds', async () => {
    await h.page.goto(`${h.base}/login`);
    let status = 0;
    for (let i = 0; i < 4 && status !== 429; i++) {
      await h.page.fill('input[name="email"]', ADMIN.email);
      await h.page.fill('input[name="password"]', `not the password ${i}`);
      const [res] = await Promise.all([h.page.waitForResponse((r) => r.url().endsWith('/login') && r.request().method() === 'POST'), h.page.click('button[type="submit"]')]);
      status = res.status();
      await h.page.waitForLoadState();
    }
    expect(status).toBe(429);
    const line = h.page.locator('[data-retry-after]');
    expect(await line.getAttribute('data-retry-after')).toBe('900');
    await h.page.waitForFunction(() => /min/.test(document.querySelector('[data-retry-after]')?.textContent ?? ''), undefined, { timeout: 5000 }).catch(() => undefined);
    expect(await line.textContent()).toMatch(/^You can try again in 1[45] min( \d{1,2} s)?\.$/);
    await h.page.waitForFunction(() => / s\.$/.test(document.querySelector('[data-retry-after]')?.textContent ?? ''), undefined, { timeout: 5000 }).catch(() => undefined);
    expect(await line.textContent()).toMatch(/^You can try again in 14 min \d{1,2} s\.$/);
  });
});
