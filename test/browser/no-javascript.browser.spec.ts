/**
 * With JavaScript off (a browser context with `javaScriptEnabled: false`: locked-down hospital
 * browsers, text browsers), the analysis page's own form posts one image to /analyse and the
 * answer is a server-rendered page; the study page still cannot send a folder, and says so.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { PrismaService } from '../../src/prisma/prisma.service';
import { solidPng } from '../support/images';
import { axeScan, AxeViolation, HAVE_CHROMIUM, Harness, launchBrowser, phoneProblems, SHOTS, useSignedInPage } from './harness';

const ADMIN = { email: 'nojs-admin@example.org', password: 'nojs-admin-password-1' };
/** Small, so that a generated PNG can be over it; the analysed images are a few KB. */
const MAX_UPLOAD_BYTES = 200_000;

async function logIn(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill('input[name="email"]', ADMIN.email);
  await page.fill('input[name="password"]', ADMIN.password);
  await Promise.all([page.waitForURL(`${base}/`), page.click('button[type="submit"]')]);
}

/**
 * axe-core needs scripts to run, so it cannot scan the page in the scriptless context: what that
 * context rendered (`page.content()`, <noscript> parts included) is served at the same origin to a
 * page of the scripted context, without its scripts and with the <noscript> parts unwrapped, and
 * scanned there.
 */
async function axeScanAsRendered(h: Harness, rendered: Page, name: string): Promise<AxeViolation[]> {
  const html = (await rendered.content()).replace(/<script\b[^>]*>[^<]*<\/script>/g, '').replace(/<\/?noscript>/g, '');
  const copy = await h.context.newPage();
  try {
    await copy.route(`${h.base}/nojs-rendered`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: html }));
    await copy.goto(`${h.base}/nojs-rendered`);
    return await axeScan(copy, name);
  } finally {
    await copy.close();
  }
}

/** Chooses the file and presses Analyse; resolves with the status of the form's POST. */
async function analyse(page: Page, bytes: Buffer): Promise<number> {
  await page.setInputFiles('#file-input', { name: 'scan.png', mimeType: 'image/png', buffer: bytes });
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/analyse'),
    page.click('#submit-btn'),
  ]);
  await page.waitForLoadState('load');
  return response.status();
}

(HAVE_CHROMIUM ? describe : describe.skip)('pages with JavaScript off, in Chromium', () => {
  const h = useSignedInPage({ admin: ADMIN, env: { MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) }, signIn: false });
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    context = await browser.newContext({ javaScriptEnabled: false });
    page = await context.newPage();
    await logIn(page, h.base); // the login form is a plain form too
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('/studies says it needs JavaScript and links to the API, whose page it links shows the API without JavaScript', async () => {
    await page.goto(`${h.base}/studies`);
    const notice = page.locator('.client-error', { hasText: 'needs JavaScript' });
    expect(await notice.isVisible()).toBe(true);
    // the link is the way on for this reader: it was /api/docs, Swagger UI, a blank page with JavaScript off
    await notice.locator('a').first().click();
    await page.waitForLoadState('load');
    expect(await page.locator('body').innerText()).toContain('/api/v1/studies');
  });

  it('/ shows a form that works: the native file field, Analyse enabled, a note on what needs JavaScript', async () => {
    await page.goto(`${h.base}/`);
    expect(await page.getByText('needs JavaScript').count()).toBe(0);
    expect(await page.locator('.nojs-note').textContent()).toContain('choose one image, then press Analyse');
    expect(await page.locator('#file-input').isVisible()).toBe(true);
    expect(await page.locator('#file-input').getAttribute('multiple')).toBeNull();
    expect(await page.locator('#submit-btn').isEnabled()).toBe(true);
    // what only the script drives is not shown (nojs.css): the empty result card, the tabs, the drop prompt
    for (const hidden of ['.result-card', '#tab-samples', '.dz-title']) expect(await page.locator(hidden).isVisible()).toBe(false);
  });

  it('analyses a generated PNG and shows the answer: decision, confidence, every probability, heat map, record, PDF, disclaimer', async () => {
    await page.goto(`${h.base}/`);
    expect(await analyse(page, await solidPng(300, 300, 255))).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/analyse');
    // the title is the page's h1; the verdict's heading names the section and its status (d792801)
    expect(await page.locator('h1').textContent()).toBe('Glioma');
    expect(await page.locator('h2.verdict-title').textContent()).toBe('Decision: completed');
    expect(await page.locator('.verdict-message').textContent()).toMatch(/Calibrated confidence \d+(\.\d)? %/);
    expect(await page.locator('.probs .prob-label').allTextContents()).toEqual(['Glioma', 'Meningioma', 'No tumour', 'Pituitary']);
    const heat = page.locator('.answer-heatmap img');
    expect(await heat.isVisible()).toBe(true);
    // decoded and drawn (the CSP allows data: images): the 300 px map at its own size
    expect((await heat.boundingBox())?.width).toBe(300);
    expect(await page.locator('a', { hasText: 'Download PDF' }).getAttribute('href')).toMatch(/^\/history\/[0-9a-f-]{36}\/report\.pdf$/);
    expect(await page.locator('footer .disclaimer').textContent()).toMatch(/not for clinical use/i);
    // the record it links to is the same answer
    await page.click('a:text("this record")');
    expect(await page.locator('h1').textContent()).toBe('Glioma');
  });

  it('draws every probability bar as long as its figure, without a script and without a style attribute (the CSP forbids them)', async () => {
    await page.goto(`${h.base}/`);
    expect(await analyse(page, await solidPng(300, 300, 255))).toBe(200);
    const csp = (await page.request.get(`${h.base}/`)).headers()['content-security-policy'] ?? '';
    expect(csp).toMatch(/style-src 'self'(;|$)/); // no 'unsafe-inline': a style="width: …" would not apply
    // the bars were empty: a script gave the spans their widths, and it never ran
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      const rows = page.locator('.probs li');
      const drawn: { figure: string; percentOfTrack: number }[] = [];
      for (let i = 0; i < (await rows.count()); i++) {
        const track = await rows.nth(i).locator('.bar').boundingBox();
        const fill = await rows.nth(i).locator('.bar > *').boundingBox();
        expect(await rows.nth(i).locator('.bar, .bar *').evaluateAll((els) => els.filter((e) => e.hasAttribute('style')).length)).toBe(0);
        drawn.push({ figure: (await rows.nth(i).locator('.prob-value').textContent()) ?? '', percentOfTrack: ((fill?.width ?? 0) / (track?.width ?? 1)) * 100 });
      }
      expect(drawn.length).toBe(4);
      for (const { figure, percentOfTrack } of drawn) {
        // "67.1 %", "< 0.1 %" (drawn as a 0.5 % sliver), "> 99.9 %"
        const shown = /^</.test(figure) ? 0.5 : /^>/.test(figure) ? 100 : Math.max(0.5, parseFloat(figure));
        expect({ width, figure, within: Math.abs(percentOfTrack - shown) < 0.5 }).toEqual({ width, figure, within: true });
      }
      expect(Math.max(...drawn.map((d) => d.percentOfTrack))).toBeGreaterThan(10); // not all slivers
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('the form and the answer fit a phone (390 px) and pass axe (serious/critical, contrast; light and dark)', async () => {
    await page.goto(`${h.base}/`);
    await page.screenshot({ path: path.join(SHOTS, 'nojs-analyse-1280.png'), fullPage: true });
    const problems: unknown[] = await phoneProblems(page, 'nojs-analyse');
    problems.push(...(await axeScanAsRendered(h, page, 'nojs-analyse')));
    await analyse(page, await solidPng(300, 300, 255));
    problems.push(...(await phoneProblems(page, 'nojs-answer')));
    problems.push(...(await axeScanAsRendered(h, page, 'nojs-answer')));
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(problems).toEqual([]);
  });

  it('a page opened before logging in again (a stale token): 403 page saying to open the form again (not reload: that re-sends the stale token), nothing analysed', async () => {
    await page.goto(`${h.base}/`);
    // logged out and in again in another tab: the first tab's token belongs to the old login
    const other = await context.newPage();
    await other.goto(`${h.base}/`);
    await Promise.all([other.waitForURL(/\/login/), other.click('.logout-form button')]);
    await logIn(other, h.base);
    await other.close();
    const before = await h.app.get(PrismaService).analysis.count();
    expect(await analyse(page, await solidPng(300, 300, 255))).toBe(403);
    expect(await h.app.get(PrismaService).analysis.count()).toBe(before);
    expect(await page.locator('h1').textContent()).toBe("The form expired or did not come from this site (CSRF check failed). Open the form's page again from its link and send it from there: reloading this page would send the same expired form again.");
    expect(await page.title()).toBe('Error: Not allowed · MRI Sentinel');
  });

  it('a file over the size limit: 413 page saying so', async () => {
    await page.goto(`${h.base}/`);
    // noise does not compress: 300×300 RGB is ~270 KB as PNG, over the 200 KB limit
    const noisy = await sharp(randomBytes(300 * 300 * 3), { raw: { width: 300, height: 300, channels: 3 } }).png().toBuffer();
    expect(noisy.length).toBeGreaterThan(MAX_UPLOAD_BYTES);
    expect(await analyse(page, noisy)).toBe(413);
    expect(await page.locator('h1').textContent()).toBe('The file exceeds the 195 KB limit.'); // 200 000 bytes, as the API says it
    expect(await page.title()).toBe('Error: Too large · MRI Sentinel');
  });
});
