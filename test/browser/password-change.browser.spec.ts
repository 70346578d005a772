/**
 * A user whose password an admin set, in Chromium: the login lands on /account with the reason,
 * another page sends them back there, and after the change the pages open.
 */
import { createUser } from '../helpers/auth';
import { HAVE_CHROMIUM, useSignedInPage } from './harness';

(HAVE_CHROMIUM ? describe : describe.skip)('must change a password someone else set, in Chromium', () => {
  const h = useSignedInPage({ admin: { email: 'pw-admin@example.org', password: 'pw-admin-password-1' }, signIn: false });

  it('login → /account with the reason; /history comes back to it; after the change the upload page opens', async () => {
    const { user } = await createUser(h.app, { password: 'admin-typed-pw-1', mustChangePassword: true });
    const { page, base } = h;
    await page.goto(`${base}/login`);
    await page.fill('input[name="email"]', user.email);
    await page.fill('input[name="password"]', 'admin-typed-pw-1');
    await Promise.all([page.waitForURL(`${base}/account`), page.click('button[type="submit"]')]);
    expect(await page.locator('#password-change-required').textContent()).toContain('set by someone else');
    await page.goto(`${base}/history`);
    expect(page.url()).toBe(`${base}/account`);

    await page.fill('input[name="current"]', 'admin-typed-pw-1');
    await page.fill('input[name="password"]', 'chosen by me 77');
    await page.fill('input[name="confirm"]', 'chosen by me 77');
    await Promise.all([page.waitForURL(`${base}/account?done=password`), page.click('form[action="/account/password"] button[type="submit"]')]);
    expect(await page.locator('.notice').textContent()).toContain('Password changed');
    // a first login has no other session or token: "Other sessions and API tokens were signed out" claimed some
    expect(await page.locator('.notice').textContent()).not.toMatch(/Other sessions and API tokens were signed out/);
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('form-done'); // said on arrival
    await expect(page.locator('#password-change-required').count()).resolves.toBe(0);
    await page.goto(`${base}/history`);
    expect(page.url()).toBe(`${base}/history`);
  });
});
