/**
 * Accounts pages in headless Chromium (Debian's /usr/bin/chromium via playwright-core): log in,
 * an analysis through the page (CSRF header added by public/js/session.js), the history page
 * with summary and filters, the detail page and its metadata-only PDF, the admin users page
 * (create a user through the form), log out. Screenshots at 1280 and 390 px go to
 * artifacts/browser/ (not committed).
 */
import { NestExpressApplication } from '@nestjs/platform-express';
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';
import sharp from 'sharp';
import { FAKE_MODELS_DIR, REPO_ROOT, startApp, testConfig } from '../support/app';
import { axeAll } from './a11y-checks';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.join(REPO_ROOT, 'artifacts', 'browser');
const ADMIN = { email: 'pages-admin@example.org', password: 'pages-test-password-1' };

(fs.existsSync(CHROMIUM) ? describe : describe.skip)('accounts, history and admin pages in Chromium', () => {
  let app: NestExpressApplication;
  let base: string;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  const overflow: Record<string, number> = {};

  async function shoot(name: string): Promise<void> {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
      const sw = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (sw > 1) overflow[`${name}@${width}`] = sw;
      await page.screenshot({ path: path.join(SHOTS, `accounts-${name}-${width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  }

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, SEED_ADMIN_EMAIL: ADMIN.email, SEED_ADMIN_PASSWORD: ADMIN.password }));
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1280, height: 800 },
      acceptDownloads: true,
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    await app?.close();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  });

  it('a wrong password shows the error; the right one lands on the page asked for', async () => {
    await page.goto(`${base}/history`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('input[name="email"]', ADMIN.email);
    await page.fill('input[name="password"]', 'not the password');
    await page.click('button[type="submit"]');
    await page.locator('.client-error').waitFor({ state: 'visible' });
    expect(await page.locator('.client-error').textContent()).toContain('incorrect');
    await shoot('login-error');
    await page.fill('input[name="password"]', ADMIN.password);
    await Promise.all([page.waitForURL(`${base}/history`), page.click('button[type="submit"]')]);
    const cookies = await context.cookies(base);
    const session = cookies.find((c) => c.name === 'sentinel_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Lax');
  });

  it('an analysis from the page is recorded and shows up in the history with its summary', async () => {
    await page.goto(`${base}/`);
    const white = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toBuffer();
    await page.setInputFiles('#file-input', { name: 'patient-jane-roe.png', mimeType: 'image/png', buffer: white });
    await page.click('#submit-btn');
    await page.locator('#state-result').waitFor({ state: 'visible' });
    await page.locator('#pdf-btn').waitFor({ state: 'visible' });
    await page.goto(`${base}/history`);
    await shoot('history');
    const body = await page.locator('main').textContent();
    // the list's rows, not the page: the Label filter offers "Glioma" too
    const rows = await page.locator('.history-table tbody').textContent();
    expect(rows).toContain('Glioma'); // words for people: the title of the result
    expect(rows).toContain(ADMIN.email);
    expect(body).not.toContain('jane-roe');
    await page.selectOption('select[name="status"]', 'rejected');
    await Promise.all([page.waitForURL(/status=rejected/), page.click('.filters button[type="submit"]')]);
    expect(await page.locator('tbody').textContent()).toContain('No analyses match');
  });

  it('the detail page offers a metadata-only PDF', async () => {
    await page.goto(`${base}/history`);
    await Promise.all([page.waitForURL(/\/history\/[0-9a-f-]{36}$/), page.click('text=Details')]);
    await shoot('history-detail');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Download PDF (metadata only)')]);
    const file = path.join(SHOTS, 'accounts-metadata-report.pdf');
    await download.saveAs(file);
    expect(fs.readFileSync(file).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('admin: a failed create keeps the email; "New password" and disabling ask first (keyboard too)', async () => {
    const email = 'confirm-me@example.org';
    const create = 'form[action="/admin/users"]';
    for (const attempt of [1, 2]) {
      await page.goto(`${base}/admin/users`);
      await page.fill(`${create} input[name="email"]`, email);
      await page.fill(`${create} input[name="password"]`, 'confirm-me-pw-1');
      await Promise.all([page.waitForLoadState('load'), page.click(`${create} button[type="submit"]`)]);
      if (attempt === 2) {
        // the second one is a duplicate: the error, and the email still typed in (the form was emptied)
        expect(await page.locator('.client-error').textContent()).toContain('already exists');
        await expect(page.locator(`${create} input[name="email"]`).inputValue()).resolves.toBe(email);
        await expect(page.locator(`${create} input[name="password"]`).inputValue()).resolves.toBe('');
      }
    }
    const row = page.locator('tr', { hasText: email });
    const dialogs: string[] = [];
    // dismissed: nothing happens (one click used to reset the password at once)
    page.once('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    await row.getByRole('button', { name: /New password/ }).click();
    expect(dialogs[0]).toMatch(/^Give confirm-me@example.org a new password\?/);
    await expect(page.locator('#new-password').count()).resolves.toBe(0);
    // accepted, from the keyboard
    page.once('dialog', (d) => { dialogs.push(d.message()); void d.accept(); });
    await row.getByRole('button', { name: /New password/ }).focus();
    await Promise.all([page.waitForLoadState('load'), page.keyboard.press('Enter')]);
    await page.locator('#new-password').waitFor({ state: 'visible' });
    // the new password, shown once, has the focus: a screen reader reads it on arrival (a status
    // region already in the page when it loads is not announced; the focus was on <body>)
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('form-done');
    // disabling asks too; dismissed, the user stays active
    await row.locator('select[name="disabled"]').selectOption('true');
    page.once('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    await row.getByRole('button', { name: 'Save' }).click();
    expect(dialogs[2]).toMatch(/^Disable confirm-me@example.org\?/);
    await expect(page.locator('.notice').textContent()).resolves.toContain('New password'); // still the same page
    await expect(row.locator('.badge').textContent()).resolves.toBe('active');
    page.once('dialog', (d) => { dialogs.push(d.message()); void d.accept(); });
    await Promise.all([page.waitForURL(/done=updated/), row.getByRole('button', { name: 'Save' }).click()]);
    await expect(page.locator('tr', { hasText: email }).locator('.badge').textContent()).resolves.toBe('disabled');
    expect(dialogs).toHaveLength(4); // one question per click, none after an answer
  });

  it('admins create a user through the form; logout ends the session', async () => {
    await page.goto(`${base}/admin/users`);
    await page.fill('form[action="/admin/users"] input[name="email"]', 'made-in-browser@example.org');
    await page.fill('form[action="/admin/users"] input[name="password"]', 'browser-made-pw-1');
    await Promise.all([page.waitForURL(/done=/), page.click('form[action="/admin/users"] button[type="submit"]')]);
    expect(await page.locator('.notice').textContent()).toContain('Created made-in-browser@example.org');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('form-done');
    // the green notice's text was 4.49:1 on its background (#15803d on #e8f6ed), under WCAG AA's 4.5
    const noticeAxe = await axeAll(page, 'users, created');
    await shoot('admin-users');
    await Promise.all([page.waitForURL(`${base}/login?ended=logout`), page.click('.logout-form button')]);
    await page.goto(`${base}/login?ended=1`);
    noticeAxe.push(...(await axeAll(page, 'login, ended')));
    expect(noticeAxe).toEqual([]);
    await page.goto(`${base}/history`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(overflow).toEqual({});
  });
});
