/**
 * The history detail page and the metadata PDF state the reason the record holds. A CT series
 * refused from its DICOM header read "Not an MRI image: decided at the MRI check stage." and
 * "MRI check: not MRI (—)" while the study page had said "The DICOM header says this series is
 * CT (Modality), not MR"; other refusals only repeated their title. Records built in code.
 */
import { historyDetail, historyRow, NO_PROBABILITIES } from '../../../src/presentation/history.view';
import { headerNotMriReason, recordReason } from '../../../src/presentation/record-reason';
import { buildReportPdf } from '../../../src/reports/report-pdf';
import { notMriRecord } from '../../helpers/history-item';
import { pdfFlatText } from '../../helpers/pdf-text';
import { reportFaces } from '../../helpers/report-fonts';

// what StudyService records for a CT series refused from its header (study-record.ts toRecord of header-refusal.ts)
const ct = notMriRecord({
  fileType: 'dicom',
  width: 64,
  height: 64,
  mriConfidence: null,
  task: null,
  modelVersions: {},
  thresholds: {},
  study: { modality: 'CT', seriesDescription: 'AX T1 POST', sliceCount: 2, usableSlices: null, spacing: { column: 0.9, row: 0.9, slice: null }, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null },
});

describe('the reason a record holds, on the history detail page and in the metadata PDF', () => {
  it('a CT series refused from its header: the header says CT — the study page\'s own words', () => {
    const view = historyDetail(ct);
    expect(view.message).toBe(headerNotMriReason('CT'));
    expect(view.message).toContain('CT (Modality), not MR');
    expect(view.mri).toBe('not MRI (from the DICOM header; no model ran)');
    expect(view.mri).not.toContain('—');
  });

  it('the metadata PDF of that record says the same reason', async () => {
    const text = pdfFlatText(await buildReportPdf({ record: ct, generatedFor: 'a@example.org', fonts: reportFaces() }));
    expect(text).toContain(`Reason: ${headerNotMriReason('CT')}`);
    expect(text).not.toContain('not MRI (—)');
    // the Probabilities heading says why nothing is under it
    expect(text).toContain(`Probabilities (calibrated) ${NO_PROBABILITIES}`);
    expect(historyDetail(ct).noProbabilities).toBe(NO_PROBABILITIES);
  });

  it('a study refused from its header for its body part: says so, no figure', () => {
    const part = notMriRecord({ ...ct, code: 'UNSUPPORTED_BODY_PART', stage: 'anatomy', isMri: true, study: { ...ct.study!, modality: 'MR' } });
    expect(historyDetail(part).message).toContain('Body Part Examined');
    expect(historyDetail(part).mri).toBe('MRI (from the DICOM header; no model ran)');
  });

  it('an image the triage model called not MRI: its figure', () => {
    expect(historyDetail(notMriRecord({})).message).toBe('The triage model says this is not an MRI image (99.0 %).');
  });

  it('an unsupported body part: which part the model saw, with its figure; no "Calibrated confidence" for a refusal', () => {
    const heart = notMriRecord({ stage: 'anatomy', code: 'UNSUPPORTED_BODY_PART', isMri: true, mriConfidence: 0.99, anatomy: 'other_mri', anatomyConfidence: 0.97 });
    const view = historyDetail(heart);
    expect(view.message).toBe('Recognised as other MRI (97.0 %), a body part the service does not analyse.');
    expect(view.answerConfidence).toBeNull();
  });

  it('below the threshold: the finding, its figure and the threshold recorded with it', () => {
    const low = notMriRecord({ status: 'inconclusive', stage: 'diagnosis', code: 'LOW_CONFIDENCE', isMri: true, mriConfidence: 0.99, anatomy: 'brain', anatomyConfidence: 0.99, task: 'brain_tumor', probabilities: { glioma: 0.45, notumor: 0.3, meningioma: 0.25 }, modelVersions: { triage: '4.2.0', brain_tumor: '4.1.0' }, thresholds: { triage: 0.6, brain_tumor: 0.7 } });
    expect(recordReason(low)).toBe('The most likely finding (glioma, 45.0 %) is below the 70.0 % confidence threshold.');
  });

  it('just below the threshold: never "(glioma, 60.0 %) is below the 60.0 % confidence threshold", on the page or in the PDF', async () => {
    const base = { status: 'inconclusive' as const, code: 'LOW_CONFIDENCE', isMri: true, mriConfidence: 0.99, anatomy: 'brain', anatomyConfidence: 0.99, modelVersions: { triage: '4.2.0', brain_tumor: '4.1.0' }, thresholds: { triage: 0.6, brain_tumor: 0.6 } };
    const low = notMriRecord({ ...base, stage: 'diagnosis', task: 'brain_tumor', confidence: 0.59996, probabilities: { glioma: 0.59996, notumor: 0.3, meningioma: 0.10004 } });
    // the live message's figures (pctBelow): the history record said what the page had not
    expect(recordReason(low)).toBe('The most likely finding (glioma, 59.996 %) is below the 60.000 % confidence threshold.');
    expect(historyDetail(low).message).toBe(recordReason(low));
    expect(pdfFlatText(await buildReportPdf({ record: low, generatedFor: 'u@example.org', fonts: reportFaces() }))).toContain('Reason: The most likely finding (glioma, 59.996 %) is below the 60.000 % confidence threshold.');
    expect(recordReason(notMriRecord({ ...base, stage: 'modality', mriConfidence: 0.59996, anatomy: null, anatomyConfidence: null, task: null }))).toBe(
      'The service was not confident this is an MRI (MRI 59.996 %, below the 60.000 % confidence threshold).',
    );
    expect(recordReason(notMriRecord({ ...base, stage: 'anatomy', anatomyConfidence: 0.5999, task: null }))).toBe(
      'The body part could not be determined confidently (59.99 %, below the 60.00 % confidence threshold).',
    );
    // well below, one decimal as before
    expect(recordReason({ ...low, confidence: 0.45, probabilities: { glioma: 0.45, notumor: 0.3, meningioma: 0.25 } })).toBe('The most likely finding (glioma, 45.0 %) is below the 60.0 % confidence threshold.');
  });

  it('just below the threshold: the history list\'s figure and the PDF\'s "Calibrated confidence" do not read as the threshold either', async () => {
    const base = { status: 'inconclusive' as const, code: 'LOW_CONFIDENCE', isMri: true, mriConfidence: 0.99, anatomy: 'brain', anatomyConfidence: 0.99, modelVersions: { triage: '4.2.0', brain_tumor: '4.1.0' }, thresholds: { triage: 0.6, brain_tumor: 0.6 } };
    const low = notMriRecord({ ...base, stage: 'diagnosis', task: 'brain_tumor', confidence: 0.59996, probabilities: { glioma: 0.59996, notumor: 0.3, meningioma: 0.10004 } });
    expect(historyRow(low).confidence).toBe('59.996 %');
    const text = pdfFlatText(await buildReportPdf({ record: low, generatedFor: 'u@example.org', fonts: reportFaces() }));
    expect(text).toContain('Calibrated confidence: 59.996 %');
    expect(text).toContain('Confidence threshold: 60.0 %');
    expect(historyRow(notMriRecord({ ...base, stage: 'anatomy', anatomyConfidence: 0.5999, task: null })).confidence).toBe('59.99 %');
    // an answer at the threshold, and a refusal well below it: one decimal, as before
    expect(historyRow({ ...low, status: 'completed', code: null, label: 'glioma', confidence: 0.6 }).confidence).toBe('60.0 %');
    expect(historyRow({ ...low, confidence: 0.45 }).confidence).toBe('45.0 %');
  });

  it('withheld at or above its threshold: the PDF does not give the figure as the confidence of an answer', async () => {
    const ood = notMriRecord({ status: 'inconclusive', stage: 'diagnosis', code: 'LOW_CONFIDENCE', isMri: true, mriConfidence: 0.99, anatomy: 'brain', anatomyConfidence: 0.99, task: 'brain_tumor', confidence: 0.94, probabilities: { notumor: 0.94, glioma: 0.04, meningioma: 0.02 }, modelVersions: { triage: '4.3.0', brain_tumor: '4.1.0' }, thresholds: { triage: 0.6, brain_tumor: 0.6 } });
    const text = pdfFlatText(await buildReportPdf({ record: ood, generatedFor: 'u@example.org', fonts: reportFaces() }));
    expect(text).toContain("Calibrated confidence: 94.0 % — not an answer: the image is unlike the model's training data");
    expect(text).toContain("Reason: The image is unlike the brain tumour model's training data");
  });

  it('withheld at or above its threshold: out of distribution, never "below the threshold"', () => {
    const ood = notMriRecord({ status: 'inconclusive', stage: 'diagnosis', code: 'LOW_CONFIDENCE', isMri: true, mriConfidence: 0.99, anatomy: 'brain', anatomyConfidence: 0.99, task: 'brain_tumor', confidence: 0.94, probabilities: { notumor: 0.94, glioma: 0.04, meningioma: 0.02 }, modelVersions: { triage: '4.3.0', brain_tumor: '4.1.0' }, thresholds: { triage: 0.6, brain_tumor: 0.6 } });
    expect(recordReason(ood)).toBe("The image is unlike the brain tumour model's training data (out-of-distribution), so its most likely finding (no tumour, 94.0 %) was not given as an answer.");
    // nor does the list show the withheld figure as the one that decided
    expect(historyRow(ood).confidence).toBe('—');
    expect(historyRow({ ...ood, confidence: 0.45, probabilities: { notumor: 0.45, glioma: 0.35, meningioma: 0.2 } }).confidence).toBe('45.0 %');
    // a record without its threshold cannot tell the two apart: the sentence it had
    expect(recordReason({ ...ood, thresholds: null })).toBe('The most likely finding (no tumour, 94.0 %) is below the confidence threshold.');
  });

  it('no validated model, a study with too few slices, a file refusal: each its reason', () => {
    expect(recordReason(notMriRecord({ status: 'inconclusive', stage: 'diagnosis', code: 'NO_VALIDATED_MODEL', isMri: true, anatomy: 'spine', anatomyConfidence: 0.95 }))).toBe(
      'Spine MRI recognised (95.0 %), but no validated diagnosis model exists for this body part yet.',
    );
    expect(recordReason(notMriRecord({ ...ct, status: 'inconclusive', stage: 'anatomy', code: 'INSUFFICIENT_SLICES', study: { ...ct.study!, modality: 'MR', sliceCount: 8, usableSlices: 1 } }))).toBe(
      'Too few usable slices (1 of 8) for a study answer.',
    );
    expect(recordReason(notMriRecord({ stage: 'file', code: 'UNSUPPORTED_TYPE', isMri: null, mriConfidence: null, modelVersions: {} }))).toBe('Not a JPEG or PNG file: refused at the file checks, before any model ran.');
  });

  it('an answer keeps its sentence and its confidence', () => {
    const ok = notMriRecord({ status: 'completed', stage: 'diagnosis', code: null, isMri: true, mriConfidence: 0.99, anatomy: 'brain', anatomyConfidence: 0.99, task: 'brain_tumor', label: 'glioma', confidence: 0.9 });
    expect(historyDetail(ok).message).toBe('Answered by the brain tumour model.');
    expect(historyDetail(ok).answerConfidence).toBe('90.0 %');
  });
});
