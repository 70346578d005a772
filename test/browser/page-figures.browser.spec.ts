/**
 * The image page's figures and names against the server's (Debian's Chromium via playwright-core,
 * fake models). result-view.js kept its own copies: the pipeline said "Is it an MRI?" where the
 * history and the PDF say "MRI check", its percent wrote "NaN %" where labels.ts writes "—", and
 * the PDF it saved was named with the browser's date of today instead of the analysis date the
 * server's Content-Disposition name carries. The stage names and the PDF name now come from the
 * server; the percent and MRI-check figure stay in the browser (they format API results) and are
 * compared here with labels.ts over every case. So are the MRI check's words (the stage list wrote
 * "MRI · 97.0 %" where the history and the PDF wrote "MRI (97.0 %)" for the same record), the body
 * part's ("Brain · 97.0 %" against "Brain (97.0 %)") and the
 * byte sizes the pages measure before uploading (the upload page wrote "680 B", the study page
 * "12.3 KB", where the history wrote "680 bytes" and "12 KB"; 1 048 575 bytes read "1024 KB").
 */
import sharp from 'sharp';
import { dicomSeries, syntheticSlice } from '../support/study-fixtures';
import { HAVE_CHROMIUM, useSignedInPage } from './harness';
import { bodyPartLine, capitalise, humanBytes, humanStage, pageWords, reportFileName } from '../../src/presentation/labels';
import { percent } from '../../src/presentation/percent';
import { countOf } from '../../src/presentation/plural';
import { MriCheckFields, mriCheck, mriFigure, refusedByImageChecks } from '../../src/presentation/mri-check';

/** Byte counts at the rounding edges of each unit, and values that are no size at all. */
const SIZES: unknown[] = [0, 1, 2, 680, 1023, 1024, 1535, 1536, 12_345, 1_048_063, 1_048_064, 1_048_575, 1_048_576, 1_101_004, 1_101_005, 1_572_864, 5_242_880, 5_242_881, 6_000_000, 536_870_912, -5, NaN, Infinity, null, undefined];

const ADMIN = { email: 'page-figures-admin@example.org', password: 'page-figures-password-1' };

/** Values a formatter meets: the rounding edges of both ends, out-of-range, non-finite and missing ones. */
const VALUES: unknown[] = [0, 0.0004, 0.0004999, 0.0005, 0.00051, 0.1234, 0.5, 0.6, 0.99949, 0.9995, 0.99951, 1, 1.2, -0.1, NaN, Infinity, -Infinity, null, undefined, '0.5'];

/** Every MRI-check case: each verdict, figure, code and shape of probabilities (including ties and a missing not_mri). */
function mriCases(): MriCheckFields[] {
  const probs: (Record<string, number> | null)[] = [null, { brain: 0.6, knee: 0.4 }, { not_mri: 0.9, brain: 0.1 }, { not_mri: 0.1, brain: 0.9 }, { not_mri: 0.5, brain: 0.5 }, { brain: 0.5, not_mri: 0.5 }, { not_mri: 1 }];
  const out: MriCheckFields[] = [];
  for (const isMri of [true, false, null]) {
    for (const mriConfidence of [null, 0, 0.02, 0.59996, 0.7, 0.99999]) {
      for (const code of ['NOT_MRI', 'LOW_CONFIDENCE', null]) for (const probabilities of probs) out.push({ isMri, mriConfidence, code, probabilities });
    }
  }
  return out;
}

(HAVE_CHROMIUM ? describe : describe.skip)('the image page\'s figures and names are the server\'s', () => {
  const h = useSignedInPage({ admin: ADMIN });

  it('writes every count and its noun as plural.ts countOf does ("1 images", "the folder\'s 1 files" were written)', async () => {
    await h.page.goto(`${h.base}/`);
    const cases: [number, string, string | undefined][] = [];
    for (const n of [0, 1, 2, 1234]) for (const [one, many] of [['image', undefined], ['file', undefined], ['study', 'studies']] as const) cases.push([n, one, many]);
    const got = await h.page.evaluate((list: [number, string, string | undefined][]) => list.map(([n, one, many]) => window.Sentinel.count(n, one, many)), cases);
    expect(got).toEqual(cases.map(([n, one, many]) => countOf(n, one, many)));
    expect(got.slice(3, 6)).toEqual(['1 image', '1 file', '1 study']);
  });

  it('writes every percent as labels.ts percent does', async () => {
    await h.page.goto(`${h.base}/`);
    // NaN, ±Infinity and undefined do not survive the trip into the page as JSON: sent by name
    const sent = VALUES.map((v) => (typeof v === 'number' && !Number.isFinite(v)) || v === undefined ? { name: String(v) } : { value: v });
    const got = await h.page.evaluate((list: { name?: string; value?: unknown }[]) => {
      const names: Record<string, unknown> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, undefined: undefined };
      return list.map((x) => window.Sentinel.pct(x.name !== undefined ? names[x.name] : x.value));
    }, sent);
    expect(got).toEqual(VALUES.map((v) => percent(v as number | null | undefined)));
  });

  it('decides the MRI check\'s figure as labels.ts does (refused by the image checks, P(MRI) or 1 − P(MRI))', async () => {
    await h.page.goto(`${h.base}/`);
    const cases = mriCases();
    const got = await h.page.evaluate((list: MriCheckFields[]) => list.map((r) => [window.Sentinel.refusedByImageChecks(r), window.Sentinel.mriFigure(r)]), cases);
    expect(got).toEqual(cases.map((r) => [refusedByImageChecks(r), mriFigure(r)]));
  });

  it('writes every byte size as labels.ts humanBytes does', async () => {
    await h.page.goto(`${h.base}/`);
    const sent = SIZES.map((v) => (typeof v === 'number' && !Number.isFinite(v)) || v === undefined ? { name: String(v) } : { value: v });
    const got = await h.page.evaluate((list: { name?: string; value?: unknown }[]) => {
      const names: Record<string, unknown> = { NaN: NaN, Infinity: Infinity, undefined: undefined };
      return list.map((x) => window.Sentinel.bytes(x.name !== undefined ? names[x.name] : x.value));
    }, sent);
    expect(got).toEqual(SIZES.map((v) => humanBytes(v as number | null | undefined)));
  });

  it('the upload and study pages size a chosen file as the history would', async () => {
    // PNG magic, then padding: the size line shows before any decoding
    const png = (n: number) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(n - 8)]);
    await h.page.goto(`${h.base}/`);
    await h.page.setInputFiles('#file-input', { name: 'edge.png', mimeType: 'image/png', buffer: png(1_048_575) });
    await h.page.locator('#selected').waitFor({ state: 'visible' });
    await expect(h.page.locator('#selected-size').textContent()).resolves.toBe(humanBytes(1_048_575));
    await h.page.goto(`${h.base}/studies`);
    await h.page.setInputFiles('#study-files', { name: 'slice.dcm', mimeType: 'application/dicom', buffer: Buffer.alloc(12_345) });
    await expect(h.page.locator('#study-selected').textContent()).resolves.toBe(`1 file · ${humanBytes(12_345)}`);
  });

  it('writes the MRI check as mri-check.ts mriCheck does, over every case', async () => {
    await h.page.goto(`${h.base}/`);
    // and with the triage threshold the result was decided at (a refusal as not confidently an MRI writes P(MRI) against it)
    // and as a study's answer (its P(MRI) the mean over its slices; the slice count unknown too): the page wrote
    // "not confidently MRI (MRI 70.0 %)" where the history and the PDF say it is that mean
    const cases = mriCases()
      .flatMap((r) => [r, { ...r, thresholds: { triage: 0.6 } }, { ...r, thresholds: { triage: 0.8 } }])
      .flatMap((r) => [r, { ...r, study: { sliceCount: 20 } }, { ...r, study: { sliceCount: 1 } }, { ...r, study: { sliceCount: null } }, { ...r, study: null }])
      // and with the answer's refusal: an image check names itself (a study's, how many of its slices), the model's keeps its figure
      .flatMap((r) => [r, { ...r, refusal: { cause: 'colour', figures: { colourShare: 0.1 } } }, { ...r, refusal: { cause: 'head_ct', figures: { refusedSlices: 3, slices: 4 } } }, { ...r, refusal: { cause: 'colour', figures: { refusedSlices: 4, causeSlices: 2, slices: 4 } } }, { ...r, refusal: { cause: 'triage_not_mri', figures: { notMri: 0.9 } } }]);
    const got = await h.page.evaluate((list: MriCheckFields[]) => list.map((r) => window.Sentinel.mriCheck(r, r.thresholds)), cases);
    expect(got).toEqual(cases.map(mriCheck));
    expect(got).toContain('not MRI (refused by the colour check)');
    expect(got).toContain('not MRI (3 of 4 slices refused by the head-CT check)');
    expect(got).toContain('not MRI (4 of 4 slices refused, 2 by the colour check)');
    expect(got).toContain('not confidently MRI (MRI 59.996 %)');
    expect(got).toContain('not confidently MRI (MRI 70.0 % on average over all 20 slices)');
    expect(got).toContain('not confidently MRI (MRI 70.0 % on average over all the slices)');
    expect(got).toContain('not confidently MRI (MRI 70.0 % on its one slice)'); // not "over all 1 slices"
  });

  it('the study page gives the MRI check in the history\'s words: a study refused for its unsure slices says its figure is their mean', async () => {
    // the server's answer for a study most of whose slices were not confidently MRI (the fake models cannot make one)
    const bright = dicomSeries(Array.from({ length: 3 }, (_, k) => syntheticSlice(96, 96, (x, y) => ((x + y + k) % 89 === 0 ? 250 : 255))));
    let sent: MriCheckFields | undefined;
    await h.page.route('**/api/v1/studies', async (route) => {
      const real = await (await route.fetch()).json();
      const body = { ...real, status: 'rejected', stage: 'modality', code: 'LOW_CONFIDENCE', isMri: false, mriConfidence: 0.638, anatomy: null, anatomyConfidence: null,
        label: null, confidence: null, probabilities: {}, caveat: null, experimental: false, thresholds: { triage: 0.6 },
        message: '2 of 3 slices were refused: Not confidently an MRI image (MRI 55.0 %, below the 60.0 % confidence threshold).' };
      sent = body;
      await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
    });
    try {
      await h.page.goto(`${h.base}/studies`);
      await h.page.setInputFiles('#study-files', bright.map((b, i) => ({ name: `s${i}.dcm`, mimeType: 'application/dicom', buffer: b })));
      await h.page.click('#study-submit');
      await h.page.locator('#study-result').waitFor({ state: 'visible' });
      const line = await h.page.locator('#study-meta dt:text-is("MRI check") + dd').textContent();
      expect(line).toBe(mriCheck(sent!));
      expect(line).toBe('not confidently MRI (MRI 63.8 % on average over all 3 slices)');
    } finally {
      await h.page.unroute('**/api/v1/studies');
    }
  });

  it('writes the body part as labels.ts bodyPartLine does, over every case', async () => {
    await h.page.goto(`${h.base}/`);
    const cases = [null, 'brain', 'knee', 'other_mri', 'not_mri'].flatMap((anatomy) => [null, 0, 0.0004, 0.5, 0.97, 0.99999].map((anatomyConfidence) => ({ anatomy, anatomyConfidence })));
    const got = await h.page.evaluate((list: { anatomy: string | null; anatomyConfidence: number | null }[]) => list.map((r) => window.Sentinel.bodyPart(r)), cases);
    expect(got).toEqual(cases.map(bodyPartLine));
  });

  it('names the pipeline stages as the history and the PDF do, in the server\'s order', async () => {
    // mid grey: the fake triage says knee, which has no diagnosis model
    const grey = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toBuffer();
    await h.page.goto(`${h.base}/`);
    await h.page.setInputFiles('#file-input', { name: 'grey.png', mimeType: 'image/png', buffer: grey });
    const [res] = await Promise.all([h.page.waitForResponse((r) => r.url().endsWith('/api/v1/analyses')), h.page.click('#submit-btn')]);
    const body = (await res.json()) as { analysisId: string };
    await h.page.locator('#state-result').waitFor({ state: 'visible' });
    const names = await h.page.locator('#stages .stage-name').allTextContents();
    expect(names).toEqual(Object.keys(pageWords().stages).map((k) => capitalise(humanStage(k))));
    expect(names[1]).toBe('MRI check');
    // the MRI check and the body part of this result in the history's words for its record
    const record = (await (await h.page.request.get(`${h.base}/api/v1/history/${body.analysisId}`)).json()) as MriCheckFields & Parameters<typeof bodyPartLine>[0];
    const details = await h.page.locator('#stages .stage-detail').allTextContents();
    expect(details[1]).toBe(mriCheck(record));
    // and the body part (knee, passed: no "decided here" after it)
    expect(details[2]).toBe(bodyPartLine(record));
  });

  it('saves the PDF under the server\'s name, dated by the analysis, when downloaded on a later day', async () => {
    const grey = await sharp({ create: { width: 200, height: 200, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toBuffer();
    await h.page.goto(`${h.base}/`);
    await h.page.setInputFiles('#file-input', { name: 'grey.png', mimeType: 'image/png', buffer: grey });
    const [res] = await Promise.all([h.page.waitForResponse((r) => r.url().endsWith('/api/v1/analyses')), h.page.click('#submit-btn')]);
    const body = (await res.json()) as { analysisId: string };
    await h.page.locator('#pdf-btn').waitFor({ state: 'visible' });
    const record = (await (await h.page.request.get(`${h.base}/api/v1/history/${body.analysisId}`)).json()) as { status: string; code: string | null; label: string | null; anatomy: string | null; createdAt: string };
    // the page is left open past midnight: the browser's clock says two days later
    await h.page.clock.setFixedTime(new Date(Date.parse(record.createdAt) + 2 * 86_400_000));
    const [download, report] = await Promise.all([
      h.page.waitForEvent('download'),
      h.page.waitForResponse((r) => r.url().endsWith('/api/v1/reports')),
      h.page.click('#pdf-btn'),
    ]);
    expect(report.headers()['content-disposition']).toBe(`attachment; filename="${reportFileName(record)}"`);
    expect(download.suggestedFilename()).toBe(reportFileName(record));
    expect(download.suggestedFilename()).toContain(record.createdAt.slice(0, 10));
  });
});
