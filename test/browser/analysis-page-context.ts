/**
 * What the analysis-page browser tests share (analysis-page.browser.spec.ts and the tests it
 * registers from analysis-page-limits.ts): one server and Chromium page, signed in as an admin, the
 * images analysed (the trained models and the sample gallery when present, else the deterministic
 * fakes: a white image reads as a brain MRI, a black one as not an MRI), the page's actions, and the
 * axe findings and horizontal-scroll checks collected along the way and asserted at the end.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { pdfText } from '../helpers/pdf-text';
import { FAKE_MODELS_DIR, REPO_ROOT, SAMPLES_DIR } from '../support/app';
import { AxeViolation, Harness, launch, SHOTS, signIn } from './harness';

export const REAL = fs.existsSync(path.join(REPO_ROOT, 'models', 'triage', 'model_card.json')) && fs.existsSync(path.join(SAMPLES_DIR, 'spine-herniation.jpg'));
const ADMIN = { email: 'page-admin@example.org', password: 'page-test-password-1' };
export type Img = { name: string; type: string; bytes: Buffer };
export const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export interface AnalysisPage {
  h: Harness;
  page: Page;
  brain: Img;
  brain2: Img;
  xray: Img;
  /** a spine MRI: only with the trained models */
  spine: Img | null;
  /** pages that needed horizontal scrolling (shoot()) */
  wide: string[];
  axe: AxeViolation[];
  resultShown(): Promise<void>;
  choose(img: Img): Promise<void>;
  analyse(): Promise<Record<string, any>>;
  downloadPdf(button?: string): Promise<{ text: string; name: string }>;
  setUp(): Promise<void>;
  close(): Promise<void>;
}

/** The shared state, filled by setUp() (beforeAll); the tests read it once they run. */
export function analysisPage(): AnalysisPage {
  const sample = (f: string): Img => ({ name: f, type: 'image/jpeg', bytes: fs.readFileSync(path.join(SAMPLES_DIR, f)) });
  const c: AnalysisPage = {
    h: undefined as unknown as Harness,
    page: undefined as unknown as Page,
    brain: undefined as unknown as Img,
    brain2: undefined as unknown as Img,
    xray: undefined as unknown as Img,
    spine: null,
    wide: [],
    axe: [],
    resultShown: () => c.page.locator('#state-result').waitFor({ state: 'visible' }),
    async choose(img) {
      await c.page.setInputFiles('#file-input', { name: img.name, mimeType: img.type, buffer: img.bytes });
      await c.page.waitForFunction((n) => document.getElementById('selected-name')?.textContent === n, img.name);
    },
    async analyse() {
      const [res] = await Promise.all([c.page.waitForResponse((r) => r.url().endsWith('/api/v1/analyses')), c.page.click('#submit-btn')]);
      await c.resultShown();
      return (await res.json()) as Record<string, any>;
    },
    async downloadPdf(button = '#pdf-btn') {
      const [download] = await Promise.all([c.page.waitForEvent('download'), c.page.click(button)]);
      const file = path.join(SHOTS, `page-${download.suggestedFilename()}`);
      await download.saveAs(file);
      return { text: pdfText(fs.readFileSync(file)), name: download.suggestedFilename() };
    },
    async setUp() {
      if (REAL) {
        [c.brain, c.brain2, c.xray, c.spine] = [sample('brain-glioma-1.jpg'), sample('brain-pituitary-2.jpg'), sample('not-mri-chest-xray.jpg'), sample('spine-herniation.jpg')];
      } else {
        const solid = async (v: number, name: string): Promise<Img> => ({ name, type: 'image/png', bytes: await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: v, g: v, b: v } } }).png().toBuffer() });
        [c.brain, c.brain2, c.xray, c.spine] = [await solid(255, 'white-1.png'), await solid(250, 'white-2.png'), await solid(0, 'black.png'), null];
      }
      c.h = await launch({
        MODELS_DIR: REAL ? path.join(REPO_ROOT, 'models') : FAKE_MODELS_DIR,
        SEED_ADMIN_EMAIL: ADMIN.email,
        SEED_ADMIN_PASSWORD: ADMIN.password,
        SEED_ADMIN_PRINT: 'false',
        RATE_LIMIT_ANALYSES_PER_MINUTE: '200',
      });
      c.page = c.h.page;
      await signIn(c.h, ADMIN.email, ADMIN.password);
    },
    close: async () => c.h?.close(),
  };
  return c;
}
