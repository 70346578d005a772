import type { AnalysisResult } from '../../../src/classifier/analysis-result';
import { aggregateStudy } from '../../../src/studies/study-aggregate';
/**
 * A refusal as "not an MRI" by the image checks (bright background, colour, out of distribution)
 * while the triage model itself said MRI: the history and the PDF showed "not MRI (< 0.1 %)" —
 * 1 − P(MRI), the model's figure against the refusal it sits beside. A framed brain MRI (a white
 * border, as screenshots and exports have) is one. Now they say that the image checks refused it
 * and what the model alone said; a refusal by the model keeps its figure.
 */
import { HistoryItem } from '../../../src/history/history.service';
import { historyDetail, historyRow } from '../../../src/presentation/history.view';
import { mriCheck, mriFigure } from '../../../src/presentation/mri-check';
import { buildReportPdf } from '../../../src/reports/report-pdf';
import { notMriRecord } from '../../helpers/history-item';
import { pdfFlatText } from '../../helpers/pdf-text';
import { reportFaces } from '../../helpers/report-fonts';

const base: HistoryItem = notMriRecord({
  id: '00000000-0000-4000-8000-000000000001',
  width: 280,
  height: 280,
  sha256: 'a'.repeat(64),
  mriConfidence: 0.9999994,
  confidence: 0.9999991,
  probabilities: { brain: 0.9999991, knee: 1e-7, spine: 2e-7, other_mri: 1e-8, not_mri: 6e-7 },
  timingsMs: null,
});
// the same refusal, decided by the model (argmax not_mri)
const byModel: HistoryItem = { ...base, mriConfidence: 0.2, confidence: 0.8, probabilities: { brain: 0.1, knee: 0.05, spine: 0.03, other_mri: 0.02, not_mri: 0.8 } };

describe('the MRI check of a "not an MRI" refusal', () => {
  it('by the image checks: no figure against the refusal', () => {
    expect(mriCheck(base)).toBe('not MRI (refused by the image checks; the model alone: MRI > 99.9 %)');
    expect(historyDetail(base).mri).toBe(mriCheck(base));
    expect(historyRow(base).confidence).toBe('—');
  });

  it('by the model: its figure, as before', () => {
    expect(mriCheck(byModel)).toBe('not MRI (80.0 %)');
    expect(historyRow(byModel).confidence).toBe('not MRI 80.0 %'); // which probability: the reason's ("not an MRI image (80.0 %)")
    expect(mriCheck({ ...base, isMri: true, code: null, mriConfidence: 0.97 })).toBe('MRI (97.0 %)');
    expect(mriCheck({ ...base, isMri: null, mriConfidence: null })).toBe('—');
  });

  it('its figure (the one the image page mirrors): P(MRI) unless the model refused it, none where no model ran', () => {
    expect(mriFigure(base)).toBe(0.9999994);
    expect(mriFigure(byModel)).toBeCloseTo(0.8);
    expect(mriFigure({ ...base, isMri: true, code: null, mriConfidence: 0.97 })).toBe(0.97);
    expect(mriFigure({ ...base, mriConfidence: null })).toBeNull();
    expect(mriFigure({ ...base, isMri: null })).toBeNull();
  });

  it('the PDF says the same', async () => {
    const text = pdfFlatText(await buildReportPdf({ record: base, generatedFor: 'a@example.org', fonts: reportFaces() }));
    expect(text).toContain('refused by the image checks; the model alone: MRI > 99.9 %');
    expect(text).not.toContain('not MRI (< 0.1 %)');
  });
});

/**
 * A record (and an answer) that names the image check that refused it: a chart refused at the colour
 * check, which the triage model also called not an MRI, read "not MRI (> 99.9 %)" on the history page,
 * the image page and in the PDF, beside the colour message — the model's figure, which did not decide.
 * The line names the check instead, and no model figure (the probabilities are listed apart).
 */
describe('the MRI check of a refusal whose image check is recorded', () => {
  const chart: HistoryItem = { ...byModel, mriConfidence: 0.0004, probabilities: { brain: 0.0001, knee: 0.0001, spine: 0.0001, other_mri: 0.0001, not_mri: 0.9996 }, refusal: { cause: 'colour', figures: { colourShare: 0.106 } } };

  it.each([
    ['colour', 'not MRI (refused by the colour check)'],
    ['bright_background', 'not MRI (refused by the bright-background check)'],
    ['head_ct', 'not MRI (refused by the head-CT check)'],
    ['triage_ood', 'not MRI (refused by the out-of-distribution check)'],
  ] as const)('%s: the check, whichever way the model leant', (cause, line) => {
    for (const r of [chart, base]) {
      const refused = { ...r, refusal: { cause, figures: {} } };
      expect(mriCheck(refused)).toBe(line);
      expect(historyDetail(refused).mri).toBe(line);
    }
  });

  it('the model\'s own refusal keeps its figure', () => {
    expect(mriCheck({ ...chart, refusal: { cause: 'triage_not_mri', figures: { notMri: 0.9996 } } })).toBe('not MRI (> 99.9 %)');
  });

  it('a study most of whose slices the check refused says how many', () => {
    const study = { ...chart, refusal: { cause: 'colour' as const, figures: { colourShare: 0.2, refusedSlices: 3, slices: 4 } } };
    expect(mriCheck(study)).toBe('not MRI (3 of 4 slices refused by the colour check)');
  });

  it('the PDF and the history list say the same, with no model figure', async () => {
    const text = pdfFlatText(await buildReportPdf({ record: chart, generatedFor: 'a@example.org', fonts: reportFaces() })).replace(/\s+/g, ' ');
    expect(text).toContain('MRI check: not MRI (refused by the colour check)');
    expect(text).not.toContain('not MRI (> 99.9 %)');
    expect(historyRow(chart).confidence).toBe('—');
  });
});

/**
 * A study is refused when most of its slices were refused at one stage with one code (NOT_MRI): by
 * whichever checks. Its refusal names the first such slice's cause; its MRI check line said all of
 * them were refused by that check ("4 of 4 slices refused by the colour check" where 2 were, and the
 * triage model refused the other 2).
 */
describe('the MRI check of a study whose slices different checks refused', () => {
  const refused = (cause: 'colour' | 'triage_not_mri', figures: Record<string, number>): AnalysisResult => ({
    status: 'rejected', stage: 'modality', code: 'NOT_MRI', message: `refused (${cause})`, refusal: { cause, figures },
    isMri: false, mriConfidence: 0.01, anatomy: null, anatomyConfidence: null, task: 'triage', label: null, confidence: null,
    probabilities: {}, explanation: null, modelVersions: {}, timingsMs: {}, disclaimer: '', experimental: false, caveat: null,
  });
  const study = (slices: AnalysisResult[]) => {
    const a = aggregateStudy({ slices, minUsable: 3, agreement: 0.6, cardFor: () => undefined });
    expect(a).toMatchObject({ status: 'rejected', code: 'NOT_MRI' });
    return mriCheck({ isMri: a.isMri, mriConfidence: a.mriConfidence, code: a.code, probabilities: a.probabilities, study: { sliceCount: slices.length }, refusal: a.refusal });
  };

  it('says how many of the refused slices the named check refused', () => {
    const mixed = [refused('colour', { colourShare: 0.2 }), refused('triage_not_mri', { notMri: 0.99 }), refused('colour', { colourShare: 0.3 }), refused('triage_not_mri', { notMri: 0.98 })];
    expect(study(mixed)).toBe('not MRI (4 of 4 slices refused, 2 by the colour check)');
  });

  it('all of them by the one check: as before', () => {
    expect(study([0.2, 0.3, 0.4, 0.5].map((s) => refused('colour', { colourShare: s })))).toBe('not MRI (4 of 4 slices refused by the colour check)');
  });
});

/**
 * A study the triage model refused slice by slice: its message quotes the first refused slice's figure
 * ("4 of 4 slices were refused: The triage model says this is not an MRI image (99.6 %)…", since
 * f303fce), while its MRI check line gave 1 − the mean P(MRI) over all its slices unnamed ("not MRI
 * (95.7 %)"): two figures for one refusal on one page. The line says it is that mean, as it does for a
 * study refused as not confidently MRI (sliceMeanMri).
 */
describe('the MRI check of a study the triage model refused slice by slice', () => {
  const refusedByModel = (mriConfidence: number): AnalysisResult => ({
    status: 'rejected', stage: 'modality', code: 'NOT_MRI', message: 'refused', refusal: { cause: 'triage_not_mri', figures: { notMri: 1 - mriConfidence } },
    isMri: false, mriConfidence, anatomy: null, anatomyConfidence: null, task: 'triage', label: null, confidence: null,
    probabilities: {}, explanation: null, modelVersions: {}, timingsMs: {}, disclaimer: '', experimental: false, caveat: null,
  });

  it('names its figure the mean over the slices, in the detail line and the history list', () => {
    const a = aggregateStudy({ slices: [0.004, 0.1, 0.05, 0.02].map(refusedByModel), minUsable: 3, agreement: 0.6, cardFor: () => undefined });
    expect(a).toMatchObject({ status: 'rejected', code: 'NOT_MRI' });
    const r = { isMri: a.isMri, mriConfidence: a.mriConfidence, code: a.code, probabilities: a.probabilities, study: { sliceCount: 4 }, refusal: a.refusal };
    expect(mriCheck(r)).toBe('not MRI (95.7 % on average over all 4 slices)');
    const item: HistoryItem = { ...base, ...r, study: { sliceCount: 4 } as HistoryItem['study'] };
    expect(historyRow(item).confidence).toBe('not MRI 95.7 % on average over all 4 slices');
    // a study of one slice: no average, and no "all 1 slices"
    expect(mriCheck({ ...r, study: { sliceCount: 1 } })).toBe('not MRI (95.7 % on its one slice)');
  });

  it('one image keeps its own figure', () => {
    expect(mriCheck({ ...byModel, study: null })).toBe('not MRI (80.0 %)');
  });
});
