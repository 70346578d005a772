/**
 * Issue 5 — real browser. Debian's chromium (/usr/bin/chromium; .ci/run installs it) driven by
 * playwright-core against the whole app listening on a free port: sign in, drag-and-drop a
 * brain MRI, pick a gallery sample, upload a chest X-ray and read the refusal, a 6 MB file
 * blocked before upload, the rate-limit message, the PDF download, and the server going away.
 * Screenshots of every state at 1280 and 390 px wide go to artifacts/browser/ (not committed).
 *
 * Models: the trained ones when models/ has them; otherwise the deterministic fakes, with a
 * white image standing in for "a brain MRI" (fakes say brain + a label) and a black one for
 * "a chest X-ray" (fakes say not MRI). The UI, not the models, is under test here.
 */
import { NestExpressApplication } from '@nestjs/platform-express';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { BrowserContext, chromium, Page } from 'playwright-core';
import sharp from 'sharp';
import { FAKE_MODELS_DIR, REPO_ROOT, SAMPLES_DIR, startApp, testConfig } from '../support/app';
import { countBodyReads } from './harness';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
const HAVE_REAL_MODELS = fs.existsSync(path.join(REPO_ROOT, 'models', 'triage', 'model_card.json'));
const HAVE_ACCOUNTS = fs.existsSync(path.join(REPO_ROOT, 'src', 'accounts', 'accounts.module.ts'));
const HAVE_REPORTS = fs.existsSync(path.join(REPO_ROOT, 'src', 'reports'));
const SHOTS = path.join(REPO_ROOT, 'artifacts', 'browser');
const ADMIN = { email: 'browser-admin@example.org', password: 'browser-test-password-1' };
const ANALYSES_PER_MINUTE = 8;

const describeBrowser = HAVE_CHROMIUM ? describe : describe.skip;

describeBrowser('the analysis page in headless Chromium', () => {
  let app: NestExpressApplication;
  let base: string;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  let brain: { bytes: Buffer; name: string; type: string };
  let xray: { bytes: Buffer; name: string; type: string };
  const apiCalls: string[] = [];

  /** Elements sticking out to the right of the viewport (horizontal scrolling on a phone). */
  const overflow: Record<string, string[]> = {};

  async function shoot(name: string): Promise<void> {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
      const wide = await page.evaluate(() => {
        const out: string[] = [];
        for (const el of Array.from(document.querySelectorAll("body *"))) {
          const r = el.getBoundingClientRect();
          if (r.width > 0 && r.right > window.innerWidth + 1) out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${typeof el.className === 'string' && el.className ? '.' + el.className.split(' ').join('.') : ''} (right ${Math.round(r.right)})`);
        }
        return out;
      });
      if (wide.length) overflow[`${name}@${width}`] = wide.slice(0, 8);
      await page.screenshot({ path: path.join(SHOTS, `${name}-${width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  }

  async function resultShown(): Promise<void> {
    await page.locator('#state-result').waitFor({ state: 'visible' });
  }

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    if (HAVE_REAL_MODELS) {
      brain = { bytes: fs.readFileSync(path.join(SAMPLES_DIR, 'brain-glioma-1.jpg')), name: 'brain-glioma-1.jpg', type: 'image/jpeg' };
      xray = { bytes: fs.readFileSync(path.join(SAMPLES_DIR, 'not-mri-chest-xray.jpg')), name: 'not-mri-chest-xray.jpg', type: 'image/jpeg' };
    } else {
      const solid = (v: number) => sharp({ create: { width: 256, height: 256, channels: 3, background: { r: v, g: v, b: v } } }).png().toBuffer();
      brain = { bytes: await solid(255), name: 'stand-in-brain.png', type: 'image/png' };
      xray = { bytes: await solid(0), name: 'stand-in-xray.png', type: 'image/png' };
    }
    app = await startApp(
      testConfig({
        MODELS_DIR: HAVE_REAL_MODELS ? path.join(REPO_ROOT, 'models') : FAKE_MODELS_DIR,
        SEED_ADMIN_EMAIL: ADMIN.email,
        SEED_ADMIN_PASSWORD: ADMIN.password,
        SEED_ADMIN_PRINT: 'false',
        RATE_LIMIT_ANALYSES_PER_MINUTE: String(ANALYSES_PER_MINUTE),
      }),
    );
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
    page.on('request', (r) => {
      if (r.url().includes('/api/v1/analyses')) apiCalls.push(r.method());
    });
  });

  afterAll(async () => {
    await context?.close();
    try {
      await app?.close();
    } catch {
      /* the last test already stopped the server */
    }
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  });

  it('signs in (when the app has accounts) and shows the upload page', async () => {
    await page.goto(`${base}/`);
    if (HAVE_ACCOUNTS) {
      expect(new URL(page.url()).pathname).toBe('/login');
      await shoot('01-login');
      await page.fill('input[name="email"]', ADMIN.email);
      await page.fill('input[name="password"]', ADMIN.password);
      await Promise.all([page.waitForURL(`${base}/`), page.click('button[type="submit"]')]);
    }
    await page.locator('#dropzone').waitFor({ state: 'visible' });
    await expect(page.locator('h1').first().textContent()).resolves.toContain('Analyse');
    await shoot('02-upload-page');
  });

  it('drag-and-drop a brain MRI: label, confidence, probabilities and heat map', async () => {
    const dt = await page.evaluateHandle(
      ({ b64, name, type }) => {
        const bin = atob(b64);
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, { type }));
        return transfer;
      },
      { b64: brain.bytes.toString('base64'), name: brain.name, type: brain.type },
    );
    for (const ev of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent('#dropzone', ev, { dataTransfer: dt });
    await page.locator('#selected').waitFor({ state: 'visible' });
    await expect(page.locator('#selected-name').textContent()).resolves.toBe(brain.name);
    await page.click('#submit-btn');
    await resultShown();

    await expect(page.locator('#status-badge').textContent()).resolves.toBe('completed');
    const label = (await page.locator('#verdict-label').textContent())?.trim();
    expect(label).toBeTruthy();
    await expect(page.locator('#confidence-value').textContent()).resolves.toMatch(/^(\d+(\.\d)? %|> 99\.9 %)$/);
    expect(await page.locator('#probs li').count()).toBeGreaterThanOrEqual(2);
    await page.locator('#heatmap-figure').waitFor({ state: 'visible' });
    const heat = await page.locator('#result-heatmap').evaluate((img: HTMLImageElement) => ({ src: img.src.slice(0, 22), w: img.naturalWidth, complete: img.complete }));
    expect(heat.src).toBe('data:image/jpeg;base64');
    expect(heat.w).toBeGreaterThan(0);
    await expect(page.locator('#stages li').count()).resolves.toBe(4);
    await shoot('03-brain-result');
  });

  it('stacks the original above the heat map on a phone, side by side on a wide screen (docs/ui.md)', async () => {
    // on a 390 px phone the two sat side by side, each a thumbnail a third of the screen wide
    const boxes = async () => ({ orig: await page.locator('.viewer-orig').boundingBox(), heat: await page.locator('#heatmap-figure').boundingBox() });
    const wideBoxes = await boxes();
    expect(wideBoxes.heat!.x).toBeGreaterThan(wideBoxes.orig!.x + wideBoxes.orig!.width - 1);
    await page.setViewportSize({ width: 390, height: 844 });
    const phone = await boxes();
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(phone.heat!.y).toBeGreaterThanOrEqual(phone.orig!.y + phone.orig!.height - 1);
    expect(phone.heat!.width).toBeGreaterThan(300);
  });

  (HAVE_REPORTS ? it : it.skip)('downloads the PDF report of that result', async () => {
    await page.locator('#pdf-btn').waitFor({ state: 'visible' });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#pdf-btn')]);
    const file = path.join(SHOTS, 'report.pdf');
    await download.saveAs(file);
    const pdf = fs.readFileSync(file);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(1000);
  });

  it('picks a sample from the gallery and analyses it', async () => {
    await page.click('#tab-samples');
    const sample = page.locator('button.sample[data-sample^="brain-"]').first();
    await sample.waitFor({ state: 'visible' });
    const file = await sample.getAttribute('data-sample');
    // gallery thumbnails load (not broken images)
    const thumbs = await page.locator('.gallery img').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
    expect(thumbs.length).toBeGreaterThan(0);
    await shoot('04-gallery');
    await sample.click();
    await expect(page.locator('#selected-name')).toBeTruthy();
    await page.waitForFunction((f) => document.getElementById('selected-name')?.textContent === f, file);
    await page.click('#submit-btn');
    await resultShown();
    await expect(page.locator('#status-badge').textContent()).resolves.toMatch(/^(completed|inconclusive|rejected)$/);
    if (HAVE_REAL_MODELS) await expect(page.locator('#status-badge').textContent()).resolves.toBe('completed');
    await shoot('05-sample-result');
    await page.click('#tab-upload');
  });

  it('a sample clicked while an earlier one is still loading is the one analysed; the late one is dropped', async () => {
    await page.click('#tab-samples');
    const [first, second] = await page.locator('button.sample').evaluateAll((els) => els.slice(0, 2).map((e) => e.getAttribute('data-sample') as string));
    const reads = await countBodyReads(page, 'blob');
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    await page.route(`**/samples/${first}`, async (route) => {
      await held; // a slow connection: the first sample arrives after the second
      await route.continue();
    });
    await page.click(`button.sample[data-sample="${first}"]`);
    await page.click(`button.sample[data-sample="${second}"]`);
    await page.waitForFunction((f) => document.getElementById('selected-name')?.textContent === f, second);
    await page.click('#submit-btn');
    await resultShown();
    release();
    await reads.readsAtLeast(2);
    await page.evaluate(() => new Promise((r) => window.setTimeout(r, 0)));
    await page.unroute(`**/samples/${first}`);
    // the gallery's choice, the selected image and the result shown all stay the second sample
    await expect(page.locator('button.sample[aria-checked="true"]').getAttribute('data-sample')).resolves.toBe(second);
    await expect(page.locator('#selected-name').textContent()).resolves.toBe(second);
    await expect(page.locator('#state-result').isVisible()).resolves.toBe(true);
    await page.click('#tab-upload');
  });

  it('uploads a chest X-ray and shows the refusal reason', async () => {
    await page.setInputFiles('#file-input', { name: xray.name, mimeType: xray.type, buffer: xray.bytes });
    await page.waitForFunction((n) => document.getElementById('selected-name')?.textContent === n, xray.name);
    await page.click('#submit-btn');
    await resultShown();
    await expect(page.locator('#status-badge').textContent()).resolves.toBe('rejected');
    await expect(page.locator('#verdict-label').textContent()).resolves.toBe('Not an MRI image');
    const reason = await page.locator('#verdict-message').textContent();
    expect(reason?.length ?? 0).toBeGreaterThan(10);
    await expect(page.locator('#heatmap-figure').isHidden()).resolves.toBe(true);
    // the modality stage states its verdict with the confidence in that verdict (not P(MRI))
    const modality = await page.locator('#stages li').nth(1).locator('.stage-detail').textContent();
    expect(modality).toMatch(/^not MRI \(((5\d|[6-9]\d)(\.\d)? %|> 99\.9 %)\)/);
    await shoot('06-xray-refused');
  });

  it('a long file name without spaces (a scanner export\'s) wraps on a 360 px phone', async () => {
    // "Image: long_patient03_…_axial_011.jpg" under the answer did not wrap: the page scrolled sideways
    const name = 'long_patient03_long_patient03_study2_FLAIR_axial_011_exported.jpg';
    await page.setInputFiles('#file-input', { name, mimeType: xray.type, buffer: xray.bytes });
    await page.waitForFunction((n) => document.getElementById('selected-name')?.textContent === n, name);
    await page.click('#submit-btn');
    await resultShown();
    await expect(page.locator('#verdict-file').textContent()).resolves.toContain(name);
    const sideways = async (): Promise<number> => {
      await page.setViewportSize({ width: 360, height: 740 });
      const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      await page.setViewportSize({ width: 1280, height: 800 });
      return over;
    };
    expect(await sideways()).toBe(0);
    // the page's own refusal names the file too ("“…” is not a JPEG or PNG image.")
    await page.setInputFiles('#file-input', { name: name.replace('.jpg', '.txt'), mimeType: 'text/plain', buffer: Buffer.from('not an image') });
    await page.locator('#client-error').waitFor({ state: 'visible' });
    expect(await sideways()).toBe(0);
    // and a batch row's status
    const text = { mimeType: 'text/plain', buffer: Buffer.from('not an image') };
    await page.setInputFiles('#file-input', [{ name: `a_${name}.txt`, ...text }, { name: `b_${name}.txt`, ...text }]);
    await page.locator('#batch-summary', { hasText: '2 not analysed' }).waitFor();
    expect(await sideways()).toBe(0);
    await page.click('#batch-clear');
  });

  it('blocks a 6 MB file before uploading it', async () => {
    const before = apiCalls.length;
    const big = Buffer.concat([brain.bytes, Buffer.alloc(6 * 1024 * 1024 - brain.bytes.length, 7)]);
    await page.setInputFiles('#file-input', { name: 'six-megabytes.jpg', mimeType: 'image/jpeg', buffer: big });
    const msg = page.locator('#client-error');
    await msg.waitFor({ state: 'visible' });
    await expect(msg.textContent()).resolves.toMatch(/6(\.0)? MB; the limit is 5 MB/);
    await expect(page.locator('#submit-btn').isDisabled()).resolves.toBe(true);
    expect(apiCalls.length).toBe(before);
    await shoot('07-too-large');
  });

  (HAVE_ACCOUNTS ? it : it.skip)('shows the rate-limit message when the per-user limit is reached', async () => {
    await page.setInputFiles('#file-input', { name: xray.name, mimeType: xray.type, buffer: xray.bytes });
    await page.waitForFunction(() => !(document.getElementById('submit-btn') as HTMLButtonElement).disabled);
    let limited = false;
    for (let i = 0; i <= ANALYSES_PER_MINUTE && !limited; i++) {
      await page.click('#submit-btn');
      await page.waitForFunction(() => !document.getElementById('state-result')!.hidden || !document.getElementById('state-error')!.hidden);
      limited = await page.locator('#state-error').isVisible();
      if (!limited) await page.waitForFunction(() => !(document.getElementById('submit-btn') as HTMLButtonElement).disabled);
    }
    expect(limited).toBe(true);
    await expect(page.locator('#error-code').textContent()).resolves.toContain('TOO_MANY_REQUESTS');
    await expect(page.locator('#error-message').textContent()).resolves.toMatch(/\S{3,}/);
    await expect(page.locator('#retry-btn').isVisible()).resolves.toBe(true);
    // the wait counts down on the page; Retry stays disabled until it ends (test/browser/analysis-page covers the end)
    await expect(page.locator('#retry-btn').isDisabled()).resolves.toBe(true);
    await expect(page.locator('#error-countdown').textContent()).resolves.toMatch(/again in \d+ s/);
    await shoot('08-rate-limited');
  });

  it('never needs horizontal scrolling, at 1280 or 390 px wide', () => {
    expect(overflow).toEqual({});
  });

  it('shows the retry prompt when the server goes away', async () => {
    await page.reload(); // the rate-limit wait of the test above belongs to that page's life
    if (!(await page.locator('#submit-btn').isEnabled())) {
      await page.setInputFiles('#file-input', { name: xray.name, mimeType: xray.type, buffer: xray.bytes });
      await page.waitForFunction(() => !(document.getElementById('submit-btn') as HTMLButtonElement).disabled);
    }
    const server = app.getHttpServer();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await page.click('#submit-btn');
    await page.locator('#state-error').waitFor({ state: 'visible' });
    await expect(page.locator('#error-title').textContent()).resolves.toBe('Network error');
    await expect(page.locator('#retry-btn').isVisible()).resolves.toBe(true);
    await shoot('09-server-gone');
  });
});
