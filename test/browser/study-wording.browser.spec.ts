/**
 * The study page words a result as the image page does (Debian's Chromium via playwright-core,
 * fake models). Last session's walkthrough found: a CT series refused from its header showed a
 * "Probabilities (study)" heading over nothing and "Slices 2 slices"; the answer read "glioma"
 * and "Not analysed" where the image page reads "Glioma" and "Not an MRI image"; a tiny study
 * probability read "0.0%" where the image page reads "< 0.1 %"; the details named models by key
 * ("brain_tumor") and spacing with "?". Words are read from the DOM's text (not the rendering),
 * so CSS capitalisation cannot hide a lower-case label.
 */
import { dicomSeries, syntheticSlice } from '../support/study-fixtures';
import { HAVE_CHROMIUM, useSignedInPage } from './harness';

const ADMIN = { email: 'study-words-admin@example.org', password: 'study-words-password-1' };

(HAVE_CHROMIUM ? describe : describe.skip)('study page wording matches the image page', () => {
  // bright slices: the fake triage says brain, the fake diagnosis glioma
  const bright = dicomSeries(Array.from({ length: 3 }, (_, k) => syntheticSlice(96, 96, (x, y) => ((x + y + k) % 89 === 0 ? 250 : 255))));
  const ct = dicomSeries(Array.from({ length: 2 }, () => syntheticSlice(64, 64, () => 200)), { modality: 'CT', geometry: false });

  const h = useSignedInPage({ admin: ADMIN, env: { RATE_LIMIT_ANALYSES_PER_MINUTE: '200' } });

  async function analyse(files: Buffer[], prefix: string): Promise<void> {
    await h.page.goto(`${h.base}/studies`);
    await h.page.setInputFiles('#study-files', files.map((b, i) => ({ name: `${prefix}${i}.dcm`, mimeType: 'application/dicom', buffer: b })));
    await h.page.click('#study-submit');
    await h.page.locator('#study-result').waitFor({ state: 'visible' });
  }
  const text = async (sel: string) => ((await h.page.locator(sel).textContent()) ?? '').trim();

  // each `it` reads one thing off the same rendered result, so each defect fails on its own
  it('a CT series refused from its header: the image page headline ("Not an MRI image", not "Not analysed")', async () => {
    await analyse(ct, 'ct');
    await expect(text('#study-badge')).resolves.toBe('rejected');
    await expect(text('#study-label')).resolves.toBe('Not an MRI image');
  });

  it('… no "Probabilities (study)" heading over an empty list', async () => {
    await expect(h.page.locator('#study-result h4', { hasText: 'Probabilities (study)' }).isVisible()).resolves.toBe(false);
  });

  it('… the slice summary does not repeat its heading ("Slices 2 slices")', async () => {
    const summary = await text('#study-slice-summary');
    expect(summary).not.toMatch(/^\d+ slices$/);
    expect(summary).toContain('none analysed');
  });

  it('… the details in the history\'s words', async () => {
    const meta = await text('#study-meta');
    expect(meta).toContain('DICOM series · CT');
    expect(meta).toContain('slice unknown'); // the history's words, not "?"
    expect(meta).not.toContain('?');
    expect(meta).not.toMatch(/undefined|NaN/);
  });

  it('a completed series: "Glioma" in the heading', async () => {
    // the real answer, with figures at the edges of the formatter: pct() must say "< 0.1 %" and "> 99.9 %"
    await h.page.route('**/api/v1/studies', async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      if (res.ok()) {
        body.probabilities = { glioma: 0.9996, meningioma: 0.0002, pituitary: 0.00015, notumor: 0.00005 };
        body.confidence = 0.9996;
      }
      await route.fulfill({ response: res, json: body });
    });
    await analyse(bright, 'b');
    await h.page.unroute('**/api/v1/studies');
    await expect(text('#study-badge')).resolves.toBe('completed');
    await expect(text('#study-label')).resolves.toBe('Glioma');
  });

  it('… and in the slice strip', async () => {
    const labels = await h.page.locator('#study-strip .slice-label').allTextContents();
    expect(labels).toEqual(['1 · Glioma', '2 · Glioma', '3 · Glioma']);
  });

  it('… percentages from the image page\'s formatter ("< 0.1 %", "> 99.9 %"), bars still CSS widths', async () => {
    const values = await h.page.locator('#study-probs .prob-value').allTextContents();
    expect(values).toEqual(['> 99.9 %', '< 0.1 %', '< 0.1 %', '< 0.1 %']);
    await expect(text('#study-confidence')).resolves.toBe('> 99.9 %');
    // bar widths stay CSS lengths (pct()'s "< 0.1 %" is not one)
    const widths = await h.page.locator('#study-probs .bar span').evaluateAll((els) => els.map((e) => (e as unknown as { style: { width: string } }).style.width));
    expect(widths.every((w) => /^\d+(\.\d+)?%$/.test(w))).toBe(true);
  });

  it('… model names in words, agreement as a share, the slice detail worded like the strip', async () => {
    const meta = await text('#study-meta');
    expect(meta).toContain('triage model');
    expect(meta).not.toContain('brain_tumor');
    expect(meta).toMatch(/Agreement\s*100 %/);
    await h.page.locator('#study-strip .slice-btn').first().click();
    await expect(text('#slice-detail-status')).resolves.toMatch(/^completed · Glioma \d/);
  });
});
