/**
 * The server's message ("Most likely: glioma (99.3 % calibrated confidence).") is shown as sent, with
 * an ordinary space before the "%": at some phone widths the "%" started the next line. Each figure is
 * kept whole where the pages show a message (figures.js showMessage on the analysis and study pages,
 * view-helpers.ts `figures` on the history detail and the no-JS answer); the API's words are unchanged.
 * Every width from 320 to 480 px is tried, as verdict-figure.browser.spec.ts does. Fake models.
 */
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { dicomSeries, syntheticSlice } from '../support/study-fixtures';
import { HAVE_CHROMIUM, useSignedInPage } from './harness';

const ADMIN = { email: 'message-figures-admin@example.org', password: 'message-figures-password-1' };

/** The widths (320–480 px) at which a figure of the message at `selector` runs over two lines. */
async function splitWidths(page: Page, selector: string): Promise<number[]> {
  const split: number[] = [];
  for (let width = 320; width <= 480; width++) {
    await page.setViewportSize({ width, height: 844 });
    const lines = await page.evaluate((sel: string) => {
      const p = document.querySelector(sel)!;
      // the figures of the whole paragraph, across its text nodes (a span may hold one)
      const text: string = p.textContent;
      const figures = Array.from(text.matchAll(/(?:[<>] )?\d+(?:\.\d+)? %/g));
      const at = (offset: number): [Node, number] => {
        const walker = document.createTreeWalker(p, 4);
        let seen = 0;
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          if (offset <= seen + n.textContent!.length) return [n, offset - seen];
          seen += n.textContent!.length;
        }
        throw new Error('offset past the text');
      };
      return figures.map((m) => {
        const range = document.createRange();
        range.setStart(...at(m.index));
        range.setEnd(...at(m.index + m[0].length));
        return new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
      });
    }, selector);
    expect(lines.length).toBeGreaterThan(0);
    if (lines.some((n) => n > 1)) split.push(width);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  return split;
}

(HAVE_CHROMIUM ? describe : describe.skip)('a message\'s figures are never split from their per-cent sign', () => {
  const h = useSignedInPage({ admin: ADMIN, env: { RATE_LIMIT_ANALYSES_PER_MINUTE: '1000' } });

  it('the analysis page', async () => {
    await h.page.goto(`${h.base}/`);
    const bright = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toBuffer();
    await h.page.setInputFiles('#file-input', { name: 'white.png', mimeType: 'image/png', buffer: bright });
    const [res] = await Promise.all([h.page.waitForResponse((r) => r.url().endsWith('/api/v1/analyses')), h.page.click('#submit-btn')]);
    const body = (await res.json()) as { message: string; analysisId: string };
    await h.page.locator('#state-result').waitFor({ state: 'visible' });
    // the API's words, shown as sent
    expect(body.message).toMatch(/^Most likely: .*\(\d+(\.\d)? % calibrated confidence\)\.$/);
    expect(await h.page.locator('#verdict-message').textContent()).toBe(body.message);
    expect(await splitWidths(h.page, '#verdict-message')).toEqual([]);
  });

  it('a refusal\'s reason on the history detail (server-rendered, as the no-JS answer is)', async () => {
    const black = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toBuffer();
    await h.page.goto(`${h.base}/`);
    await h.page.setInputFiles('#file-input', { name: 'black.png', mimeType: 'image/png', buffer: black });
    const [res] = await Promise.all([h.page.waitForResponse((r) => r.url().endsWith('/api/v1/analyses')), h.page.click('#submit-btn')]);
    const body = (await res.json()) as { message: string; analysisId: string };
    await h.page.goto(`${h.base}/history/${body.analysisId}`);
    // the record's reason (record-reason.ts), with the figure the refusal was decided by
    expect(await h.page.locator('.verdict-message').textContent()).toMatch(/\d %/);
    expect(await splitWidths(h.page, '.verdict-message')).toEqual([]);
  });

  it('the study page', async () => {
    const series = dicomSeries(Array.from({ length: 3 }, (_, k) => syntheticSlice(96, 96, (x, y) => ((x + y + k) % 89 === 0 ? 250 : 255))));
    await h.page.goto(`${h.base}/studies`);
    await h.page.setInputFiles('#study-files', series.map((b, i) => ({ name: `s${i}.dcm`, mimeType: 'application/dicom', buffer: b })));
    const [res] = await Promise.all([h.page.waitForResponse((r) => r.url().endsWith('/api/v1/studies')), h.page.click('#study-submit')]);
    const body = (await res.json()) as { message: string };
    await h.page.locator('#study-result').waitFor({ state: 'visible' });
    expect(body.message).toMatch(/\d %/);
    expect(await h.page.locator('#study-message').textContent()).toBe(body.message);
    expect(await splitWidths(h.page, '#study-message')).toEqual([]);
  });
});
