/**
 * The batch list's rows say in words whether each image was answered or refused. A refused image
 * (not an MRI) looked like an answer: the same full green bar, no status, its reason only after
 * "Open" — a user scanning the list could take the refusal for an answer. Each row now leads with
 * the status the single result's badge gives (completed / inconclusive / rejected), then the
 * reason, and the bar of a refusal is not in the colour of an answer. Fake models (a white image
 * reads as a brain MRI, a black one as not an MRI); skipped without Chromium.
 */
import sharp from 'sharp';
import { HAVE_CHROMIUM, axeScan, useSignedInPage } from './harness';

const ADMIN = { email: 'batch-rows@example.org', password: 'batch-rows-password-1' };

(HAVE_CHROMIUM ? describe : describe.skip)('batch rows: answered or refused, in words', () => {
  const h = useSignedInPage({ admin: ADMIN });

  it('a refused image reads "Rejected" with its reason, an answer "Completed", and the summary counts the refusal', async () => {
    const page = h.page;
    const solid = async (v: number): Promise<Buffer> => sharp({ create: { width: 256, height: 256, channels: 3, background: { r: v, g: v, b: v } } }).png().toBuffer();
    await page.setInputFiles('#file-input', [
      { name: 'white.png', mimeType: 'image/png', buffer: await solid(255) },
      { name: 'black.png', mimeType: 'image/png', buffer: await solid(0) },
    ]);
    await page.waitForFunction(() => document.querySelectorAll('#batch-list li.done').length === 2, undefined, { timeout: 30_000 });
    const rows = await page.locator('#batch-list .batch-status').allTextContents();
    expect(rows[0]).toMatch(/^Completed: /);
    expect(rows[1]).toBe('Rejected: Not an MRI image');
    // the state is in the row's text and in its class, not in a colour alone
    await expect(page.locator('#batch-list li').nth(1).getAttribute('class')).resolves.toContain('rejected');
    const accents = await page.locator('#batch-list li progress').evaluateAll((bars) => bars.map((b) => getComputedStyle(b).accentColor));
    expect(accents[1]).not.toBe(accents[0]);
    await expect(page.locator('#batch-summary').textContent()).resolves.toBe('2 of 2 analysed · 1 without an answer');
    expect(await axeScan(page, 'batch rows')).toEqual([]);
  });
});
