/**
 * The login ends while a page is open (it expired, the user logged out in another tab, an admin
 * disabled the account): the page's own calls then get a 401. Before, the upload page said
 * "This file cannot be analysed — Please log in." (blaming a good file, no way back), the batch
 * marked every image "Please log in." and counted them "2 of 2 analysed", the study page said
 * "The study could not be analysed", and the PDF button only "Please log in.". Now each says the
 * login has ended, that nothing was analysed, and links to the login, which returns to the page.
 */
import sharp from 'sharp';
import { UsersService } from '../../src/accounts/users.service';
import { createUser } from '../helpers/auth';
import { HAVE_CHROMIUM, shoot, signIn, useSignedInPage } from './harness';

const ADMIN = { email: 'session-end@example.org', password: 'session-end-password-1' };

(HAVE_CHROMIUM ? describe : describe.skip)('a login that ends while a page is open', () => {
  const h = useSignedInPage({ admin: ADMIN, signIn: false });
  let png: Buffer;

  /** Ends this browser's login from a second tab, as a user logging out elsewhere would. */
  async function logOutElsewhere(): Promise<void> {
    const other = await h.context.newPage();
    await other.goto(`${h.base}/account`);
    await Promise.all([other.waitForURL(`${h.base}/login?ended=logout`), other.click('.logout-form button')]);
    await other.close();
  }

  /** Logs this browser out and in again from a second tab: this page's CSRF token now belongs to the earlier login. */
  async function logInAgainElsewhere(): Promise<void> {
    await logOutElsewhere();
    const other = await h.context.newPage();
    await other.goto(`${h.base}/login`);
    await other.fill('input[name="email"]', ADMIN.email);
    await other.fill('input[name="password"]', ADMIN.password);
    await Promise.all([other.waitForURL(`${h.base}/`), other.click('button[type="submit"]')]);
    await other.close();
  }

  beforeAll(async () => {
    png = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toBuffer();
  });

  it('one image: the result card says the login ended (not that the file is bad) and links back to the login', async () => {
    await signIn(h, ADMIN.email, ADMIN.password);
    const page = h.page;
    await page.setInputFiles('#file-input', { name: 'brain.png', mimeType: 'image/png', buffer: png });
    await page.click('#submit-btn');
    await page.locator('#state-result').waitFor({ state: 'visible' });

    await logOutElsewhere();
    // the PDF of the result on screen: a way back, not a bare "Please log in."
    await page.click('#pdf-btn');
    await page.locator('#pdf-note a').waitFor({ state: 'visible' });
    expect(await page.locator('#pdf-note').textContent()).toContain('Your login has ended');
    expect(await page.locator('#pdf-note a').getAttribute('href')).toBe('/login?next=%2F&ended=1');

    await page.setInputFiles('#file-input', { name: 'brain-2.png', mimeType: 'image/png', buffer: png });
    await page.click('#submit-btn');
    await page.locator('#state-error').waitFor({ state: 'visible' });
    expect(await page.locator('#error-title').textContent()).toBe('Your login has ended');
    expect(await page.locator('#error-message').textContent()).toContain('nothing was analysed');
    expect(await page.locator('#error-login-link').isVisible()).toBe(true);
    expect(await page.locator('#error-login-link').getAttribute('href')).toBe('/login?next=%2F&ended=1');
    expect(await page.evaluate(() => document.activeElement && document.activeElement.id)).toBe('error-title');
    expect(await shoot(page, 'session-ended-single')).toEqual([]);

    // the link's login lands back on the upload page
    await page.click('#error-login-link');
    await page.fill('input[name="email"]', ADMIN.email);
    await page.fill('input[name="password"]', ADMIN.password);
    await Promise.all([page.waitForURL(`${h.base}/`), page.click('button[type="submit"]')]);
  });

  it('a batch stops at the first 401: no image counted as analysed, the rest not sent, a login link', async () => {
    const page = h.page;
    await page.goto(`${h.base}/`);
    await logOutElsewhere();
    const files = ['a.png', 'b.png', 'c.png'].map((name) => ({ name, mimeType: 'image/png', buffer: png }));
    await page.setInputFiles('#file-input', files);
    await page.locator('#batch-wait a').waitFor({ state: 'visible' });
    expect(await page.locator('#batch-summary').textContent()).toBe('0 of 3 analysed · 3 not analysed');
    const rows = await page.locator('#batch-list .batch-status').allTextContents();
    expect(rows).toEqual(['Not analysed: your login has ended', 'Not sent: your login has ended', 'Not sent: your login has ended']);
    expect(await page.locator('#batch-wait').textContent()).toContain('Your login has ended');
    expect(await page.locator('#batch-wait a').getAttribute('href')).toBe('/login?next=%2F&ended=1');
    expect(await shoot(page, 'session-ended-batch')).toEqual([]);
  });

  it('an account disabled by an admin while the page is open: the message names that cause too', async () => {
    // it named expiry and logging out elsewhere only: a disabled user was left retrying a login that cannot work
    const { user, password } = await createUser(h.app, { email: 'soon-disabled@example.org' });
    await signIn(h, user.email, password);
    const page = h.page;
    await page.setInputFiles('#file-input', { name: 'brain.png', mimeType: 'image/png', buffer: png });
    const users = h.app.get(UsersService);
    const admin = await users.findByEmail(ADMIN.email);
    await users.update(admin!.id, user.id, { disabled: true });
    await page.click('#submit-btn');
    await page.locator('#state-error').waitFor({ state: 'visible' });
    expect(await page.locator('#error-title').textContent()).toBe('Your login has ended');
    const message = await page.locator('#error-message').textContent();
    expect(message).toMatch(/an administrator disabled your account/);
    expect(message).toContain('nothing was analysed');
    await page.context().clearCookies();
  });

  it('study page: the error names the ended login and links back to /studies', async () => {
    await signIn(h, ADMIN.email, ADMIN.password);
    const page = h.page;
    await page.goto(`${h.base}/studies`);
    await page.setInputFiles('#study-files', { name: 'slice.png', mimeType: 'image/png', buffer: png });
    await logOutElsewhere();
    await page.click('#study-submit');
    await page.locator('#study-error').waitFor({ state: 'visible' });
    expect(await page.locator('#study-error-title').textContent()).toBe('Your login has ended');
    expect(await page.locator('#study-error-login-link').isVisible()).toBe(true);
    expect(await page.locator('#study-error-login-link').getAttribute('href')).toBe('/login?next=%2Fstudies&ended=1');
    // the link itself says the login ended: the notice shows even where the browser no longer sends the ended cookie
    await h.context.clearCookies();
    await Promise.all([page.waitForURL(/\/login\?/), page.click('#study-error-login-link')]);
    expect(await page.locator('p.notice').textContent()).toContain('Your login has ended');
  });

  it('logged in again in another tab: the older page says it is out of date (not that the file is bad), with no Retry that cannot work', async () => {
    // its CSRF token belongs to the earlier login: the server answers 403 FORBIDDEN (CSRF check), which the
    // upload page showed as "This file cannot be analysed" beside a Retry that failed the same way
    await signIn(h, ADMIN.email, ADMIN.password);
    const page = h.page;
    await page.setInputFiles('#file-input', { name: 'brain.png', mimeType: 'image/png', buffer: png });
    await logInAgainElsewhere();
    await page.click('#submit-btn');
    await page.locator('#state-error').waitFor({ state: 'visible' });
    expect(await page.locator('#error-title').textContent()).toBe('This page is out of date');
    expect(await page.locator('#error-message').textContent()).toMatch(/Reload the page.*nothing was analysed/);
    expect(await page.locator('#retry-btn').isHidden()).toBe(true);
    // the study page, opened before that login too
    await page.goto(`${h.base}/studies`);
    await page.setInputFiles('#study-files', { name: 'slice.png', mimeType: 'image/png', buffer: png });
    await logInAgainElsewhere();
    await page.click('#study-submit');
    await page.locator('#study-error').waitFor({ state: 'visible' });
    expect(await page.locator('#study-error-title').textContent()).toBe('This page is out of date');
    expect(await page.locator('#study-error-message').textContent()).toMatch(/Reload the page.*nothing was analysed/);
    await h.context.clearCookies();
  });

  it('the PDF button of a result shown before a new login: out of date, with a reload and the recorded analysis, not the raw refusal', async () => {
    // before, the note said the CSRF refusal itself, and the button offered a retry that failed the same way
    await signIn(h, ADMIN.email, ADMIN.password);
    const page = h.page;
    await page.setInputFiles('#file-input', { name: 'brain.png', mimeType: 'image/png', buffer: png });
    await page.click('#submit-btn');
    await page.locator('#state-result').waitFor({ state: 'visible' });
    await logInAgainElsewhere();
    await page.click('#pdf-btn');
    await page.locator('#pdf-note a').first().waitFor({ state: 'visible' });
    const note = (await page.locator('#pdf-note').textContent()) ?? '';
    expect(note).toMatch(/^This page is out of date: the report was not made\. Reload the page or open this analysis in the history \(its PDF has no image\)\.$/);
    expect(note).not.toMatch(/CSRF/i);
    const links = page.locator('#pdf-note a');
    expect(await links.nth(0).getAttribute('href')).toBe('/');
    expect(await links.nth(1).getAttribute('href')).toMatch(/^\/history\/[0-9a-f-]{36}$/);
    // the recorded analysis opens under the current login, with its own PDF
    await Promise.all([page.waitForURL(/\/history\/[0-9a-f-]{36}$/), links.nth(1).click()]);
    expect(await page.locator('.pdf-actions a.primary').getAttribute('href')).toMatch(/\/report\.pdf$/);
    await h.context.clearCookies();
  });

  it('a batch from a page opened under an earlier login stops at the first CSRF 403: out of date, reload — not the raw refusal on every image', async () => {
    // before, every image was marked failed with the CSRF message itself and the batch went on sending the rest
    await signIn(h, ADMIN.email, ADMIN.password);
    const page = h.page;
    await page.goto(`${h.base}/`);
    await logInAgainElsewhere();
    const files = ['a.png', 'b.png', 'c.png'].map((name) => ({ name, mimeType: 'image/png', buffer: png }));
    await page.setInputFiles('#file-input', files);
    await page.locator('#batch-wait a').waitFor({ state: 'visible' });
    expect(await page.locator('#batch-summary').textContent()).toBe('0 of 3 analysed · 3 not analysed');
    const rows = await page.locator('#batch-list .batch-status').allTextContents();
    expect(rows).toEqual(['Not analysed: this page is out of date', 'Not sent: this page is out of date', 'Not sent: this page is out of date']);
    const line = (await page.locator('#batch-wait').textContent()) ?? '';
    expect(line).toContain('This page is out of date');
    expect(line).toMatch(/Reload the page/);
    expect(line).not.toMatch(/CSRF/i);
    expect(await page.locator('#batch-wait a').textContent()).toBe('Reload the page');
    expect(await page.locator('#batch-wait a').getAttribute('href')).toBe('/');
    expect(await shoot(page, 'session-stale-batch')).toEqual([]);
    // the link reloads the page under the current login: the same images then go through
    await Promise.all([page.waitForLoadState('load'), page.click('#batch-wait a')]);
    await page.setInputFiles('#file-input', files);
    await page.waitForFunction(() => document.getElementById('batch-summary')!.textContent === '3 of 3 analysed');
    await h.context.clearCookies();
  });

  it('Back after "Log out" asks the server again: the login page, never the history of who logged out', async () => {
    // the pages had no Cache-Control, so Chromium showed the history and a record's detail page
    // from its cache after the logout, to whoever used the browser next
    await signIn(h, ADMIN.email, ADMIN.password);
    const page = h.page;
    await page.setInputFiles('#file-input', { name: 'brain.png', mimeType: 'image/png', buffer: png });
    await page.click('#submit-btn');
    await page.locator('#state-result').waitFor({ state: 'visible' });
    await page.goto(`${h.base}/history`);
    await Promise.all([page.waitForURL(/\/history\/[0-9a-f-]{36}$/), page.locator('.history-table a', { hasText: 'Details' }).first().click()]);
    expect(await page.locator('main').textContent()).toContain('Metadata only');
    await Promise.all([page.waitForURL(`${h.base}/login?ended=logout`), page.click('.logout-form button')]);
    for (const was of ['/history/', '/history']) {
      await page.goBack();
      await page.waitForLoadState('load');
      expect(new URL(page.url()).pathname).toBe('/login');
      expect(new URL(page.url()).searchParams.get('next')).toMatch(new RegExp(`^${was}`));
      const main = (await page.locator('main').textContent()) ?? '';
      expect(main).not.toContain('Metadata only');
      expect(main).not.toContain(ADMIN.email);
    }
  });
});
