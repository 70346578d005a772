/**
 * An answer just above its threshold never reads below it. Under CONFIDENCE_THRESHOLD=0.58348 an answer at
 * 0.58349 (P(MRI), the body part and the diagnosis all there) read "58.3 %" in the history list and detail and
 * in the PDF, beside "Confidence threshold 58.348 %": "58.3 % < 58.348 %, yet it answered".
 */
import { historyDetail, historyRow } from '../../../src/presentation/history.view';
import { buildReportPdf } from '../../../src/reports/report-pdf';
import { notMriRecord } from '../../helpers/history-item';
import { pdfFlatText } from '../../helpers/pdf-text';
import { reportFaces } from '../../helpers/report-fonts';

const T = 0.58348;
const answered = notMriRecord({
  status: 'completed', stage: 'diagnosis', code: null, isMri: true, mriConfidence: 0.58349, anatomy: 'brain', anatomyConfidence: 0.58349,
  task: 'brain_tumor', label: 'glioma', confidence: 0.58349, probabilities: { glioma: 0.58349, notumor: 0.3, meningioma: 0.11651 },
  modelVersions: { triage: '4.2.0', brain_tumor: '2.0.0' }, thresholds: { triage: T, brain_tumor: T },
});

describe('an answer at 0.58349 under the 0.58348 threshold', () => {
  it('the history list and detail read 58.349 %, never 58.3 %, beside "58.348 %"', () => {
    expect(historyRow(answered).confidence).toBe('58.349 %');
    const d = historyDetail(answered);
    expect(d.threshold).toBe('58.348 %');
    expect(d.answerConfidence).toBe('58.349 %');
    expect(d.mri).toBe('MRI (58.349 %)');
    expect(d.bodyPartLine).toBe('Brain (58.349 %)');
    expect(d.probabilities.map((p) => p.value)).toEqual(['58.349 %', '30.0 %', '11.7 %']);
  });

  it('a body part answered at the threshold with no validated model reads it too (the list\'s deciding figure)', () => {
    const noModel = notMriRecord({ status: 'inconclusive', stage: 'anatomy', code: 'NO_VALIDATED_MODEL', isMri: true, mriConfidence: 0.9, anatomy: 'knee', anatomyConfidence: 0.58349, thresholds: { triage: T } });
    expect(historyRow(noModel).confidence).toBe('58.349 %');
    expect(historyDetail(noModel).bodyPartLine).toBe('Knee (58.349 %)');
  });

  it('the PDF reads it so too', async () => {
    const text = pdfFlatText(await buildReportPdf({ record: answered, generatedFor: 'a@example.org', fonts: reportFaces() })).replace(/\s+/g, ' ');
    expect(text).toContain('58.348 %');
    expect(text).not.toContain('58.3 %');
    expect(text).toContain('MRI (58.349 %)');
    expect(text).toContain('Brain (58.349 %)');
  });
});
