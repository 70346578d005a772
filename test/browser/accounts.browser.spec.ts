/**
 * Accounts pages in headless Chromium (Debian's /usr/bin/chromium via playwright-core): log in,
 * an analysis through the page (CSRF header added by public/js/session.js), the history page
 * with summary and filters, the detail page and its metadata-only PDF, the admin users page
 * (create a user through the form), log out. Screenshots at 1280 and 390 px go to
 * artifacts/browser/ (not committed).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { axeAll } from './a11y-checks';
import { HAVE_CHROMIUM, SHOTS, useSignedInPage } from './harness';

const ADMIN = { email: 'pages-admin@example.org', password: 'pages-test-password-1' };

(HAVE_CHROMIUM ? describe : describe.skip)('accounts, history and admin pages in Chromium', () => {
  const h = useSignedInPage({ admin: ADMIN, env: { SEED_ADMIN_PRINT: 'true' }, signIn: false });
  const overflow: Record<string, number> = {};

  async function shoot(name: string): Promise<void> {
    for (const width of [1280, 390]) {
      await h.page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
      const sw = await h.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (sw > 1) overflow[`${name}@${width}`] = sw;
      await h.page.screenshot({ path: path.join(SHOTS, `accounts-${name}-${width}.png`), fullPage: true });
    }
    await h.page.setViewportSize({ width: 1280, height: 800 });
  }

  it('a wrong password shows the error; the right one lands on the page asked for', async () => {
    await h.page.goto(`${h.base}/history`);
    expect(new URL(h.page.url()).pathname).toBe('/login');
    await h.page.fill('input[name="email"]', ADMIN.email);
    await h.page.fill('input[name="password"]', 'not the password');
    await h.page.click('button[type="submit"]');
    await h.page.locator('.client-error').waitFor({ state: 'visible' });
    expect(await h.page.locator('.client-error').textContent()).toContain('incorrect');
    await shoot('login-error');
    await h.page.fill('input[name="password"]', ADMIN.password);
    await Promise.all([h.page.waitForURL(`${h.base}/history`), h.page.click('button[type="submit"]')]);
    const cookies = await h.context.cookies(h.base);
    const session = cookies.find((c) => c.name === 'sentinel_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Lax');
  });

  it('an analysis from the page is recorded and shows up in the history with its summary', async () => {
    await h.page.goto(`${h.base}/`);
    const white = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toBuffer();
    await h.page.setInputFiles('#file-input', { name: 'patient-jane-roe.png', mimeType: 'image/png', buffer: white });
    await h.page.click('#submit-btn');
    await h.page.locator('#state-result').waitFor({ state: 'visible' });
    await h.page.locator('#pdf-btn').waitFor({ state: 'visible' });
    await h.page.goto(`${h.base}/history`);
    await shoot('history');
    const body = await h.page.locator('main').textContent();
    // the list's rows, not the page: the Label filter offers "Glioma" too
    const rows = await h.page.locator('.history-table tbody').textContent();
    expect(rows).toContain('Glioma'); // words for people: the title of the result
    expect(rows).toContain(ADMIN.email);
    expect(body).not.toContain('jane-roe');
    await h.page.selectOption('select[name="status"]', 'rejected');
    await Promise.all([h.page.waitForURL(/status=rejected/), h.page.click('.filters button[type="submit"]')]);
    expect(await h.page.locator('tbody').textContent()).toContain('No analyses match');
  });

  it('the detail page offers a metadata-only PDF', async () => {
    await h.page.goto(`${h.base}/history`);
    await Promise.all([h.page.waitForURL(/\/history\/[0-9a-f-]{36}$/), h.page.click('text=Details')]);
    await shoot('history-detail');
    const [download] = await Promise.all([h.page.waitForEvent('download'), h.page.click('text=Download PDF (metadata only)')]);
    const file = path.join(SHOTS, 'accounts-metadata-report.pdf');
    await download.saveAs(file);
    expect(fs.readFileSync(file).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('admin: a failed create keeps the email; "New password" and disabling ask first (keyboard too)', async () => {
    const email = 'confirm-me@example.org';
    const create = 'form[action="/admin/users"]';
    for (const attempt of [1, 2]) {
      await h.page.goto(`${h.base}/admin/users`);
      await h.page.fill(`${create} input[name="email"]`, email);
      await h.page.fill(`${create} input[name="password"]`, 'confirm-me-pw-1');
      await Promise.all([h.page.waitForLoadState('load'), h.page.click(`${create} button[type="submit"]`)]);
      if (attempt === 2) {
        // the second one is a duplicate: the error, and the email still typed in (the form was emptied)
        expect(await h.page.locator('.client-error').textContent()).toContain('already exists');
        await expect(h.page.locator(`${create} input[name="email"]`).inputValue()).resolves.toBe(email);
        await expect(h.page.locator(`${create} input[name="password"]`).inputValue()).resolves.toBe('');
      }
    }
    const row = h.page.locator('tr', { hasText: email });
    const dialogs: string[] = [];
    // dismissed: nothing happens (one click used to reset the password at once)
    h.page.once('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    await row.getByRole('button', { name: /New password/ }).click();
    expect(dialogs[0]).toMatch(/^Give confirm-me@example.org a new password\?/);
    await expect(h.page.locator('#new-password').count()).resolves.toBe(0);
    // accepted, from the keyboard
    h.page.once('dialog', (d) => { dialogs.push(d.message()); void d.accept(); });
    await row.getByRole('button', { name: /New password/ }).focus();
    await Promise.all([h.page.waitForLoadState('load'), h.page.keyboard.press('Enter')]);
    await h.page.locator('#new-password').waitFor({ state: 'visible' });
    // the new password, shown once, has the focus: a screen reader reads it on arrival (a status
    // region already in the page when it loads is not announced; the focus was on <body>)
    await expect(h.page.evaluate(() => document.activeElement?.id)).resolves.toBe('form-done');
    // disabling asks too; dismissed, the user stays active
    await row.locator('select[name="disabled"]').selectOption('true');
    h.page.once('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    await row.getByRole('button', { name: 'Save' }).click();
    expect(dialogs[2]).toMatch(/^Disable confirm-me@example.org\?/);
    await expect(h.page.locator('.notice').textContent()).resolves.toContain('New password'); // still the same page
    await expect(row.locator('.badge').textContent()).resolves.toBe('active');
    h.page.once('dialog', (d) => { dialogs.push(d.message()); void d.accept(); });
    await Promise.all([h.page.waitForURL(/done=updated/), row.getByRole('button', { name: 'Save' }).click()]);
    await expect(h.page.locator('tr', { hasText: email }).locator('.badge').textContent()).resolves.toBe('disabled');
    expect(dialogs).toHaveLength(4); // one question per click, none after an answer
  });

  it('admins create a user through the form; logout ends the session', async () => {
    await h.page.goto(`${h.base}/admin/users`);
    await h.page.fill('form[action="/admin/users"] input[name="email"]', 'made-in-browser@example.org');
    await h.page.fill('form[action="/admin/users"] input[name="password"]', 'browser-made-pw-1');
    await Promise.all([h.page.waitForURL(/done=/), h.page.click('form[action="/admin/users"] button[type="submit"]')]);
    expect(await h.page.locator('.notice').textContent()).toContain('Created made-in-browser@example.org');
    await expect(h.page.evaluate(() => document.activeElement?.id)).resolves.toBe('form-done');
    // the green notice's text was 4.49:1 on its background (#15803d on #e8f6ed), under WCAG AA's 4.5
    const noticeAxe = await axeAll(h.page, 'users, created');
    await shoot('admin-users');
    await Promise.all([h.page.waitForURL(`${h.base}/login?ended=logout`), h.page.click('.logout-form button')]);
    await h.page.goto(`${h.base}/login?ended=1`);
    noticeAxe.push(...(await axeAll(h.page, 'login, ended')));
    expect(noticeAxe).toEqual([]);
    await h.page.goto(`${h.base}/history`);
    expect(new URL(h.page.url()).pathname).toBe('/login');
    expect(overflow).toEqual({});
  });
});
