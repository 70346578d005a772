/**
 * Pages with JavaScript off (a context with `javaScriptEnabled: false`) beyond the analysis form:
 * - the login form after a rate-limited attempt was rendered with its button `disabled`, which only
 *   wait.js took off: without a script the form could never be sent again. The page now says the wait
 *   and leaves the button alone; wait.js disables it for the count.
 * - the study page said nothing could be sent without JavaScript yet showed the drop zone, "browse",
 *   "Or choose a folder", a disabled Analyse and the empty result card; they are hidden as the
 *   analysis page hides its own (a stylesheet in a <noscript>).
 */
import { Browser, BrowserContext, Page } from 'playwright-core';
import { UsersService } from '../../src/accounts/users.service';
import { HAVE_CHROMIUM, launchBrowser, useSignedInPage } from './harness';

const ADMIN = { email: 'nojs-pages-admin@example.org', password: 'nojs-pages-admin-password-1' };

async function logIn(page: Page, base: string, email: string, password: string): Promise<number> {
  await page.goto(`${base}/login`);
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', password);
  const [res] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/login' && r.request().method() === 'POST'), page.click('button[type="submit"]')]);
  await page.waitForLoadState('load');
  return res.status();
}

(HAVE_CHROMIUM ? describe : describe.skip)('more pages with JavaScript off, in Chromium', () => {
  const h = useSignedInPage({ admin: ADMIN, env: { RATE_LIMIT_LOGIN_PER_ACCOUNT: '2', RATE_LIMIT_LOGIN_WINDOW_SECONDS: '60' }, signIn: false });
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    context = await browser.newContext({ javaScriptEnabled: false });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('login after a 429: the wait is said and the form can still be sent (no button disabled for good)', async () => {
    const user = await h.app.get(UsersService).create({ email: 'nojs-slow@example.org', password: 'right-password-123', role: 'user', mustChangePassword: false });
    let status = 0;
    for (let i = 0; i < 4 && status !== 429; i++) status = await logIn(page, h.base, user.email, 'wrong-password');
    expect(status).toBe(429);
    expect(await page.locator('[data-retry-after]').textContent()).toMatch(/You can try again in (\d+ s|1 min)\./);
    expect(await page.locator('button[type="submit"]').isEnabled()).toBe(true);
    expect(await page.locator('input[name="email"]').inputValue()).toBe(user.email);
    // pressed again within the wait, the form is sent and the server answers with the wait again
    await page.fill('input[name="password"]', 'right-password-123');
    const [res] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/login' && r.request().method() === 'POST'), page.click('button[type="submit"]')]);
    expect(res.status()).toBe(429);
  });

  it('/studies shows the notice and hides what only the script drives: drop zone, folder choice, Analyse, result card', async () => {
    await logIn(page, h.base, ADMIN.email, ADMIN.password);
    expect(new URL(page.url()).pathname).toBe('/');
    await page.goto(`${h.base}/studies`);
    expect(await page.locator('.client-error', { hasText: 'needs JavaScript' }).isVisible()).toBe(true);
    for (const hidden of ['#study-dropzone', '.link:has-text("browse")', 'label[for="study-folder"]', '#study-submit', '.result-card', '#study-empty']) {
      expect([hidden, await page.locator(hidden).first().isVisible()]).toEqual([hidden, false]);
    }
    // the way on is still there: the image page, which works without JavaScript
    expect(await page.getByRole('link', { name: 'Single image instead' }).isVisible()).toBe(true);
  });
});
