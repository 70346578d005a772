/**
 * A record refused just below its threshold (0.59996 under 0.6): its reason says "59.996 %", and so
 * does every other place that gives that same figure. The probability lists of the history detail
 * and the PDF gave the refused class "60.0 %" right under "(glioma, 59.996 %) is below the 60.000 %
 * confidence threshold". Records built in code.
 */
import { historyDetail, historyRow } from '../../../src/presentation/history.view';
import { studyRuleLine } from '../../../src/presentation/study-lines';
import { modelCardView } from '../../../src/presentation/model-card.view';
import { buildReportPdf } from '../../../src/reports/report-pdf';
import { notMriRecord } from '../../helpers/history-item';
import { pdfFlatText } from '../../helpers/pdf-text';
import { reportFaces } from '../../helpers/report-fonts';
import { makeCard } from '../../support/cards';

const base = { status: 'inconclusive' as const, code: 'LOW_CONFIDENCE', isMri: true, mriConfidence: 0.99, anatomy: 'brain', anatomyConfidence: 0.99, modelVersions: { triage: '4.2.0', brain_tumor: '4.1.0' }, thresholds: { triage: 0.6, brain_tumor: 0.6 } };
const low = notMriRecord({ ...base, stage: 'diagnosis', task: 'brain_tumor', confidence: 0.59996, probabilities: { glioma: 0.59996, notumor: 0.3, meningioma: 0.10004 } });

describe('probability lists of a record refused just below its threshold', () => {
  it('the history detail gives the refused class the figure its reason gives, the other classes one decimal', () => {
    const view = historyDetail(low);
    expect(view.message).toContain('(glioma, 59.996 %)');
    expect(view.probabilities.map((p) => `${p.label} ${p.value}`)).toEqual(['Glioma 59.996 %', 'No tumour 30.0 %', 'Meningioma 10.0 %']);
  });

  it('the PDF table too', async () => {
    const text = pdfFlatText(await buildReportPdf({ record: low, generatedFor: 'u@example.org', fonts: reportFaces() }));
    expect(text).toContain('Glioma 59.996 %');
    expect(text).not.toMatch(/Glioma 60\.0 %/);
  });

  it('a body part refused at the triage threshold: its list entry as its reason', () => {
    const part = notMriRecord({ ...base, stage: 'anatomy', task: 'triage', anatomyConfidence: 0.5999, confidence: null, probabilities: { brain: 0.5999, knee: 0.3, spine: 0.05, other_mri: 0.04, not_mri: 0.0101 } });
    const view = historyDetail(part);
    expect(view.message).toContain('59.99 %');
    expect(view.probabilities[0]).toMatchObject({ label: 'Brain', value: '59.99 %' });
  });

  it('a body part refused at 0.5999 under 0.6: the Body part line of the detail page and the PDF gives 59.99 %, as its reason', async () => {
    const part = notMriRecord({ ...base, stage: 'anatomy', task: 'triage', anatomyConfidence: 0.5999, confidence: null, probabilities: { brain: 0.5999, knee: 0.3, spine: 0.05, other_mri: 0.04, not_mri: 0.0101 } });
    const view = historyDetail(part);
    expect(view.message).toBe('The body part could not be determined confidently (59.99 %, below the 60.00 % confidence threshold).');
    // it read "Brain (60.0 %)"
    expect(view.bodyPartLine).toBe('Brain (59.99 %)');
    const text = pdfFlatText(await buildReportPdf({ record: part, generatedFor: 'u@example.org', fonts: reportFaces() }));
    expect(text).toContain('Body part: Brain (59.99 %)');
    expect(text).not.toContain('Brain (60.0 %)');
    // passed just above it, refused later: above it, with the decimals it takes to differ (percentBeside); no threshold recorded: one decimal
    expect(historyDetail({ ...part, anatomyConfidence: 0.60004, stage: 'diagnosis', task: 'brain_tumor', confidence: 0.3 }).bodyPartLine).toBe('Brain (60.004 %)');
    expect(historyDetail({ ...part, thresholds: null }).bodyPartLine).toBe('Brain (60.0 %)');
    expect(historyDetail({ ...part, thresholds: { triage: 0.5 } }).bodyPartLine).toBe('Brain (60.0 %)');
  });

  it('an answer, a refusal well below, a withheld answer and a record without its threshold keep one decimal', () => {
    const shown = (r: typeof low) => historyDetail(r).probabilities[0].value;
    expect(shown({ ...low, status: 'completed', code: null, label: 'glioma', confidence: 0.6, probabilities: { glioma: 0.6, notumor: 0.3, meningioma: 0.1 } })).toBe('60.0 %');
    expect(shown({ ...low, confidence: 0.45, probabilities: { glioma: 0.45, notumor: 0.3, meningioma: 0.25 } })).toBe('45.0 %');
    expect(shown({ ...low, confidence: 0.94, probabilities: { glioma: 0.94, notumor: 0.04, meningioma: 0.02 } })).toBe('94.0 %');
    expect(shown({ ...low, thresholds: null })).toBe('60.0 %');
  });

  it('refused as not confidently an MRI: the list, the MRI check line and the PDF give P(MRI), the figure its reason compares', async () => {
    // what decideTriage records for P(not MRI) 0.40004 under a 0.6 triage threshold
    const unsure = notMriRecord({ ...base, status: 'inconclusive', stage: 'modality', isMri: false, mriConfidence: 0.59996, anatomy: null, anatomyConfidence: null, task: 'triage', confidence: null,
      probabilities: { not_mri: 0.40004, brain: 0.5, knee: 0.05, spine: 0.04, other_mri: 0.00996 }, modelVersions: { triage: '4.2.0' }, thresholds: { triage: 0.6 } });
    const view = historyDetail(unsure);
    expect(view.message).toBe('The service was not confident this is an MRI (MRI 59.996 %, below the 60.000 % confidence threshold).');
    // the list read "40.0 %" (P(not MRI)) and the MRI check "not MRI (40.0 %)"
    expect(historyRow(unsure).confidence).toBe('MRI 59.996 %');
    expect(historyRow(unsure).confidenceWidth).toBe('60%');
    expect(view.mri).toBe('not confidently MRI (MRI 59.996 %)');
    const text = pdfFlatText(await buildReportPdf({ record: unsure, generatedFor: 'u@example.org', fonts: reportFaces() }));
    expect(text).toContain('MRI check: not confidently MRI (MRI 59.996 %)');
    // without its threshold recorded: the same words, one decimal
    expect(historyDetail({ ...unsure, thresholds: null }).mri).toBe('not confidently MRI (MRI 60.0 %)');
    // refused by the model as not an MRI: its reason's figure is P(not MRI), and the list says so
    const notMri = { ...unsure, status: 'rejected' as const, code: 'NOT_MRI', mriConfidence: 0.2, probabilities: { not_mri: 0.8, brain: 0.2 } };
    expect(historyDetail(notMri).message).toBe('The triage model says this is not an MRI image (80.0 %).');
    expect(historyRow(notMri).confidence).toBe('not MRI 80.0 %');
  });

  it('a threshold with more decimals than one is shown as it is, never rounded below the figure it refused', async () => {
    // CONFIDENCE_THRESHOLD=0.58348 and a glioma at 0.58341 (what a blend of two samples gave on the real
    // models): the reason said "58.34 % … below the 58.35 % confidence threshold" under "Confidence
    // threshold: 58.3 %" and "Calibrated confidence: 58.34 %" — a refused figure above the threshold shown
    const odd = notMriRecord({ ...base, stage: 'diagnosis', task: 'brain_tumor', confidence: 0.58341, probabilities: { glioma: 0.58341, meningioma: 0.41, notumor: 0.00659 }, thresholds: { triage: 0.58348, brain_tumor: 0.58348 } });
    const view = historyDetail(odd);
    expect(view.message).toBe('The most likely finding (glioma, 58.34 %) is below the 58.35 % confidence threshold.');
    expect(view.threshold).toBe('58.348 %');
    const text = pdfFlatText(await buildReportPdf({ record: odd, generatedFor: 'u@example.org', fonts: reportFaces() }));
    expect(text).toContain('Confidence threshold: 58.348 %');
    expect(text).not.toContain('58.3 %');
    // one decimal where that is the threshold itself; each model its own where they differ
    expect(historyDetail({ ...odd, thresholds: { triage: 0.8, brain_tumor: 0.6 } }).threshold).toBe('triage model 80.0 %, brain tumour model 60.0 %');
    expect(historyDetail({ ...odd, thresholds: { triage: 0.8, brain_tumor: 0.6125 } }).threshold).toBe('triage model 80.0 %, brain tumour model 61.25 %');
    // the model-card page's threshold under that CONFIDENCE_THRESHOLD, and its note that it is not the card's
    const card = modelCardView(makeCard({ name: 'brain_tumor', kind: 'diagnosis', body_part: 'brain', labels: ['glioma', 'meningioma', 'notumor', 'pituitary'] }), 0.58348);
    expect(card.threshold).toBe('58.348 %');
    expect(card.limits.join(' ')).toContain('Answers here at 58.348 % (CONFIDENCE_THRESHOLD)');
    // a study's rule line: STUDY_AGREEMENT=0.5715 read "57.1 %", which 4 of 7 agreeing slices (57.14 %) seemed to meet
    const rule = (agreement: number) => studyRuleLine({ thresholds: {}, study: { rule: { agreement, minUsableSlices: 3 } } as Parameters<typeof studyRuleLine>[0]['study'] });
    expect(rule(0.5715)).toMatch(/^57\.15 % of the slices must agree/);
    expect(rule(0.6)).toMatch(/^60\.0 % of the slices must agree/);
  });
});
