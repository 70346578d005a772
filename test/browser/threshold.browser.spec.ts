/**
 * The confidence bar on the analysis page, with CONFIDENCE_THRESHOLD=0.4 and the fake models: the
 * mark and the sentence name the threshold that decided (they said the card's 60 %), and the bar's
 * colour follows the answer (it compared the confidence with that 60 % in the browser: an answer
 * at 50 % was drawn as below the threshold).
 */
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { FAKE_MODELS_DIR } from '../support/app';
import { HAVE_CHROMIUM, Harness, launch, signIn } from './harness';

const ADMIN = { email: 'threshold-admin@example.org', password: 'threshold-test-password-1' };

(HAVE_CHROMIUM ? describe : describe.skip)('the confidence bar at CONFIDENCE_THRESHOLD=0.4', () => {
  let h: Harness;
  let page: Page;

  beforeAll(async () => {
    h = await launch({ MODELS_DIR: FAKE_MODELS_DIR, CONFIDENCE_THRESHOLD: '0.4', SEED_ADMIN_EMAIL: ADMIN.email, SEED_ADMIN_PASSWORD: ADMIN.password, SEED_ADMIN_PRINT: 'false' });
    page = h.page;
    await signIn(h, ADMIN.email, ADMIN.password);
  });
  afterAll(async () => h?.close());

  it('shows the 40 % threshold and an answer at ~50 % as above it', async () => {
    // light grey: the fake brain model's glioma at ~50 % (answered at 40 %)
    const bytes = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 250, g: 250, b: 250 } } }).png().toBuffer();
    await page.setInputFiles('#file-input', { name: 'grey.png', mimeType: 'image/png', buffer: bytes });
    await page.waitForFunction(() => document.getElementById('selected-name')?.textContent === 'grey.png');
    const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/v1/analyses')), page.click('#submit-btn')]);
    await page.locator('#state-result').waitFor({ state: 'visible' });
    const r = (await res.json()) as { status: string; confidence: number };
    expect(r.status).toBe('completed');
    expect(r.confidence).toBeLessThan(0.6);
    await expect(page.locator('#confidence-bar').getAttribute('class')).resolves.toBe('above');
    await expect(page.locator('#confidence-explain').textContent()).resolves.toContain('below the 40.0 % threshold');
    await expect(page.locator('#threshold-mark').evaluate((e: HTMLElement) => e.style.left)).resolves.toBe('40%');
  });
});
