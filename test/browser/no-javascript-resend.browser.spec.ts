/**
 * With JavaScript off, the browser itself re-sends the analysis form: reload on the answer page
 * re-posts it, and Forward to it after Back lands on Chromium's "Confirm Form Resubmission" page
 * (net::ERR_CACHE_MISS: the answer is no-store), whose reload re-posts it too. Each repeat carries
 * the page's one-time `_submission` field and the same file, read again from disk as a real
 * upload is (a file handed over from memory is sent empty on a re-post), and must not record the
 * analysis a second time. The e2e spec posts the field by hand; this is the browser doing it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Browser, Page } from 'playwright-core';
import { PrismaService } from '../../src/prisma/prisma.service';
import { solidPng } from '../support/images';
import { HAVE_CHROMIUM, launchBrowser, useSignedInPage } from './harness';

const ADMIN = { email: 'nojs-resend@example.org', password: 'nojs-resend-password-1' };
const ALREADY_SENT = /^This form was already sent: this is the same analysis, already saved in your history as this record — no second record was made\./;

async function logIn(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill('input[name="email"]', ADMIN.email);
  await page.fill('input[name="password"]', ADMIN.password);
  await Promise.all([page.waitForURL(`${base}/`), page.click('button[type="submit"]')]);
}

/** The answer page's line under the title that says where the record is (saved, or already saved). */
const recordLine = (page: Page) => page.locator('.hero p', { hasText: 'this record' });

(HAVE_CHROMIUM ? describe : describe.skip)('the form without JavaScript, re-sent by the browser (reload, Back + Forward)', () => {
  const h = useSignedInPage({ admin: ADMIN, signIn: false });
  let browser: Browser;
  let page: Page;
  let dir: string;
  const posts: number[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    const context = await browser.newContext({ javaScriptEnabled: false });
    page = await context.newPage();
    // a browser with a window asks before re-sending a form; headless Chromium does not, but accept if it does
    page.on('dialog', (d) => void d.accept());
    page.on('response', (r) => {
      if (r.request().method() === 'POST' && new URL(r.url()).pathname === '/analyse') posts.push(r.status());
    });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-nojs-'));
    await logIn(page, h.base);
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reload, then Back and Forward (resubmitting): three posts of the form, one record in the history, and the repeats say so', async () => {
    const file = path.join(dir, 'scan.png');
    fs.writeFileSync(file, await solidPng(300, 300, 255));
    const rows = () => h.app.get(PrismaService).analysis.count();
    expect(await rows()).toBe(0);

    await page.goto(`${h.base}/`);
    await page.setInputFiles('#file-input', file);
    await Promise.all([page.waitForURL(`${h.base}/analyse`), page.click('#submit-btn')]);
    expect(await page.locator('h1').textContent()).toBe('Glioma');
    expect(await recordLine(page).textContent()).toMatch(/^Saved in your history as this record/);
    const record = await recordLine(page).locator('a', { hasText: 'this record' }).getAttribute('href');
    expect(record).toMatch(/^\/history\/[0-9a-f-]{36}$/);

    // reload: the browser posts the same form (token, _submission, the file read again)
    await page.reload();
    expect(new URL(page.url()).pathname).toBe('/analyse');
    expect(await page.locator('h1').textContent()).toBe('Glioma');
    expect(await recordLine(page).textContent()).toMatch(ALREADY_SENT);
    expect(await recordLine(page).locator('a', { hasText: 'this record' }).getAttribute('href')).toBe(record);
    // the same answer, heat map drawn again from the re-sent image
    expect(await page.locator('.answer-heatmap img').isVisible()).toBe(true);

    // Back to the form, Forward to the answer: Chromium will not show a POST's no-store answer from
    // its cache; it shows "Confirm Form Resubmission", whose reload (the user's only way on) re-posts
    await page.goBack();
    expect(new URL(page.url()).pathname).toBe('/');
    await expect(page.goForward()).rejects.toThrow(/ERR_CACHE_MISS/);
    // the failed navigation has not always committed its error page when goForward() rejects: reloading before it would reload the form
    await page.waitForURL(/^chrome-error:/);
    await page.reload();
    expect(new URL(page.url()).pathname).toBe('/analyse');
    expect(await recordLine(page).textContent()).toMatch(ALREADY_SENT);
    expect(await recordLine(page).locator('a', { hasText: 'this record' }).getAttribute('href')).toBe(record);

    expect(posts).toEqual([200, 200, 200]);
    expect(await rows()).toBe(1);
    // and the history page, as the user sees it: one record, the one the pages linked
    await page.goto(`${h.base}/history`);
    expect(await page.locator('.pager .muted', { hasText: /\brecords?$/ }).textContent()).toMatch(/\b1 record$/);
    const details = page.locator('tbody .row-links a', { hasText: 'Details' });
    expect(await details.count()).toBe(1);
    expect(await details.getAttribute('href')).toBe(record);
  });
});
