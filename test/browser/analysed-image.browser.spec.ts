/**
 * The result page shows the image the model analysed (Debian's Chromium via playwright-core, fake
 * models). A 16-bit grey PNG holding a 12-bit scan is scaled by its maximum for the model, but
 * Chromium draws its top 8 bits: the page's "Original" and the picture under the heat map were a
 * black square (mean 15 of 255 for this file) beside a heat map and a PDF figure of the white
 * image the model saw. A grey PNG tagged with a linear grey ICC profile, which the model is given
 * as stored (as ml/ does), was drawn ~47 levels brighter. The page now shows the result's
 * `preview` for such files.
 */
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { greyIccProfile, pngWithIcc } from '../support/icc-profiles';
import { drawnPixels, HAVE_CHROMIUM, useSignedInPage } from './harness';

const ADMIN = { email: 'analysed-image-admin@example.org', password: 'analysed-image-password-1' };

/** Mean red value of an <img> as Chromium draws it. */
async function drawnMean(page: Page, selector: string): Promise<number> {
  const d = (await drawnPixels(page, selector)).rgba;
  let sum = 0;
  for (let i = 0; i < d.length; i += 4) sum += d[i];
  return sum / (d.length / 4);
}

(HAVE_CHROMIUM ? describe : describe.skip)('the result page shows the analysed image', () => {
  const h = useSignedInPage({ admin: ADMIN });

  it('a 12-bit scan in a 16-bit grey PNG is shown as analysed (white to the model), not as the black top 8 bits', async () => {
    // 4000 everywhere: scaled by its maximum it is white (the fakes say brain, with a heat map); 4000 >> 8 = 15
    const png = await sharp(new Uint16Array(256 * 256).fill(4000), { raw: { width: 256, height: 256, channels: 1 } }).toColourspace('grey16').png().toBuffer();
    const page = h.page;
    await page.goto(`${h.base}/`);
    await page.setInputFiles('#file-input', { name: 'scan16.png', mimeType: 'image/png', buffer: png });
    await page.click('#submit-btn');
    await page.locator('#result-heatmap').waitFor({ state: 'visible' });
    expect(await drawnMean(page, '#result-original')).toBeGreaterThan(240);
    expect(await drawnMean(page, '.viewer-base')).toBeGreaterThan(240);
  });

  it('a grey PNG tagged with a linear grey profile is shown with the values the model was given, not brightened by the profile', async () => {
    const raw = Buffer.alloc(256 * 256);
    for (let i = 0; i < raw.length; i++) raw[i] = (i % 256 + (i >> 8)) >> 1;
    const stored = raw.reduce((s, v) => s + v, 0) / raw.length;
    const png = pngWithIcc(await sharp(raw, { raw: { width: 256, height: 256, channels: 1 } }).toColourspace('b-w').png().toBuffer(), greyIccProfile(1.0));
    const page = h.page;
    await page.goto(`${h.base}/`);
    await page.setInputFiles('#file-input', { name: 'tagged.png', mimeType: 'image/png', buffer: png });
    await page.click('#submit-btn');
    await page.locator('#state-result').waitFor({ state: 'visible' });
    expect(Math.abs((await drawnMean(page, '#result-original')) - stored)).toBeLessThan(3);
  });
});
