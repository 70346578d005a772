/**
 * One name per outcome, from the server's words, on every surface (Debian's Chromium via
 * playwright-core, fake models). The browser kept its own copy of the label words
 * (result-view.js) and named outcomes its own way: the image page said "Spine MRI recognised"
 * where the history said "Spine MRI — no validated model", its Body part stage "brain" where the
 * history said "Brain", and the study page "Unable to determine" for a study's own reasons where
 * the history said "Slice disagreement". Words are read from the DOM's text.
 */
import sharp from 'sharp';
import { pdfFlatText } from '../helpers/pdf-text';
import { TRIAGE_LABELS } from '../support/cards';
import { dicomSeries, syntheticSlice } from '../support/study-fixtures';
import { HAVE_CHROMIUM, useSignedInPage } from './harness';
import { displayName, humanLabel, pageWords, resultTitle, TitledRecord } from '../../src/presentation/labels';

const ADMIN = { email: 'outcome-words-admin@example.org', password: 'outcome-words-password-1' };

/** Every outcome a page can be asked to name: each code (and an unknown one) under each status, each label, each body part. */
function outcomes(): TitledRecord[] {
  const w = pageWords();
  const keys = [...Object.keys(w.labels), ...TRIAGE_LABELS, 'glioma', 'meningioma', 'pituitary', 'herniation', 'some_new_label'];
  const codes = [...Object.keys(w.codes), 'SOME_NEW_REASON', null];
  const out: TitledRecord[] = [];
  for (const status of ['completed', 'inconclusive', 'rejected']) {
    for (const code of codes) out.push({ status, code, label: null, anatomy: null });
    for (const anatomy of keys) out.push({ status, code: 'NO_VALIDATED_MODEL', label: null, anatomy });
  }
  for (const label of keys) out.push({ status: 'completed', code: null, label, anatomy: 'brain' });
  return out;
}

(HAVE_CHROMIUM ? describe : describe.skip)('each outcome reads the same on the live pages, the history and the PDFs', () => {
  const h = useSignedInPage({ admin: ADMIN, env: { RATE_LIMIT_ANALYSES_PER_MINUTE: '200' } });

  const text = async (sel: string) => ((await h.page.locator(sel).first().textContent()) ?? '').trim();

  it('the image and study pages carry the server\'s words (labels.ts pageWords), not a copy of their own', async () => {
    for (const path of ['/', '/studies']) {
      await h.page.goto(`${h.base}${path}`);
      const words = await h.page.evaluate(() => JSON.parse(document.body.getAttribute('data-words')!));
      expect(words).toEqual(JSON.parse(JSON.stringify(pageWords())));
    }
  });

  it('the page names every outcome, label and body part as labels.ts does', async () => {
    await h.page.goto(`${h.base}/`);
    const list = outcomes();
    const keys = [...new Set(list.flatMap((r) => [r.label, r.anatomy]).filter((k): k is string => !!k))];
    const got = await h.page.evaluate(
      ({ list, keys }) => ({
        titles: list.map((r) => window.Sentinel.headline(r)),
        words: keys.map((k: string) => window.Sentinel.pretty(k)),
        names: keys.map((k: string) => window.Sentinel.displayName(k)),
      }),
      { list, keys },
    );
    expect(got.titles).toEqual(list.map((r) => resultTitle(r)));
    expect(got.words).toEqual(keys.map((k) => humanLabel(k)));
    expect(got.names).toEqual(keys.map((k) => displayName(k)));
  });

  it('a knee MRI with no validated model: one title and "Knee" on the image page, its PDF, the history list and detail', async () => {
    // mid grey: the fake triage says knee, which has no diagnosis model
    const grey = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toBuffer();
    await h.page.goto(`${h.base}/`);
    await h.page.setInputFiles('#file-input', { name: 'grey.png', mimeType: 'image/png', buffer: grey });
    const [res] = await Promise.all([h.page.waitForResponse((r) => r.url().endsWith('/api/v1/analyses')), h.page.click('#submit-btn')]);
    const body = (await res.json()) as { code: string; analysisId: string };
    expect(body.code).toBe('NO_VALIDATED_MODEL');
    await h.page.locator('#state-result').waitFor({ state: 'visible' });
    const title = 'Knee MRI — no validated model';
    await expect(text('#verdict-label')).resolves.toBe(title);
    await expect(h.page.locator('#stages .stage-detail').nth(2).textContent()).resolves.toMatch(/^Knee \(\d+\.\d %\)$|^Knee \(> 99\.9 %\)$/);

    await h.page.locator('#pdf-btn').waitFor({ state: 'visible' });
    const [download] = await Promise.all([h.page.waitForEvent('download'), h.page.click('#pdf-btn')]);
    const chunks: Buffer[] = [];
    for await (const c of (await download.createReadStream()) as AsyncIterable<Buffer>) chunks.push(c);
    expect(pdfFlatText(Buffer.concat(chunks))).toContain(`MRI Sentinel — ${title}`);

    await h.page.goto(`${h.base}/history`);
    const row = h.page.locator('tr', { has: h.page.locator(`a[href="/history/${body.analysisId}"]`) });
    await expect(row.locator('strong').textContent()).resolves.toBe(title);
    await expect(row.locator('td[data-label="Body part"]').textContent()).resolves.toBe('Knee');
    await h.page.goto(`${h.base}/history/${body.analysisId}`);
    await expect(text('h1')).resolves.toBe(title);
  });

  // bright slices: brain and glioma on each (fake models); mid grey: knee; black: not MRI
  const bright = (k: number) => syntheticSlice(96, 96, (x, y) => ((x + y + k) % 89 === 0 ? 250 : 255));
  const flat = (v: number) => syntheticSlice(96, 96, () => v);
  it.each([
    // two brain and two knee slices: half agree on the body part, below the 60 % agreement
    ['SLICE_DISAGREEMENT', 'Slice disagreement', [bright(0), bright(1), flat(128), flat(128)]],
    // two usable slices of four, below the default three; the refused two are too few to refuse the study
    ['INSUFFICIENT_SLICES', 'Too few usable slices', [bright(0), bright(1), flat(0), flat(0)]],
  ])('a study\'s own reason (%s): the study page, the history detail and its PDF say "%s"', async (code, title, slices) => {
    await h.page.goto(`${h.base}/studies`);
    await h.page.setInputFiles('#study-files', dicomSeries(slices).map((b, i) => ({ name: `${code}-${i}.dcm`, mimeType: 'application/dicom', buffer: b })));
    const [res] = await Promise.all([h.page.waitForResponse((r) => r.url().endsWith('/api/v1/studies')), h.page.click('#study-submit')]);
    const body = (await res.json()) as { code: string; analysisId: string };
    expect(body.code).toBe(code);
    await h.page.locator('#study-result').waitFor({ state: 'visible' });
    await expect(text('#study-label')).resolves.toBe(title);
    const pdf = await h.page.request.get(`${h.base}/history/${body.analysisId}/report.pdf`);
    expect(pdfFlatText(Buffer.from(await pdf.body()))).toContain(`MRI Sentinel — ${title}`);
    await h.page.goto(`${h.base}/history/${body.analysisId}`);
    await expect(text('h1')).resolves.toBe(title);
  });
});
