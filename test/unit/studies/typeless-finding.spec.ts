/**
 * "Nothing found" is never said over a slice that alone confidently shows a finding (AGGREGATION_RULE).
 * That guard looked only at slices answered with a finding type; a slice whose model is sure of a
 * finding but not of its type (P(finding) = 1 − P(notumor) at or above the threshold, no type there:
 * LOW_CONFIDENCE) passed it. Beside tumour-free neighbours the study then said "No tumour": a real
 * test-split meningioma slice (glioma 0.29, meningioma 0.40, notumor 0.28, pituitary 0.03; 72 % a
 * tumour) made a 24-slice study "no tumour (61.5 %)". 10 of the 1,245 test slices the brain model
 * answered are so (P(finding) 0.61–0.99), 8 of them tumour slices.
 */
import type { AnalysisResult } from '../../../src/classifier/analysis-result';
import { aggregateStudy, DiagnosisCardInfo } from '../../../src/studies/study-aggregate';
import { studyRuleMessage } from '../../../src/studies/study-messages';

const LABELS = ['glioma', 'meningioma', 'notumor', 'pituitary'];
const CARD: DiagnosisCardInfo = { name: 'brain_tumor', labels: LABELS, threshold: 0.6, describe: (l) => l };
const NEG = [0.02, 0.02, 0.95, 0.01];
const TYPELESS = [0.29, 0.4, 0.28, 0.03];

function slice(probs: number[]): AnalysisResult {
  const top = Math.max(...probs);
  const confident = top >= 0.6;
  return {
    status: confident ? 'completed' : 'inconclusive', stage: 'diagnosis', code: confident ? null : 'LOW_CONFIDENCE', message: '',
    isMri: true, mriConfidence: 0.99, anatomy: 'brain', anatomyConfidence: 0.95, task: 'brain_tumor',
    label: confident ? LABELS[probs.indexOf(top)] : null, confidence: top,
    probabilities: Object.fromEntries(LABELS.map((l, i) => [l, probs[i]])),
    explanation: null, modelVersions: {}, timingsMs: {}, disclaimer: '', experimental: false, caveat: null,
  };
}
const series = (n: number, at: Record<number, number[]>) => Array.from({ length: n }, (_, i) => slice(at[i] ?? NEG));
const run = (slices: AnalysisResult[], gaps = [] as { afterSlice: number; distanceMm: number; missingSlices: number }[]) =>
  aggregateStudy({ slices, minUsable: 3, agreement: 0.6, gaps, cardFor: () => CARD });

describe('a slice sure of a finding but not of its type', () => {
  it('keeps the study from "nothing found": inconclusive, that slice shown, its figure P(finding)', () => {
    const a = run(series(24, { 11: TYPELESS }));
    expect(a).toMatchObject({ status: 'inconclusive', code: 'SLICE_DISAGREEMENT', label: null, stage: 'diagnosis' });
    expect(a.message).toBe('Unable to determine: slice 12 alone suggests a finding of unclear type (72.0 %), but the other slices do not confirm it. Look at the highlighted slice.');
    expect(a.aggregation.decisiveSlices).toEqual([11]);
    // its heat map is of its most likely finding type
    expect([...a.explainLabels]).toEqual([[11, 'meningioma']]);
    // the record words it from its figures as the answer did
    expect(studyRuleMessage(a.refusal!)).toBe(a.message);
  });

  it('also when missing slices leave it without a neighbour (alone it counted half: "no tumour" 64.0 %)', () => {
    const a = run(series(24, { 11: TYPELESS }), [{ afterSlice: 11, distanceMm: 20, missingSlices: 3 }, { afterSlice: 12, distanceMm: 20, missingSlices: 3 }]);
    expect(a).toMatchObject({ status: 'inconclusive', code: 'SLICE_DISAGREEMENT', label: null });
  });

  it('below the threshold it does not: "nothing found" as before', () => {
    expect(run(series(24, { 11: [0.2, 0.25, 0.5, 0.05] }))).toMatchObject({ status: 'completed', label: 'notumor' });
  });

  it('confirmed by a neighbour it is a finding, as any pair', () => {
    const a = run(series(24, { 11: TYPELESS, 12: [0.02, 0.9, 0.05, 0.03] }));
    expect(a).toMatchObject({ status: 'completed', label: 'meningioma' });
  });
});
