/**
 * A record that stored which check refused it gives the answer's own words for it: the image gates
 * (decideTriage) and the study rule's checks (aggregateStudy) worded from the stored figures by the
 * functions the live message came from. Before, a chart refused at the colour check read "The
 * triage model says this is not an MRI image (> 99.9 %)", and a study whose confident slices
 * disagreed read as one whose finding was not confirmed. Decisions run here on built inputs.
 */
import type { AnalysisResult } from '../../../src/classifier/analysis-result';
import type { HistoryItem } from '../../../src/history/history.service';
import { historyRow } from '../../../src/presentation/history.view';
import { recordReason } from '../../../src/presentation/record-reason';
import { toItem } from '../../../src/repositories/analysis-row';
import { aggregateStudy, type DiagnosisCardInfo } from '../../../src/studies/study-aggregate';
import { decideDiagnosis } from '../../../src/diagnosis/diagnosis-decision';
import { scopeFromCards, scopeSentence } from '../../../src/presentation/labels';
import { headerRefusal } from '../../../src/studies/header-refusal';
import type { Refusal } from '../../../src/validation/refusal-cause';
import { refusalMessage, withScopeFigure } from '../../../src/validation/refusal-message';
import { decideTriage, notMriMessage, UNSUPPORTED_PART_MESSAGE } from '../../../src/validation/triage-decision';
import { notMriRecord } from '../../helpers/history-item';
import { logitsFor, makeCard, TRIAGE_LABELS } from '../../support/cards';

const gates = makeCard({
  name: 'triage',
  kind: 'triage',
  labels: TRIAGE_LABELS,
  thresholds: {
    confidence: 0.6,
    colour: { method: 'centre_chroma_share', margin: 0.1, min_chroma: 32, max_share: 0.02 },
    background: { method: 'content_border_mean', band: 0.06, max_border_mean: 128 },
    ood: { method: 'mahalanobis_pca', threshold: 10, center: [0, 0], components: [[1, 0], [0, 1]], class_means: [[0, 0]] },
  },
});
const NOT_MRI = [0.001, 0.001, 0.001, 0.001, 0.996];
const BRAIN = [0.96, 0.01, 0.01, 0.01, 0.01];

describe('an image refused by a gate: the record\'s reason is the answer\'s message', () => {
  const cases: [string, number[], number[], number, number][] = [
    // what, triage probabilities, embedding, border mean, colour share
    ['colour (the model also says not MRI: a chart)', NOT_MRI, [0, 0], 10, 0.106],
    ['colour (the model says MRI)', BRAIN, [0, 0], 10, 0.3],
    ['bright background', NOT_MRI, [0, 0], 200, 0],
    ['out of distribution', BRAIN, [40, 40], 10, 0],
    ['the model alone', NOT_MRI, [0, 0], 10, 0],
  ];
  it.each(cases)('%s', (_what, p, embedding, border, colour) => {
    const d = decideTriage(gates, logitsFor(p), embedding, undefined, border, colour);
    if (d.outcome.accepted) throw new Error('accepted');
    const record = notMriRecord({ mriConfidence: d.mriConfidence, probabilities: d.probabilities, refusal: d.outcome.refusal });
    expect(recordReason(record)).toBe(d.outcome.message);
    // without the cause (a row older than the column), the reason is rebuilt as before
    expect(recordReason({ ...record, refusal: null })).not.toBe(d.outcome.message);
  });

  it('the model alone: its figure in the message and the record\'s reason alike; a row stored without it reads it from P(MRI)', () => {
    const d = decideTriage(gates, logitsFor(NOT_MRI), [0, 0], undefined, 10, 0);
    if (d.outcome.accepted) throw new Error('accepted');
    expect(d.outcome.refusal.cause).toBe('triage_not_mri');
    expect(d.outcome.message).toBe('The triage model says this is not an MRI image (99.6 %), so it was not analysed.');
    const record = notMriRecord({ mriConfidence: d.mriConfidence, probabilities: d.probabilities, refusal: { cause: 'triage_not_mri', figures: {} } });
    expect(recordReason(record)).toBe(d.outcome.message);
  });

  it('the list gives no model figure as deciding a gate\'s refusal, and still does for the model\'s own', () => {
    const chart = notMriRecord({ mriConfidence: 0.0004, refusal: { cause: 'colour', figures: { colourShare: 0.106 } } });
    expect(historyRow(chart).confidence).toBe('—');
    expect(historyRow({ ...chart, refusal: { cause: 'triage_not_mri', figures: {} } }).confidence).toBe('not MRI > 99.9 %');
  });
});

const card: DiagnosisCardInfo = { name: 'brain_tumor', labels: ['glioma', 'meningioma', 'notumor', 'pituitary'], threshold: 0.6, describe: (l) => l };
const slice = (over: Partial<AnalysisResult>): AnalysisResult => ({
  status: 'completed', stage: 'diagnosis', code: null, message: '', isMri: true, mriConfidence: 0.96, anatomy: 'brain', anatomyConfidence: 0.96,
  task: 'brain_tumor', label: null, confidence: null, probabilities: {}, explanation: null, modelVersions: {}, timingsMs: {}, disclaimer: '', experimental: false, caveat: null,
  ...over,
});
const answer = (label: string, p: number[]) => slice({ label, confidence: Math.max(...p), probabilities: Object.fromEntries(card.labels.map((l, i) => [l, p[i]])) });
const GLIOMA = answer('glioma', [0.9, 0.05, 0.03, 0.02]);
const MENINGIOMA = answer('meningioma', [0.05, 0.88, 0.05, 0.02]);
const CLEAR = answer('notumor', [0.01, 0.01, 0.97, 0.01]);

function studyRecord(slices: AnalysisResult[]): { item: HistoryItem; message: string } {
  const a = aggregateStudy({ slices, minUsable: 3, agreement: 0.6, cardFor: (part) => (part === 'brain' ? card : undefined) });
  const item = notMriRecord({
    fileType: 'dicom', status: a.status, stage: a.stage, code: a.code, isMri: a.isMri, mriConfidence: a.mriConfidence, anatomy: a.anatomy, anatomyConfidence: a.anatomyConfidence,
    task: a.task, label: a.label, confidence: a.confidence, probabilities: a.probabilities, thresholds: { triage: 0.6, brain_tumor: 0.6 }, refusal: a.refusal,
    study: { modality: 'MR', seriesDescription: null, sliceCount: slices.length, usableSlices: a.aggregation.usableSlices, spacing: null, rule: { agreement: 0.6, minUsableSlices: 3, pairWithin: 2 }, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null },
  });
  return { item, message: a.message };
}

describe('a study refused by its rule: the record\'s reason is the answer\'s message', () => {
  const colour = { cause: 'colour' as const, figures: { colourShare: 0.2 } };
  const colourSlice = slice({ status: 'rejected', stage: 'modality', code: 'NOT_MRI', isMri: false, anatomy: null, message: notMriMessage(colour), refusal: colour });
  const cases: [string, AnalysisResult[], string][] = [
    ['confident slices disagree on the finding', [GLIOMA, GLIOMA, GLIOMA, GLIOMA, MENINGIOMA, MENINGIOMA, MENINGIOMA], 'slice_disagreement'],
    ['one slice\'s finding is not confirmed', [GLIOMA, CLEAR, CLEAR, CLEAR, CLEAR, CLEAR], 'finding_unconfirmed'],
    ['the slices disagree on the body part', [GLIOMA, GLIOMA, GLIOMA, slice({ anatomy: 'knee' }), slice({ anatomy: 'knee' }), slice({ anatomy: 'knee' })], 'body_part_disagreement'],
    ['too few usable slices', [GLIOMA, slice({ status: 'rejected', stage: 'anatomy', code: 'LOW_CONFIDENCE', anatomy: null }), slice({ status: 'rejected', stage: 'modality', code: 'NOT_MRI', anatomy: null }), slice({ status: 'rejected', stage: 'anatomy', code: 'UNSUPPORTED_BODY_PART', anatomy: null })], 'too_few_slices'],
    ['most slices refused at the colour check', [colourSlice, colourSlice, colourSlice, GLIOMA], 'colour'],
  ];
  it.each(cases)('%s', (_what, slices, cause) => {
    const { item, message } = studyRecord(slices);
    expect(item.refusal?.cause).toBe(cause);
    expect(recordReason(item)).toBe(message);
  });

  it('disagreement and an unconfirmed finding, both SLICE_DISAGREEMENT, read differently', () => {
    const disagree = recordReason(studyRecord(cases[0][1]).item);
    const unconfirmed = recordReason(studyRecord(cases[1][1]).item);
    expect(disagree).toBe('Unable to determine: the slices disagree (4 of 7 confident slices say glioma; 60.0 % agreement is required).');
    expect(unconfirmed).toContain('but the other slices do not confirm it');
  });
});

const brainCard = makeCard({ name: 'brain_tumor', kind: 'diagnosis', body_part: 'brain', labels: card.labels, thresholds: { confidence: 0.6 } });
// the scope sentence the live answer adds from the loaded cards; a stored reason leaves it out (refusal-message.ts)
const SCOPE = scopeSentence(scopeFromCards([gates, brainCard]));

describe('an image refused by a check with figures: the record\'s reason is the answer\'s message', () => {
  const triageCases: [string, number[], string][] = [
    ['not confidently MRI', [0.46, 0.05, 0.03, 0.01, 0.45], 'mri_low_confidence'],
    ['a threshold the figure rounds to', [0.5, 0.05, 0.04996, 0, 0.40004], 'mri_low_confidence'],
    ['the body part not confident', [0.45, 0.3, 0.15, 0.05, 0.05], 'body_part_low_confidence'],
  ];
  it.each(triageCases)('%s', (_what, p, cause) => {
    const d = decideTriage(gates, logitsFor(p), [0, 0], undefined, 10, 0);
    if (d.outcome.accepted) throw new Error('accepted');
    expect(d.outcome.refusal.cause).toBe(cause);
    const record = notMriRecord({ stage: d.outcome.stage, code: d.outcome.code, isMri: d.isMri, mriConfidence: d.mriConfidence, anatomy: d.anatomy, anatomyConfidence: d.anatomyConfidence, probabilities: d.probabilities, refusal: d.outcome.refusal });
    expect(recordReason(record)).toBe(d.outcome.message);
    // a row older than the column keeps today's sentence
    expect(recordReason({ ...record, refusal: null })).not.toBe(d.outcome.message);
  });

  it('a body part the service does not analyse: the message with the scope the loaded cards added, stored with it', () => {
    const d = decideTriage(gates, logitsFor([0.05, 0.05, 0.05, 0.8, 0.05]), [0, 0], undefined, 10, 0);
    if (d.outcome.accepted) throw new Error('accepted');
    expect(d.outcome.refusal.cause).toBe('unsupported_body_part');
    const refusal = withScopeFigure(d.outcome.refusal, SCOPE);
    const live = refusalMessage(refusal);
    const record = notMriRecord({ stage: 'anatomy', code: 'UNSUPPORTED_BODY_PART', isMri: true, anatomy: d.anatomy, anatomyConfidence: d.anatomyConfidence, refusal });
    expect(SCOPE).not.toBe('');
    expect(recordReason(record)).toBe(live);
    expect(live).toBe(`${UNSUPPORTED_PART_MESSAGE} ${SCOPE}`);
    // a row stored before the scope was: the message without it
    expect(recordReason({ ...record, refusal: d.outcome.refusal })).toBe(UNSUPPORTED_PART_MESSAGE);
  });

  it('no validated model for the body part', () => {
    const refusal: Refusal = { cause: 'no_validated_model', figures: { bodyPart: 'knee' } };
    const record = notMriRecord({ status: 'inconclusive', stage: 'diagnosis', code: 'NO_VALIDATED_MODEL', isMri: true, anatomy: 'knee', anatomyConfidence: 0.9, refusal });
    expect(recordReason(record)).toBe('This looks like a knee MRI, but no validated diagnosis model exists for this body part yet.');
    expect(recordReason(record)).toBe(refusalMessage(refusal));
  });

  it.each([
    ['below the threshold', [0.5, 0.3, 0.1, 0.1]],
    ['just below a threshold it rounds to', [0.59996, 0.2, 0.1, 0.10004]],
  ])('a diagnosis %s', (_what, p) => {
    const d = decideDiagnosis(brainCard, logitsFor(p), [0, 0]);
    if (!d.refusal) throw new Error('answered');
    const record = notMriRecord({ status: 'inconclusive', stage: 'diagnosis', code: 'LOW_CONFIDENCE', isMri: true, anatomy: 'brain', task: 'brain_tumor', confidence: null, probabilities: d.probabilities, thresholds: { triage: 0.6, brain_tumor: 0.6 }, refusal: d.refusal });
    expect(recordReason(record)).toBe(d.message);
    expect(recordReason({ ...record, refusal: null })).not.toBe(d.message);
  });

  it('a stored cause without the figures its message needs keeps today\'s sentence', () => {
    const record = notMriRecord({ code: 'LOW_CONFIDENCE', mriConfidence: 0.5, refusal: { cause: 'mri_low_confidence', figures: {} } });
    expect(recordReason(record)).toBe(recordReason({ ...record, refusal: null }));
  });
});

describe('a study refused by one check: the record\'s reason is the answer\'s message', () => {
  const lowMri = decideTriage(gates, logitsFor([0.46, 0.05, 0.03, 0.01, 0.45]), [0, 0], undefined, 10, 0);
  if (lowMri.outcome.accepted) throw new Error('accepted');
  const notConfident = slice({ status: 'rejected', stage: 'modality', code: 'LOW_CONFIDENCE', isMri: false, mriConfidence: lowMri.mriConfidence, anatomy: null, message: lowMri.outcome.message, refusal: lowMri.outcome.refusal });
  const cases: [string, AnalysisResult[], string][] = [
    ['most slices not confidently MRI (the first such slice\'s figure, not the mean)', [notConfident, notConfident, notConfident, GLIOMA], 'mri_low_confidence'],
    ['the study finding below the threshold', [answer('glioma', [0.55, 0.3, 0.1, 0.05]), answer('meningioma', [0.3, 0.55, 0.1, 0.05]), answer('glioma', [0.5, 0.4, 0.05, 0.05])], 'low_confidence'],
    ['no validated model for the body part', [slice({ anatomy: 'knee' }), slice({ anatomy: 'knee' }), slice({ anatomy: 'knee' })], 'no_validated_model'],
  ];
  it.each(cases)('%s', (_what, slices, cause) => {
    const { item, message } = studyRecord(slices);
    expect(item.refusal?.cause).toBe(cause);
    expect(recordReason(item)).toBe(message);
    expect(recordReason({ ...item, refusal: null })).not.toBe(message);
  });
});

describe('a series refused from its header: the record\'s reason is the study page\'s message', () => {
  const refused = (kind: 'not_mri' | 'unsupported_part') => ({ kind, bodyPart: 'KNEE', meta: { modality: 'CT' } }) as unknown as Parameters<typeof headerRefusal>[0];
  const record = (r: ReturnType<typeof headerRefusal>) =>
    notMriRecord({ fileType: 'dicom', stage: r.stage, code: r.code, isMri: r.isMri, mriConfidence: null, modelVersions: {}, refusal: r.refusal, study: { modality: r.study.modality ?? null, seriesDescription: null, sliceCount: 3, usableSlices: null, spacing: null, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null } });

  it('its Modality', () => {
    const r = headerRefusal(refused('not_mri'), [gates, brainCard]);
    expect(r.refusal?.cause).toBe('header_modality');
    expect(recordReason(record(r))).toBe(r.message);
  });

  it('its Body Part Examined: the message, with the scope the loaded cards added', () => {
    const r = headerRefusal(refused('unsupported_part'), [gates, brainCard]);
    expect(r.refusal?.cause).toBe('header_body_part');
    expect(recordReason(record(r))).toBe(r.message);
    expect(r.message).toBe(`The DICOM header says this series shows the KNEE (Body Part Examined), a part the service does not analyse, so no model was run. ${SCOPE} If the header is wrong, correct Body Part Examined and upload again.`);
    // a row stored before the scope was: the message without it
    const older = { ...record(r), refusal: { cause: 'header_body_part' as const, figures: { bodyPart: 'KNEE' } } };
    expect(recordReason(older)).toBe('The DICOM header says this series shows the KNEE (Body Part Examined), a part the service does not analyse, so no model was run. If the header is wrong, correct Body Part Examined and upload again.');
  });
});

describe('a stored cause is validated on the way out', () => {
  const row = (refusalCause: string | null, refusalFiguresJson: string | null) =>
    ({ id: 'x', createdAt: new Date(0), userId: null, fileType: 'png', byteSize: 1, width: 1, height: 1, sha256: 'a', status: 'rejected', stage: 'modality', code: 'NOT_MRI', anatomy: null, anatomyConfidence: null, isMri: false, mriConfidence: 0.01, task: 'triage', label: null, confidence: null, probabilitiesJson: null, modelVersionsJson: null, timingsJson: null, thresholdsJson: null, kind: null, modality: null, seriesDescription: null, sliceCount: null, usableSlices: null, spacingJson: null, sliceGapsJson: null, niftiVolumes: null, windowingJson: null, refusalCause, refusalFiguresJson }) as Parameters<typeof toItem>[0];
  it.each([
    ['a cause this build does not know', 'sunspots', '{}'],
    ['figures that are not a map', 'colour', '[1]'],
    ['a figure that is neither a number nor a name', 'colour', '{"colourShare":{"x":1}}'],
    ['no figures', 'colour', null],
  ])('%s reads as not recorded (null)', (_what, cause, figures) => {
    expect(toItem(row(cause, figures)).refusal).toBeNull();
  });
  it('a valid one is read back as written', () => {
    expect(toItem(row('colour', '{"colourShare":0.106}')).refusal).toEqual({ cause: 'colour', figures: { colourShare: 0.106 } });
  });
});
