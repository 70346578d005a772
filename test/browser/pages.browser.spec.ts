/**
 * Issue 12 — every other page in Debian's Chromium at 1280 and 390 px: history (human titles,
 * PDF link per row, no broken file-error or study rows, cards below 600 px), history detail,
 * model cards, the study page (PDF button, rounded spacing, no DICOM header for NIfTI), the
 * login form under a 429 (countdown, form kept), an axe-core scan of each page (0 serious or
 * critical violations, no contrast failure; light and dark), and every page at 390 px as a user and
 * as an admin (nothing to scroll sideways, tables as cards, the disclaimer in view).
 * Screenshots: artifacts/browser/pages-* and phone-*.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { UsersService } from '../../src/accounts/users.service';
import { pdfText } from '../helpers/pdf-text';
import { TEXT_AS_JPG } from '../support/images';
import { gzip, nifti1 } from '../support/study-fixtures';
import { axeScan, AxeViolation, HAVE_CHROMIUM, phoneProblems, shoot, SHOTS, signIn, useSignedInPage } from './harness';

const ADMIN = { email: 'pages12-admin@example.org', password: 'pages12-test-password-1' };

(HAVE_CHROMIUM ? describe : describe.skip)('history, model cards, study and login pages (issue 12)', () => {
  const wide: string[] = [];
  const axe: AxeViolation[] = [];

  /** POST from inside the page (session cookie + CSRF header from session.js). */
  async function post(url: string, field: string, files: { name: string; b64: string }[]): Promise<{ status: number; body: unknown }> {
    return h.page.evaluate(
      async ({ url, field, files }) => {
        const fd = new window.FormData();
        for (const f of files) {
          const bin = window.atob(f.b64);
          const bytes = new Uint8Array(bin.length);
          for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
          fd.append(field, new window.Blob([bytes]), f.name);
        }
        const res = await window.fetch(url, { method: 'POST', body: fd, headers: { Accept: 'application/json' } });
        return { status: res.status, body: await res.json() };
      },
      { url, field, files },
    );
  }

  const h = useSignedInPage({ admin: ADMIN, env: { RATE_LIMIT_ANALYSES_PER_MINUTE: '200', RATE_LIMIT_LOGIN_PER_ACCOUNT: '2', RATE_LIMIT_LOGIN_WINDOW_SECONDS: '4' }, signIn: false });
  beforeAll(async () => {
    await h.page.goto(`${h.base}/login`);
    axe.push(...(await axeScan(h.page, 'login')));
    await signIn(h, ADMIN.email, ADMIN.password);
    const white = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toBuffer();
    const grey = await sharp({ create: { width: 200, height: 200, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toBuffer();
    expect((await post('/api/v1/analyses', 'image', [{ name: 'a.png', b64: white.toString('base64') }])).status).toBe(200);
    expect((await post('/api/v1/analyses', 'image', [{ name: 'b.png', b64: grey.toString('base64') }])).status).toBe(200);
    expect((await post('/api/v1/analyses', 'image', [{ name: 'c.jpg', b64: TEXT_AS_JPG.toString('base64') }])).status).toBe(415);
  });

  it('study page: a NIfTI volume gets no DICOM-header button, spacing rounded, a PDF button that works', async () => {
    await h.page.goto(`${h.base}/studies`);
    const vol = gzip(nifti1([64, 64, 6], (i, j) => ((i - 32) ** 2 + (j - 32) ** 2 < 400 ? 900 : 60), { pixdim: [0.8999999761581421, 0.8999999761581421, 5] }));
    await h.page.setInputFiles('#study-files', { name: 'volume.nii.gz', mimeType: 'application/gzip', buffer: vol });
    await h.page.waitForTimeout(200);
    await expect(h.page.locator('#study-header-btn').isHidden()).resolves.toBe(true);
    await h.page.click('#study-submit');
    await h.page.locator('#study-result').waitFor({ state: 'visible' });
    const meta = (await h.page.locator('#study-meta').textContent()) ?? '';
    expect(meta).toContain('column 0.9 mm, row 0.9 mm, slice 5 mm'); // the history's and the PDF's words
    expect(meta).not.toContain('0.89999');
    await h.page.locator('#study-pdf').waitFor({ state: 'visible' });
    const [download] = await Promise.all([h.page.waitForEvent('download'), h.page.click('#study-pdf')]);
    expect(download.suggestedFilename()).toMatch(/^mri-sentinel-\d{4}-\d{2}-\d{2}-study-[a-z0-9-]+-metadata\.pdf$/);
    const file = path.join(SHOTS, `pages-${download.suggestedFilename()}`);
    await download.saveAs(file);
    const text = pdfText(fs.readFileSync(file));
    expect(text).toContain('NIfTI volume');
    expect(text).toContain('column 0.9 mm');
    wide.push(...(await shoot(h.page, 'pages-01-study')));
    // a 429 on the study page: the wait counts down, "Analyse study" comes back afterwards
    await h.page.route('**/api/v1/studies', (route) => route.fulfill({ status: 429, headers: { 'Retry-After': '2', 'Content-Type': 'application/json' }, body: '{"statusCode":429,"code":"TOO_MANY_REQUESTS","message":"Too many analyses."}' }));
    await h.page.click('#study-submit');
    await h.page.locator('#study-wait').waitFor({ state: 'visible' });
    await expect(h.page.locator('#study-wait').textContent()).resolves.toMatch(/again in [12] s/);
    await expect(h.page.locator('#study-submit').isDisabled()).resolves.toBe(true);
    await h.page.waitForFunction(() => !(document.getElementById('study-submit') as HTMLButtonElement).disabled, undefined, { timeout: 10_000 });
    await h.page.unroute('**/api/v1/studies');
    axe.push(...(await axeScan(h.page, 'study')));
  });

  it('history: human titles, a PDF link per row, no broken rows for file errors or studies, cards below 600 px', async () => {
    await h.page.goto(`${h.base}/history`);
    const rows = h.page.locator('.history-table tbody tr');
    expect(await rows.count()).toBe(4);
    const text = (await h.page.locator('.history-table').textContent()) ?? '';
    expect(text).not.toMatch(/\( usable\)|^\s*File ·|notumor|brain_tumor|\bnull\b|undefined/m);
    expect(text).toContain('refused at the file checks');
    expect(text).toContain('NIfTI volume');
    expect(text).toContain('Not a JPEG or PNG file');
    await expect(h.page.locator('.history-table a[href$="/report.pdf"]').count()).resolves.toBe(4);
    await h.page.setViewportSize({ width: 390, height: 844 });
    const box = await h.page.locator('.history-table tbody tr').first().locator('a', { hasText: 'Details' }).boundingBox();
    expect(box && box.x + box.width).toBeLessThanOrEqual(390);
    await h.page.setViewportSize({ width: 1280, height: 800 });
    wide.push(...(await shoot(h.page, 'pages-02-history')));
    axe.push(...(await axeScan(h.page, 'history')));
  });

  it('history detail: titled in words, probability bars, model-card links', async () => {
    await h.page.goto(`${h.base}/history`);
    await h.page.locator('.history-table a', { hasText: 'Details' }).last().click();
    const h1 = (await h.page.locator('h1').textContent()) ?? '';
    expect(h1).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    await expect(h.page.title()).resolves.not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    // server-drawn SVG bars: the width an attribute, no script and no style attribute (the CSP forbids it)
    const bars = await h.page.locator('.probs svg.bar .bar-fill').evaluateAll((els) => els.map((e) => e.getAttribute('width')));
    expect(bars.length).toBeGreaterThan(1);
    expect(bars.every((w) => w !== null && /^\d+(\.\d)?%$/.test(w))).toBe(true);
    await expect(h.page.locator('a[href^="/models/"]').count()).resolves.toBeGreaterThan(0);
    wide.push(...(await shoot(h.page, 'pages-03-history-detail')));
    axe.push(...(await axeScan(h.page, 'history detail')));
  });

  it('model cards: list and one card with figures, sources and limits', async () => {
    await h.page.goto(`${h.base}/models`);
    axe.push(...(await axeScan(h.page, 'models')));
    await h.page.click('a[href="/models/brain_tumor"]');
    await expect(h.page.locator('h1').textContent()).resolves.toContain('Brain MRI diagnosis');
    await expect(h.page.locator('#mc-data').isVisible()).resolves.toBe(true);
    await expect(h.page.locator('#mc-limits + ul li').count()).resolves.toBeGreaterThan(1);
    wide.push(...(await shoot(h.page, 'pages-04-model-card')));
    axe.push(...(await axeScan(h.page, 'model card')));
    const missing = await h.page.goto(`${h.base}/models/nope`);
    expect(missing?.status()).toBe(404);
    axe.push(...(await axeScan(h.page, '404')));
  });

  it('account and admin pages pass the scan too', async () => {
    for (const p of ['/account', '/admin/users']) {
      await h.page.goto(`${h.base}${p}`);
      axe.push(...(await axeScan(h.page, p)));
      wide.push(...(await shoot(h.page, `pages-05${p.replace(/\//g, '-')}`)));
    }
  });

  it('at 390 px every page fits the phone, as an admin and as a user: no sideways scrolling, tables as cards, the disclaimer in view', async () => {
    const users = h.app.get(UsersService);
    const phoneUser = { email: 'a.very.long.address.that.never.breaks.anywhere@radiologyresearch.universityhospital.example.org', password: 'phone-user-password-1' };
    await users.create({ ...phoneUser, role: 'user', mustChangePassword: false });
    await users.create({ email: 'second.admin.with.a.long.name@research-hospital.example.org', password: 'phone-admin-password-1', role: 'admin', mustChangePassword: true });
    const found: string[] = [];
    const visit = async (url: string, name: string): Promise<void> => {
      await h.page.goto(`${h.base}${url}`);
      found.push(...(await phoneProblems(h.page, name)));
    };
    const white = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toBuffer();
    /** the analysis page with a result, then with an error (its API answer replaced by a refusal) */
    const analysisPage = async (who: string): Promise<void> => {
      await h.page.goto(`${h.base}/`);
      await h.page.setInputFiles('#file-input', { name: 'a-long-file-name-from-the-scanner-export-0001.png', mimeType: 'image/png', buffer: white });
      await h.page.click('#submit-btn');
      await h.page.locator('#state-result').waitFor({ state: 'visible' });
      found.push(...(await phoneProblems(h.page, `${who}-analysis-result`)));
      await h.page.route('**/api/v1/analyses', (route) => route.fulfill({ status: 422, headers: { 'Content-Type': 'application/json' }, body: '{"statusCode":422,"code":"RESOLUTION_OUT_OF_RANGE","message":"The image is 40 × 40 pixels; at least 64 are needed on each side."}' }));
      await h.page.click('#submit-btn');
      await h.page.locator('#state-error').waitFor({ state: 'visible' });
      await h.page.unroute('**/api/v1/analyses');
      found.push(...(await phoneProblems(h.page, `${who}-analysis-error`)));
    };
    /** a stacked table is still a table to a screen reader: Chrome's accessibility tree (roles and names) is the same at 390 px as at 1280 */
    const sameTableForScreenReaders = async (): Promise<void> => {
      const tree = async (): Promise<string[]> => {
        const cdp = await h.context.newCDPSession(h.page);
        const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: { ignored: boolean; role?: { value: string }; name?: { value: string } }[] };
        await cdp.detach();
        return nodes.filter((n) => !n.ignored && /^(table|row|columnheader|cell)$/.test(n.role?.value ?? '')).map((n) => `${n.role?.value}: ${(n.name?.value ?? '').replace(/\s+/g, '')}`); // spacing between links differs with their display
      };
      const narrow = await tree();
      await h.page.setViewportSize({ width: 1280, height: 800 });
      const wide = await tree();
      await h.page.setViewportSize({ width: 390, height: 844 });
      expect(wide.filter((r) => r.startsWith('cell')).length).toBeGreaterThan(4);
      expect(narrow).toEqual(wide);
    };
    const historyPages = async (who: string): Promise<void> => {
      await visit('/history', `${who}-history`);
      await sameTableForScreenReaders();
      await Promise.all([h.page.waitForURL(/\/history\/[0-9a-f-]{36}$/), h.page.locator('.history-table a', { hasText: 'Details' }).first().click()]);
      found.push(...(await phoneProblems(h.page, `${who}-history-detail`)));
    };

    await h.page.setViewportSize({ width: 390, height: 844 });
    await h.page.goto(`${h.base}/`);
    await Promise.all([h.page.waitForURL(/\/login/), h.page.click('.logout-form button')]);
    found.push(...(await phoneProblems(h.page, 'login')));
    await signIn(h, phoneUser.email, phoneUser.password);
    await analysisPage('user');
    await historyPages('user');
    await visit('/account', 'user-account');
    await Promise.all([h.page.waitForURL(/\/login/), h.page.click('.logout-form button')]);
    await signIn(h, ADMIN.email, ADMIN.password); // the admin pages, then signed in as the tests after this one expect
    await visit('/admin/users', 'admin-users');
    await sameTableForScreenReaders();
    await historyPages('admin'); // the newest row is the user's: a long address in a card
    await visit('/studies', 'admin-study');
    await h.page.setInputFiles('#study-files', { name: 'volume.nii.gz', mimeType: 'application/gzip', buffer: gzip(nifti1([64, 64, 6], (i, j) => ((i - 32) ** 2 + (j - 32) ** 2 < 400 ? 900 : 60))) });
    await h.page.click('#study-submit');
    await h.page.locator('#study-result').waitFor({ state: 'visible' });
    found.push(...(await phoneProblems(h.page, 'admin-study-result')));
    await visit('/account', 'admin-account');
    await visit('/models', 'models');
    await visit('/models/brain_tumor', 'model-card');
    await visit('/models/nope', 'not-found');
    await analysisPage('admin');
    await h.page.setViewportSize({ width: 1280, height: 800 });
    expect(found).toEqual([]);
  });

  it('login under a 429: the form stays, the wait counts down, then logging in works', async () => {
    const { user } = { user: await h.app.get(UsersService).create({ email: 'slow-typist@example.org', password: 'right-password-123', role: 'user', mustChangePassword: false }) };
    await h.page.goto(`${h.base}/`);
    await Promise.all([h.page.waitForURL(/\/login/), h.page.click('.logout-form button')]); // the last test: sign the admin out
    const fresh = h.page;
    let status = 0;
    for (let i = 0; i < 3 && status !== 429; i++) {
      await fresh.fill('input[name="email"]', user.email);
      await fresh.fill('input[name="password"]', 'wrong-password');
      const [res] = await Promise.all([fresh.waitForResponse((r) => r.url().endsWith('/login') && r.request().method() === 'POST'), fresh.click('button[type="submit"]')]);
      status = res.status();
      await fresh.waitForLoadState();
    }
    expect(status).toBe(429);
    await expect(fresh.locator('form[action="/login"]').isVisible()).resolves.toBe(true);
    await expect(fresh.locator('input[name="email"]').inputValue()).resolves.toBe(user.email);
    await expect(fresh.locator('[data-retry-after]').textContent()).resolves.toMatch(/try again in \d s/);
    await expect(fresh.locator('button[type="submit"]').isDisabled()).resolves.toBe(true);
    await fresh.screenshot({ path: path.join(SHOTS, 'pages-06-login-429-1280.png'), fullPage: true });
    axe.push(...(await axeScan(fresh, 'login 429')));
    await fresh.waitForFunction(() => !document.querySelector<HTMLButtonElement>('button[type="submit"]')!.disabled, undefined, { timeout: 10_000 });
    await fresh.fill('input[name="password"]', 'right-password-123');
    await Promise.all([fresh.waitForURL(`${h.base}/`), fresh.click('button[type="submit"]')]);
  });

  it('has no serious or critical axe violations and no contrast failures on any page', () => {
    expect(axe).toEqual([]);
  });

  it('never needs horizontal scrolling at 1280 or 390 px', () => {
    expect(wide).toEqual([]);
  });
});
