/**
 * A result refused just below the confidence threshold (0.59996 under the card's 0.6): its message
 * said "59.996 % … below the 60.000 % confidence threshold", but the confidence block beside it read
 * "60.0 %" under a bar reaching the 60.0 % mark, and so did the pipeline list, the batch row and the
 * announcement. The answer is the server's shape with that one figure (the fake models cannot land
 * at 0.59996): fulfilled in the browser, the page renders it as it renders any result. Its probability
 * list gave the refused class "60.0 %" too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { bodyPartLine, BodyPartFields } from '../../src/presentation/labels';
import { mriCheck, MriCheckFields } from '../../src/presentation/mri-check';
import { agreementPercent, percentBeside, thresholdPercent } from '../../src/presentation/percent';
import { probabilityFigure, withheldOutOfDistribution } from '../../src/presentation/record-reason';
import { pctBelow } from '../../src/validation/triage-decision';
import { FAKE_MODELS_DIR } from '../support/app';
import { FIGURE_BESIDE_CASES } from '../support/figure-beside-cases';
import { dicomSeries, syntheticSlice } from '../support/study-fixtures';
import { analyseFromPage, HAVE_CHROMIUM, useSignedInPage } from './harness';

const ADMIN = { email: 'threshold-figures-admin@example.org', password: 'threshold-figures-password-1' };

(HAVE_CHROMIUM ? describe : describe.skip)('a refusal just below the threshold on the analysis and study pages', () => {
  const h = useSignedInPage({ admin: ADMIN });

  it('writes a figure below its threshold as triage-decision.ts pctBelow does', async () => {
    await h.page.goto(`${h.base}/`);
    const cases: [number, number][] = [[0.5, 0.6], [0.59996, 0.6], [0.599999999, 0.6], [0.60041, 0.60049], [0.3999, 0.4], [0, 0.6]];
    const got = await h.page.evaluate((list: [number, number][]) => list.map(([v, t]) => window.Sentinel.pctBelow(v, t)), cases);
    expect(got).toEqual(cases.map(([v, t]) => pctBelow(v, t)));
  });

  it('writes a threshold as percent.ts thresholdPercent does: as it is, never rounded below a refused figure', async () => {
    await h.page.goto(`${h.base}/`);
    const cases = [0.6, 0.8, 0.4, 0.58348, 0.6125, 0.59996, 1 / 3, 0.999];
    const got = await h.page.evaluate((list: number[]) => list.map((t) => window.Sentinel.thresholdPct(t)), cases);
    expect(got).toEqual(cases.map(thresholdPercent));
    expect(got.slice(0, 4)).toEqual(['60.0 %', '80.0 %', '40.0 %', '58.348 %']);
  });

  it('a list entry of a refused result is written as record-reason.ts probabilityFigure writes it', async () => {
    await h.page.goto(`${h.base}/`);
    type Fields = Parameters<typeof probabilityFigure>[0] & { status: string; probabilities: Record<string, number> };
    const thresholds = { triage: 0.6, brain_tumor: 0.6 };
    const low: Fields = { status: 'inconclusive', stage: 'diagnosis', code: 'LOW_CONFIDENCE', task: 'brain_tumor', confidence: 0.59996, probabilities: { glioma: 0.59996, notumor: 0.3, meningioma: 0.10004 }, mriConfidence: 0.99, anatomyConfidence: 0.99, thresholds };
    const { confidence: _absent, ...withoutConfidence } = low;
    const records: Fields[] = [
      low,
      { ...low, confidence: 0.45, probabilities: { glioma: 0.45, notumor: 0.3, meningioma: 0.25 } },
      { ...low, confidence: 0.94, probabilities: { glioma: 0.94, notumor: 0.04, meningioma: 0.02 } }, // withheld: not refused by its figure
      { ...low, status: 'completed', code: null, confidence: 0.6, probabilities: { glioma: 0.6, notumor: 0.3, meningioma: 0.1 } },
      { ...low, stage: 'anatomy', task: 'triage', confidence: null, anatomyConfidence: 0.5999, probabilities: { brain: 0.5999, knee: 0.3, not_mri: 0.1001 } },
      { ...low, stage: 'modality', task: 'triage', confidence: null, mriConfidence: 0.59996, probabilities: { not_mri: 0.40004, brain: 0.59996 } },
      // a diagnosis refusal without its confidence: the server reads the top probability (confidence ?? top)
      { ...low, confidence: null },
      withoutConfidence as Fields, // an answer without the field
      { ...low, confidence: null, probabilities: { glioma: 0.94, notumor: 0.04, meningioma: 0.02 } },
      // answered just above CONFIDENCE_THRESHOLD=0.58348, and a body part without a validated model: it read "58.3 %" beside "58.348 %"
      { ...low, status: 'completed', code: null, confidence: 0.58349, probabilities: { glioma: 0.58349, notumor: 0.3, meningioma: 0.11651 }, thresholds: { triage: 0.58348, brain_tumor: 0.58348 } },
      { ...low, stage: 'anatomy', task: 'triage', code: 'NO_VALIDATED_MODEL', confidence: null, anatomyConfidence: 0.58349, probabilities: { knee: 0.58349, brain: 0.3, not_mri: 0.11651 }, thresholds: { triage: 0.58348 } },
    ];
    const got = await h.page.evaluate((list: Fields[]) => list.map((r) => Object.keys(r.probabilities).map((k) => window.Sentinel.decidingPct(r, r.thresholds, r.probabilities[k]))), records);
    expect(got).toEqual(records.map((r) => Object.values(r.probabilities).map((v) => probabilityFigure(r, v))));
    expect(got[0]).toEqual(['59.996 %', '30.0 %', '10.0 %']);
    // the page read "60.0 %" for these: it looked at the confidence only
    expect(got[6]).toEqual(['59.996 %', '30.0 %', '10.0 %']);
    expect(got[7]).toEqual(['59.996 %', '30.0 %', '10.0 %']);
    expect(got.slice(9)).toEqual([['58.349 %', '30.0 %', '11.7 %'], ['58.349 %', '30.0 %', '11.7 %']]);
  });

  it('writes a figure beside its threshold as percent.ts percentBeside does, over the one table of cases both run', async () => {
    await h.page.goto(`${h.base}/`);
    // NaN does not survive page.evaluate's JSON: sent as a name
    const sent = FIGURE_BESIDE_CASES.map(([v, t]) => [Number.isNaN(v) ? 'NaN' : v, t] as const);
    const got = await h.page.evaluate((list: (readonly [number | null | 'NaN', number | null])[]) => list.map(([v, t]) => window.Sentinel.pctBeside(v === 'NaN' ? NaN : v, t)), sent);
    expect(got).toEqual(FIGURE_BESIDE_CASES.map(([, , written]) => written));
    expect(got).toEqual(FIGURE_BESIDE_CASES.map(([v, t]) => percentBeside(v, t)));
  });

  it('an answer at 0.58349 under 0.58348: the MRI check and the body part read 58.349 %, as mri-check.ts and labels.ts write them', async () => {
    await h.page.goto(`${h.base}/`);
    const answered: MriCheckFields & BodyPartFields = { isMri: true, mriConfidence: 0.58349, probabilities: null, code: null, stage: 'diagnosis', anatomy: 'brain', anatomyConfidence: 0.58349, thresholds: { triage: 0.58348 }, study: null, refusal: null };
    const cases = [answered, { ...answered, mriConfidence: 0.9, anatomyConfidence: 0.58348 }, { ...answered, thresholds: null }];
    const got = await h.page.evaluate((list: (MriCheckFields & BodyPartFields)[]) => list.map((r) => [window.Sentinel.mriCheck(r, r.thresholds), window.Sentinel.bodyPart(r, r.thresholds)]), cases);
    expect(got).toEqual(cases.map((r) => [mriCheck(r), bodyPartLine(r)]));
    expect(got).toEqual([['MRI (58.349 %)', 'Brain (58.349 %)'], ['MRI (90.0 %)', 'Brain (58.348 %)'], ['MRI (58.3 %)', 'Brain (58.3 %)']]);
  });

  it('a diagnosis refusal without its confidence is withheld or refused by its top probability, as record-reason.ts withheldOutOfDistribution says', async () => {
    await h.page.goto(`${h.base}/`);
    await h.page.waitForFunction(() => typeof window.Sentinel?.withheldOutOfDistribution === 'function');
    const t = JSON.parse(fs.readFileSync(path.join(FAKE_MODELS_DIR, 'brain_tumor', 'model_card.json'), 'utf8')).thresholds.confidence as number;
    type Fields = Parameters<typeof withheldOutOfDistribution>[0];
    const low: Fields = { stage: 'diagnosis', code: 'LOW_CONFIDENCE', task: 'brain_tumor', confidence: null, probabilities: { glioma: 0.94, notumor: 0.04, meningioma: 0.02 }, thresholds: { brain_tumor: t } };
    const records: Fields[] = [
      low,
      { ...low, confidence: 0.94 },
      { ...low, probabilities: { glioma: t - 0.0001, notumor: 1 - t + 0.0001 } },
      { ...low, confidence: t - 0.0001 },
      { ...low, probabilities: null },
    ];
    const got = await h.page.evaluate((list: Fields[]) => list.map((r) => window.Sentinel.withheldOutOfDistribution(r)), records);
    expect(got).toEqual(records.map(withheldOutOfDistribution));
    expect(got).toEqual([true, true, false, false, false]);
  });

  it('a body part refused just below the triage threshold: the Body part figure as labels.ts bodyPartLine writes it, over every case', async () => {
    await h.page.goto(`${h.base}/`);
    const refused: BodyPartFields = { anatomy: 'brain', anatomyConfidence: 0.5999, stage: 'anatomy', code: 'LOW_CONFIDENCE', thresholds: { triage: 0.6 } };
    const cases: BodyPartFields[] = [
      refused,
      { ...refused, anatomyConfidence: 0.59996 },
      { ...refused, anatomyConfidence: 0.45 },
      { ...refused, anatomyConfidence: 0.6 }, // at the threshold: not refused by its figure
      { ...refused, thresholds: null },
      { ...refused, thresholds: { brain_tumor: 0.6 } },
      { ...refused, stage: 'diagnosis' },
      { ...refused, code: 'UNSUPPORTED_BODY_PART' },
      { ...refused, anatomy: null },
    ];
    const got = await h.page.evaluate((list: BodyPartFields[]) => list.map((r) => window.Sentinel.bodyPart(r, r.thresholds)), cases);
    expect(got).toEqual(cases.map(bodyPartLine));
    expect(got.slice(0, 4)).toEqual(['Brain (59.99 %)', 'Brain (59.996 %)', 'Brain (45.0 %)', 'Brain (60.0 %)']);
  });

  it('0.5999 under 0.6 at the body-part check: the stage list reads "Brain (59.99 %)", not "Brain (60.0 %)"', async () => {
    await h.page.goto(`${h.base}/`);
    const triage = JSON.parse(fs.readFileSync(path.join(FAKE_MODELS_DIR, 'triage', 'model_card.json'), 'utf8')).thresholds.confidence as number;
    const below = triage - 0.0001;
    const bright = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toBuffer();
    await h.page.route('**/api/v1/analyses', async (route) => {
      const r = await (await route.fetch()).json();
      const body = { ...r, status: 'inconclusive', stage: 'anatomy', code: 'LOW_CONFIDENCE', anatomy: 'brain', anatomyConfidence: below, task: 'triage', label: null, confidence: null,
        probabilities: { brain: below, knee: 1 - below }, explanation: null, caveat: null, message: `The body part could not be determined confidently (${pctBelow(below, triage).join(', below the ')} confidence threshold).` };
      await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
    });
    try {
      await analyseFromPage(h.page, bright);
      const details = await h.page.locator('#stages .stage-detail').allTextContents();
      expect(details[2]).toBe(`Brain (${pctBelow(below, triage)[0]}) — decided here`);
      expect(details[2]).not.toContain(`(${(triage * 100).toFixed(1)} %)`);
    } finally {
      await h.page.unroute('**/api/v1/analyses');
    }
  });

  it('0.59996 under 0.6: the block, the pipeline list, the announcement and the batch row never read "60.0 %"', async () => {
    await h.page.goto(`${h.base}/`);
    // a real result of this page's fake models, with the diagnosis figure moved to 0.59996
    const bright = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toBuffer();
    await h.page.route('**/api/v1/analyses', async (route) => {
      const real = await route.fetch();
      const r = await real.json();
      const probabilities = { glioma: 0.59996, meningioma: 0.3, notumor: 0.05, pituitary: 0.05004 };
      const body = { ...r, status: 'inconclusive', code: 'LOW_CONFIDENCE', label: null, confidence: 0.59996, probabilities, explanation: null, caveat: null,
        message: 'Unable to determine: the most likely finding (glioma, 59.996 %) is below the 60.000 % confidence threshold.' };
      await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
    });
    try {
      await analyseFromPage(h.page, bright);
      expect(await h.page.locator('#confidence-value').textContent()).toBe('59.996 %');
      expect(await h.page.locator('#confidence-explain').textContent()).toContain('below the 60.000 % threshold');
      expect(await h.page.locator('#stages .stage-detail').last().textContent()).toBe('top answer · 59.996 % — decided here');
      // the probability list under it: the refused class as the message gives it, the others one decimal
      expect(await h.page.locator('#probs .prob-value').allTextContents()).toEqual(['59.996 %', '30.0 %', '5.0 %', '5.0 %']);
      // and within its column, wide and on a phone (the 60 px column held "60.0 %"; "59.996 %" ran 10 px past it)
      for (const width of [1280, 320]) {
        await h.page.setViewportSize({ width, height: 800 });
        const over = await h.page.locator('#probs .prob-value').evaluateAll((els) => els.map((e) => e.scrollWidth - e.clientWidth));
        expect({ width, over }).toEqual({ width, over: [0, 0, 0, 0] });
      }
      await h.page.setViewportSize({ width: 1280, height: 800 });
      await h.page.waitForFunction(() => (document.getElementById('live')?.textContent ?? '') !== '');
      expect(await h.page.locator('#live').textContent()).toBe('Result: Unable to determine, 59.996 %');

      await h.page.setInputFiles('#file-input', [
        { name: 'a.png', mimeType: 'image/png', buffer: bright },
        { name: 'b.png', mimeType: 'image/png', buffer: bright },
      ]);
      await h.page.waitForFunction(() => document.getElementById('batch-summary')?.textContent === '2 of 2 analysed · 2 without an answer');
      for (const row of await h.page.locator('#batch-list .batch-status').allTextContents()) expect(row).toBe('Inconclusive: Unable to determine · 59.996 %');
    } finally {
      await h.page.unroute('**/api/v1/analyses');
    }
  });
  it('an answer decided at another threshold than the page was rendered with is read at its own (its `thresholds`)', async () => {
    // the page opened under the card's threshold; the server since restarted with CONFIDENCE_THRESHOLD=0.55 and
    // refused 0.54996 under it. The page compared the figure with its own data-models: "55.0 %", "below the 60.0 % threshold"
    await h.page.goto(`${h.base}/`);
    const bright = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toBuffer();
    await h.page.route('**/api/v1/analyses', async (route) => {
      const r = await (await route.fetch()).json();
      expect(r.thresholds).toEqual({ triage: expect.any(Number), brain_tumor: expect.any(Number) });
      const probabilities = { glioma: 0.54996, meningioma: 0.35, notumor: 0.05, pituitary: 0.05004 };
      const body = { ...r, status: 'inconclusive', code: 'LOW_CONFIDENCE', label: null, confidence: 0.54996, probabilities, explanation: null, caveat: null, thresholds: { triage: 0.55, brain_tumor: 0.55 },
        message: 'Unable to determine: the most likely finding (glioma, 54.996 %) is below the 55.000 % confidence threshold.' };
      await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
    });
    try {
      await analyseFromPage(h.page, bright);
      expect(await h.page.locator('#confidence-value').textContent()).toBe('54.996 %');
      expect(await h.page.locator('#confidence-explain').textContent()).toContain('below the 55.000 % threshold');
      expect(await h.page.locator('#threshold-mark').evaluate((e) => (e as HTMLElement).style.left)).toBe('55%');
      expect(await h.page.locator('#stages .stage-detail').last().textContent()).toBe('top answer · 54.996 % — decided here');
      expect(await h.page.locator('#probs .prob-value').allTextContents()).toEqual(['54.996 %', '35.0 %', '5.0 %', '5.0 %']);
    } finally {
      await h.page.unroute('**/api/v1/analyses');
    }
  });

  it('an answer at 0.58349 under CONFIDENCE_THRESHOLD=0.58348: the block reads "58.349 %" beside "the 58.348 % threshold", not "58.3 %"', async () => {
    await h.page.goto(`${h.base}/`);
    const bright = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toBuffer();
    await h.page.route('**/api/v1/analyses', async (route) => {
      const r = await (await route.fetch()).json();
      const probabilities = { glioma: 0.58349, meningioma: 0.3, notumor: 0.05, pituitary: 0.06651 };
      const body = { ...r, status: 'completed', code: null, stage: 'diagnosis', label: 'glioma', confidence: 0.58349, probabilities, isMri: true, mriConfidence: 0.58349,
        anatomy: 'brain', anatomyConfidence: 0.58349, thresholds: { triage: 0.58348, brain_tumor: 0.58348 } };
      await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
    });
    try {
      await analyseFromPage(h.page, bright);
      expect(await h.page.locator('#confidence-value').textContent()).toBe('58.349 %');
      expect(await h.page.locator('#confidence-explain').textContent()).toContain('below the 58.348 % threshold');
      expect(await h.page.locator('#probs .prob-value').first().textContent()).toBe('58.349 %');
      const details = await h.page.locator('#stages .stage-detail').allTextContents();
      expect(details.slice(1)).toEqual(['MRI (58.349 %)', 'Brain (58.349 %)', 'Glioma · 58.349 %']);
    } finally {
      await h.page.unroute('**/api/v1/analyses');
    }
  });

  type StudyAnswer = { study: { aggregation: Record<string, unknown> } } & Record<string, unknown>;
  /** The study page's figures for a bright 3-slice series, the server's answer edited by `edit` on its way to the page. */
  async function studyMeta(edit: (real: StudyAnswer) => Record<string, unknown>): Promise<string | null> {
    const bright = dicomSeries(Array.from({ length: 3 }, (_, k) => syntheticSlice(96, 96, (x, y) => ((x + y + k) % 89 === 0 ? 250 : 255))));
    await h.page.route('**/api/v1/studies', async (route) => {
      const real = (await (await route.fetch()).json()) as StudyAnswer;
      await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(edit(real)) });
    });
    try {
      await h.page.goto(`${h.base}/studies`);
      await h.page.setInputFiles('#study-files', bright.map((b, i) => ({ name: `s${i}.dcm`, mimeType: 'application/dicom', buffer: b })));
      await h.page.click('#study-submit');
      await h.page.locator('#study-result').waitFor({ state: 'visible' });
      return await h.page.locator('#study-meta').textContent();
    } finally {
      await h.page.unroute('**/api/v1/studies');
    }
  }

  it('the study page: a study refused for 25 of 42 slices agreeing (59.5 %) under 60 % does not read "Agreement 60 %"', async () => {
    const meta = await studyMeta((real) => {
      const aggregation = { ...real.study.aggregation, agreement: 25 / 42, settings: { agreement: 0.6, minUsableSlices: 3 } };
      return { ...real, status: 'inconclusive', code: 'SLICE_DISAGREEMENT', label: null, caveat: null, study: { ...real.study, aggregation },
        message: 'Unable to determine: the slices disagree (25 of 42 confident slices say glioma; 60.0 % agreement is required).' };
    });
    expect(meta).toContain('Agreement59.5 %');
    expect(meta).toContain('Study rule60.0 % of the slices must agree');
  });

  it("writes a study's agreement as percent.ts agreementPercent does: never on the wrong side of its rule", async () => {
    await h.page.goto(`${h.base}/studies`);
    const cases: [number, number][] = [[1, 0.6], [2 / 3, 0.6], [0.6, 0.6], [0.6049, 0.6049], [0.60491, 0.6049], [0.6052, 0.6049], [25 / 42, 0.6], [0.6048, 0.6049], [1 / 3 + 1e-6, 1 / 3]];
    const got = await h.page.evaluate((list: [number, number][]) => list.map(([v, t]) => window.Sentinel.agreementPct(v, t)), cases);
    expect(got).toEqual(cases.map(([v, t]) => agreementPercent(v, t)));
  });

  it('the study page: a study answered at exactly STUDY_AGREEMENT=0.6049 reads "Agreement 60.49 %", not "60 %" under the rule', async () => {
    const meta = await studyMeta((real) => {
      const aggregation = { ...real.study.aggregation, agreement: 0.6049, settings: { agreement: 0.6049, minUsableSlices: 3 } };
      return { ...real, study: { ...real.study, aggregation } };
    });
    expect(meta).toContain('Agreement60.49 %');
    expect(meta).toContain('Study rule60.49 % of the slices must agree');
  });

  it('the study page: a study refused at 0.59996 under the 0.6 it was decided at reads "59.996 %", as the image page does', async () => {
    const card = (name: string): number => JSON.parse(fs.readFileSync(path.join(FAKE_MODELS_DIR, name, 'model_card.json'), 'utf8')).thresholds.confidence;
    const bright = dicomSeries(Array.from({ length: 3 }, (_, k) => syntheticSlice(96, 96, (x, y) => ((x + y + k) % 89 === 0 ? 250 : 255))));
    let real: { thresholds?: unknown; analysisId?: string } = {};
    // the server's study answer with its figure moved to 0.59996 (the fake models cannot land there)
    await h.page.route('**/api/v1/studies', async (route) => {
      real = await (await route.fetch()).json();
      const probabilities = { glioma: 0.59996, meningioma: 0.3, notumor: 0.05, pituitary: 0.05004 };
      const body = { ...real, status: 'inconclusive', code: 'LOW_CONFIDENCE', label: null, confidence: 0.59996, probabilities, caveat: null,
        message: 'Unable to determine: the most likely study finding (glioma, 59.996 %) is below the 60.000 % confidence threshold.' };
      await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
    });
    try {
      await h.page.goto(`${h.base}/studies`);
      await h.page.setInputFiles('#study-files', bright.map((b, i) => ({ name: `s${i}.dcm`, mimeType: 'application/dicom', buffer: b })));
      await h.page.click('#study-submit');
      await h.page.locator('#study-result').waitFor({ state: 'visible' });
      // the answer carries the thresholds its models decided at, the same map its record stores
      expect(real.thresholds).toEqual({ triage: card('triage'), brain_tumor: card('brain_tumor') });
      const record = await h.page.evaluate((id: string) => window.fetch(`/api/v1/history/${id}`, { headers: { Accept: 'application/json' } }).then((r) => r.json()), real.analysisId ?? '');
      expect(record.thresholds).toEqual(real.thresholds);
      expect(await h.page.locator('#study-confidence').textContent()).toBe('59.996 %');
      // the threshold marked on the bar as on the image page, and the figure said to be combined, not calibrated
      expect(parseFloat(await h.page.locator('#study-threshold-mark').evaluate((e) => (e as HTMLElement).style.left))).toBeCloseTo(card('brain_tumor') * 100, 1);
      expect(await h.page.locator('#study-confidence-bar').getAttribute('class')).toBe('below');
      expect(await h.page.locator('#study-confidence-explain').textContent()).toMatch(/^Combined from the slices' calibrated probabilities by the study rule, so not itself calibrated;/);
      expect(await h.page.locator('#study-probs .prob-value').allTextContents()).toEqual(['59.996 %', '30.0 %', '5.0 %', '5.0 %']);
    } finally {
      await h.page.unroute('**/api/v1/studies');
    }
  });
});
