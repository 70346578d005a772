/**
 * An experimental model's answer showed two "Model card" links a few lines apart, to the same page:
 * one in the experimental warning, one after the confidence's explanation. A screen reader's list of
 * links read "Model card, Model card". The warning's link stays; the explanation links the card only
 * when there is no warning. Fake models (a white image reads as a brain MRI, whose fake model is
 * experimental); skipped without Chromium.
 */
import sharp from 'sharp';
import { analyseFromPage, HAVE_CHROMIUM, useSignedInPage } from './harness';

const ADMIN = { email: 'card-link@example.org', password: 'card-link-password-1' };

(HAVE_CHROMIUM ? describe : describe.skip)('the result\'s model card link', () => {
  const h = useSignedInPage({ admin: ADMIN });

  it('an experimental answer links its model card once', async () => {
    const page = h.page;
    const white = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toBuffer();
    await analyseFromPage(page, white);
    await expect(page.locator('#verdict-experimental').isVisible()).resolves.toBe(true);
    // the pipeline list's per-stage "model card" links (one per model) are another matter
    const links = await page.locator('#state-result a').evaluateAll((as) => as.filter((a) => a.textContent === 'Model card').map((a) => a.getAttribute('href')));
    expect(links).toHaveLength(1);
    expect(links[0]).toMatch(/^\/models\//);
  });
});
