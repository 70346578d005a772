/**
 * Shared set-up for the browser specs: the whole app on a free 127.0.0.1 port, Debian's
 * Chromium through playwright-core (never a downloaded browser), sign-in, screenshots at 1280
 * and 390 px under artifacts/browser/, and an axe-core scan (axe injected from node_modules
 * through the DevTools protocol, so a strict CSP on the page does not block it).
 */
import { NestExpressApplication } from '@nestjs/platform-express';
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { FAKE_MODELS_DIR, REPO_ROOT, startApp, testConfig } from '../support/app';

export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
export const SHOTS = path.join(REPO_ROOT, 'artifacts', 'browser');
export const WIDTHS = [1280, 390] as const;
/** Headless in a container, nothing fetched in the background: every Chromium the specs start runs with these. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface Harness {
  app: NestExpressApplication;
  base: string;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function launch(env: Record<string, string>): Promise<Harness> {
  fs.mkdirSync(SHOTS, { recursive: true });
  const app = await startApp(testConfig(env));
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    app,
    base,
    context,
    page,
    async close() {
      await context.close();
      await app.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** A second Chromium, started as launch() starts its own, for specs that open contexts of their own (JavaScript off). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export async function signIn(h: Harness, email: string, password: string): Promise<void> {
  await h.page.goto(`${h.base}/login`);
  await h.page.fill('input[name="email"]', email);
  await h.page.fill('input[name="password"]', password);
  await Promise.all([h.page.waitForURL(`${h.base}/`), h.page.click('button[type="submit"]')]);
}

/** Screenshots at both widths; returns elements sticking out to the right (horizontal scrolling). */
export async function shoot(page: Page, name: string): Promise<string[]> {
  const wide: string[] = [];
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
    const sw = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (sw > 1) wide.push(`${name}@${width}: ${sw}px too wide`);
    await page.screenshot({ path: path.join(SHOTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  return wide;
}

/** Controls that are not words in a sentence: each must be at least 24 × 24 px to tap (WCAG 2.5.8). */
const TAP_TARGETS = '.topnav a, .topnav button, .eyebrow-muted a, .row-links a, .btn, table select, table button';

/**
 * The page as a phone shows it (390 × 844; screenshot phone-NAME.png): what a user would have to
 * scroll sideways for or could not read or tap. The document wider than the screen; a table
 * wider than its box, or any box that scrolls sideways (other than `scrollers`, which do so by
 * design); an element sticking out past the right edge; a tap target under 24 px; the
 * "not for clinical use" banner missing, cut or off the first screen, or the footer disclaimer
 * missing. Leaves the viewport at 390 px.
 */
export async function phoneProblems(page: Page, name: string, scrollers: string[] = ['.slice-strip']): Promise<string[]> {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(SHOTS, `phone-${name}.png`), fullPage: true });
  const found = (await page.evaluate(
    ({ scrollers, taps }: { scrollers: string[]; taps: string }) => {
      const out: string[] = [];
      const label = (el: Element): string => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).join('.') : ''}`;
      const shown = (el: Element): boolean => el.getClientRects().length > 0 && window.getComputedStyle(el).visibility !== 'hidden';
      const de = document.documentElement;
      if (de.scrollWidth > de.clientWidth) out.push(`document ${de.scrollWidth}px wide in ${de.clientWidth}px`);
      for (const el of Array.from(document.querySelectorAll<HTMLElement>('body *'))) {
        if (!shown(el) || el.closest('.visually-hidden') || scrollers.some((s) => el.closest(s))) continue;
        const style = window.getComputedStyle(el);
        const clipped = style.position === 'absolute' && el.clientWidth <= 1; // visually hidden (a stacked table's header row)
        if (clipped) continue;
        if (/auto|scroll/.test(style.overflowX) && el.scrollWidth > el.clientWidth + 1) out.push(`${label(el)} scrolls sideways (${el.scrollWidth}px in ${el.clientWidth}px)`);
        if (el.tagName === 'TABLE' && el.offsetWidth > el.parentElement!.clientWidth + 1) out.push(`${label(el)} ${el.offsetWidth}px wide in a ${el.parentElement!.clientWidth}px box`);
        const r = el.getBoundingClientRect();
        let boxed = false; // inside a box that clips or scrolls: judged by that box above
        for (let p = el.parentElement; p && p !== document.body && !boxed; p = p.parentElement) boxed = window.getComputedStyle(p).overflowX !== 'visible';
        if (!boxed && r.width > 0 && r.right > de.clientWidth + 1) out.push(`${label(el)} sticks out to ${Math.round(r.right)}px`);
      }
      for (const el of Array.from(document.querySelectorAll(taps))) {
        const r = el.getBoundingClientRect();
        if (shown(el) && (r.width < 24 || r.height < 24)) out.push(`${label(el)} "${el.textContent.trim().slice(0, 24)}" is ${Math.round(r.width)}×${Math.round(r.height)}px to tap`);
      }
      const banner = document.querySelector('.research-banner');
      const br = banner?.getBoundingClientRect();
      if (!banner || !shown(banner) || !/not for clinical use/i.test(banner.textContent) || br!.left < 0 || br!.right > de.clientWidth || br!.bottom + window.scrollY > window.innerHeight || banner.scrollWidth > banner.clientWidth) out.push('the "not for clinical use" banner is not fully in view on the first screen');
      const footer = document.querySelector('.footer .disclaimer');
      if (!footer || !shown(footer) || !/not for clinical use/i.test(footer.textContent) || footer.getBoundingClientRect().right > de.clientWidth) out.push('the footer disclaimer is not shown');
      return out;
    },
    { scrollers, taps: TAP_TARGETS },
  )) as string[];
  return found.slice(0, 10).map((p) => `${name}: ${p}`);
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** axe-core on the current page at both widths (and in dark mode at 1280): serious/critical violations and every contrast one. */
export async function axeScan(page: Page, name: string): Promise<AxeViolation[]> {
  const found: AxeViolation[] = [];
  const runs: { width: number; dark: boolean }[] = [
    { width: 1280, dark: false },
    { width: 390, dark: false },
    { width: 1280, dark: true },
  ];
  for (const run of runs) {
    await page.setViewportSize({ width: run.width, height: run.width === 390 ? 844 : 800 });
    await page.emulateMedia({ colorScheme: run.dark ? 'dark' : 'light', reducedMotion: 'reduce' });
    if (run.dark) await page.screenshot({ path: path.join(SHOTS, `dark-${name.replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true });
    const has = await page.evaluate(() => typeof window.axe === 'object');
    if (!has) await page.evaluate(AXE_SOURCE);
    const result = (await page.evaluate(() =>
      window.axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }),
    )) as { violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] };
    for (const v of result.violations) {
      if (v.impact === 'serious' || v.impact === 'critical' || v.id === 'color-contrast') {
        found.push({ id: `${name}@${run.width}${run.dark ? '-dark' : ''}: ${v.id}`, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 4).map((n) => n.target.join(' ')) });
      }
    }
  }
  await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' });
  await page.setViewportSize({ width: 1280, height: 800 });
  return found;
}

/** A file handed to the page as if dropped (DataTransfer with File objects). */
export async function drop(page: Page, selector: string, files: { name: string; type: string; bytes: Buffer }[]): Promise<void> {
  const dt = await page.evaluateHandle((list: { name: string; type: string; b64: string }[]) => {
    const transfer = new window.DataTransfer();
    for (const f of list) {
      const bin = window.atob(f.b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      transfer.items.add(new window.File([bytes], f.name, { type: f.type }));
    }
    return transfer;
  }, files.map((f) => ({ name: f.name, type: f.type, b64: f.bytes.toString('base64') })));
  for (const ev of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent(selector, ev, { dataTransfer: dt });
}

/**
 * Files or folders on disk dropped on `selector` as a user drags them from the file manager: through
 * the DevTools protocol's drag events, so that a folder arrives as the browser hands a real one — one
 * item whose `webkitGetAsEntry()` is a directory entry, read with its readers — which a DataTransfer
 * built in the page (`drop` above) cannot make.
 */
export async function dropFromDisk(page: Page, selector: string, paths: string[]): Promise<void> {
  const box = await page.locator(selector).boundingBox();
  if (!box) throw new Error(`${selector} is not on screen`);
  const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const cdp = await page.context().newCDPSession(page);
  const data = { items: [], files: paths, dragOperationsMask: 1 };
  for (const type of ['dragEnter', 'dragOver', 'drop']) await cdp.send('Input.dispatchDragEvent', { type: type as 'dragEnter', ...at, data });
  await cdp.detach();
}

/**
 * Counts the page's `Response.json()` or `.blob()` reads from now on; `readsAtLeast(n)` waits until n
 * have finished. A test that holds one response back knows when the late one has been handled (the
 * page acts on it in the promise step right after the read) instead of sleeping.
 */
export async function countBodyReads(page: Page, kind: 'json' | 'blob'): Promise<{ readsAtLeast: (n: number) => Promise<void> }> {
  await page.evaluate((k: 'json' | 'blob') => {
    const proto: Record<'json' | 'blob', (this: Response) => Promise<unknown>> = window.Response.prototype;
    const read = proto[k];
    window.__bodyReads = 0;
    proto[k] = function (this: Response) {
      return read.call(this).then((v: unknown) => {
        window.__bodyReads += 1;
        return v;
      });
    };
  }, kind);
  return { readsAtLeast: async (n: number) => void (await page.waitForFunction((m: number) => window.__bodyReads >= m, n)) };
}

/** The app's environment for the fake models with `admin` seeded (not printed), plus `env`. */
function seededEnv(admin: { email: string; password: string }, env: Record<string, string>): Record<string, string> {
  return { MODELS_DIR: FAKE_MODELS_DIR, SEED_ADMIN_EMAIL: admin.email, SEED_ADMIN_PASSWORD: admin.password, SEED_ADMIN_PRINT: 'false', ...env };
}

export interface SignedInPageOptions {
  /** the account seeded as admin (its password is not printed) */
  admin: { email: string; password: string };
  /** more of the app's environment; a MODELS_DIR here replaces the fake models */
  env?: Record<string, string>;
  /** false: the admin is seeded but the page stays signed out (the spec signs in, or tests the login itself) */
  signIn?: boolean;
}

/**
 * One app and browser for the enclosing describe: launched (and signed in as `admin`, unless
 * `signIn: false`) in a beforeAll, closed in an afterAll, both registered here. Returns the harness
 * as a live view, read when a test or a later hook uses it (the describe body runs before any
 * beforeAll, so it has no harness yet to hand out). A spec's own beforeAll, declared after this
 * call, runs after the launch.
 */
export function useSignedInPage(options: SignedInPageOptions): Harness {
  const { admin, env = {}, signIn: signedIn = true } = options;
  let h: Harness | undefined;
  const live = (): Harness => {
    if (!h) throw new Error('the browser harness is launched in beforeAll: use it inside a test or a hook');
    return h;
  };
  beforeAll(async () => {
    h = await launch(seededEnv(admin, env));
    if (signedIn) await signIn(h, admin.email, admin.password);
  });
  afterAll(async () => h?.close());
  return {
    get app() { return live().app; },
    get base() { return live().base; },
    get context() { return live().context; },
    get page() { return live().page; },
    close: () => live().close(),
  };
}

/**
 * Sends `bytes` (a PNG unless `mimeType` says otherwise) from the analysis page open in `page` and
 * waits for `shown` (the result card or a part of it): the JSON the page's own request was answered.
 */
export async function analyseFromPageAnswer<T extends { analysisId: string }>(page: Page, bytes: Buffer, options: { name?: string; mimeType?: string; shown?: string } = {}): Promise<T> {
  const { name = 'white.png', mimeType = 'image/png', shown = '#state-result' } = options;
  await page.setInputFiles('#file-input', { name, mimeType, buffer: bytes });
  await page.waitForFunction((chosen) => document.getElementById('selected-name')?.textContent === chosen, name);
  const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/v1/analyses')), page.click('#submit-btn')]);
  await page.locator(shown).waitFor({ state: 'visible' });
  return (await res.json()) as T;
}

/** analyseFromPageAnswer for a PNG: the id of the analysis's history record. */
export async function analyseFromPage(page: Page, png: Buffer, options: { name?: string; shown?: string } = {}): Promise<string> {
  return (await analyseFromPageAnswer(page, png, options)).analysisId;
}

/**
 * `n` records in the signed-in user's history, each a text file (`${prefix}${i}.txt`) that the file
 * checks refuse, so no model runs; posted from the analysis page with its session.
 */
export async function addRefusedRecords(h: Harness, n: number, prefix: string): Promise<void> {
  await h.page.goto(`${h.base}/`);
  await h.page.evaluate(async ({ n, prefix }: { n: number; prefix: string }) => {
    for (let i = 0; i < n; i++) {
      const fd = new window.FormData();
      fd.append('image', new window.Blob([`not an image ${i}`], { type: 'text/plain' }), `${prefix}${i}.txt`);
      await window.fetch('/api/v1/analyses', { method: 'POST', body: fd });
    }
  }, { n, prefix });
}

/**
 * The pixels of the <img> at `selector` as Chromium draws it (decoded, turned by its EXIF
 * orientation, colour-managed): drawn on a canvas at its natural size and read back, RGBA.
 */
export async function drawnPixels(page: Page, selector: string): Promise<{ width: number; height: number; rgba: Buffer }> {
  const drawn = await page.evaluate(async (sel: string) => {
    const img = document.querySelector<HTMLImageElement>(sel)!;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const d: Uint8ClampedArray = ctx.getImageData(0, 0, c.width, c.height).data;
    // as base64: a JSON array of every byte would be several times larger
    let bin = '';
    for (let i = 0; i < d.length; i += 0x8000) bin += String.fromCharCode(...d.subarray(i, i + 0x8000));
    return { width: c.width as number, height: c.height as number, base64: window.btoa(bin) as string };
  }, selector);
  return { width: drawn.width, height: drawn.height, rgba: Buffer.from(drawn.base64, 'base64') };
}
