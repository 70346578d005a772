/**
 * The image page says what its heat map is, beside it: which class it is for, the method, and what
 * it is not. It was captioned "Heat map over the image", with "Heat map (Grad-CAM)" only in its alt
 * text — no class, nothing on what it is not (users read it as evidence). Fake models: a white image
 * is a brain MRI with glioma, with a heat map.
 */
import sharp from 'sharp';
import { HAVE_CHROMIUM, Harness, launchSignedIn } from './harness';

const ADMIN = { email: 'heatmap-text-admin@example.org', password: 'heatmap-text-password-1' };

(HAVE_CHROMIUM ? describe : describe.skip)('the heat map on the image page says what it is', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await launchSignedIn(ADMIN, {});
  });
  afterAll(async () => h?.close());

  it('the class it is for, the method, not a segmentation, not for clinical use', async () => {
    const page = h.page;
    await page.goto(`${h.base}/`);
    const buffer = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#ffffff' } }).png().toBuffer();
    await page.setInputFiles('#file-input', { name: 'white.png', mimeType: 'image/png', buffer });
    await page.waitForFunction(() => document.getElementById('selected-name')?.textContent === 'white.png');
    await page.click('#submit-btn');
    await page.locator('#result-heatmap').waitFor({ state: 'visible' });
    await expect(page.locator('#verdict-label').textContent()).resolves.toBe('Glioma');
    await expect(page.locator('#heatmap-figure figcaption').textContent()).resolves.toContain('Heat map for Glioma');
    await expect(page.locator('#result-heatmap').getAttribute('alt')).resolves.toMatch(/class activation map \(CAM\) for Glioma/i);
    const note = page.locator('#viewer-slot .heatmap-note');
    await expect(note.isVisible()).resolves.toBe(true);
    await expect(note.textContent()).resolves.toMatch(/class activation map \(CAM.*not a segmentation.*not for clinical use/i);
    await expect(page.locator('#viewer-slot .legend').textContent()).resolves.toMatch(/Less\s*More influence on the answer/);
    await expect(page.locator('#no-focus-note').count()).resolves.toBe(0);
  });

  it('an answer whose map has no region standing out (focus none): no heat map, and the page says so', async () => {
    const page = h.page;
    // the server's own answer, as a flat map would give it (the fakes' maps of a white image have a spot)
    await page.route('**/api/v1/analyses', async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as { explanation: { focus: string } | null };
      if (body.explanation) body.explanation.focus = 'none';
      await route.fulfill({ response: res, body: JSON.stringify(body) });
    });
    try {
      await page.goto(`${h.base}/`);
      const buffer = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#ffffff' } }).png().toBuffer();
      await page.setInputFiles('#file-input', { name: 'flat.png', mimeType: 'image/png', buffer });
      await page.waitForFunction(() => document.getElementById('selected-name')?.textContent === 'flat.png');
      await page.click('#submit-btn');
      await page.locator('#no-focus-note').waitFor({ state: 'visible' });
      await expect(page.locator('#verdict-label').textContent()).resolves.toBe('Glioma');
      await expect(page.locator('#no-focus-note').textContent()).resolves.toMatch(/^No region stands out for this answer/);
      await expect(page.locator('#result-heatmap').count()).resolves.toBe(0);
      await expect(page.locator('#viewer-slot').textContent()).resolves.not.toMatch(/Heat map for/);
      await expect(page.locator('#result-original').isVisible()).resolves.toBe(true);
    } finally {
      await page.unroute('**/api/v1/analyses');
    }
  });
});
