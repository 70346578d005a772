/**
 * A study's figure is combined from its slices' calibrated probabilities by the study rule (the most
 * suspicious pair of neighbouring slices, or a mean); the combination is not itself calibrated. The
 * history detail and the PDF called it "Calibrated confidence", as for one image, while the study page
 * said "Study confidence" with no explanation. One name and one line, the same in all three places.
 * Records built in code.
 */
import { historyDetail } from '../../../src/presentation/history.view';
import { STUDY_CONFIDENCE_NAME, STUDY_CONFIDENCE_NOTE } from '../../../src/presentation/study-confidence';
import { buildReportPdf } from '../../../src/reports/report-pdf';
import { notMriRecord } from '../../helpers/history-item';
import { pdfFlatText } from '../../helpers/pdf-text';
import { reportFaces } from '../../helpers/report-fonts';

const answer = {
  status: 'completed' as const,
  code: null,
  stage: 'diagnosis',
  isMri: true,
  mriConfidence: 0.99,
  anatomy: 'brain',
  anatomyConfidence: 0.99,
  task: 'brain_tumor',
  label: 'glioma',
  confidence: 0.91,
  probabilities: { glioma: 0.91, notumor: 0.06, meningioma: 0.03 },
  modelVersions: { triage: '4.2.0', brain_tumor: '4.1.0' },
  thresholds: { triage: 0.6, brain_tumor: 0.6 },
};
const image = notMriRecord(answer);
const study = notMriRecord({
  ...answer,
  fileType: 'dicom',
  study: { modality: 'MR', seriesDescription: 'AX T1', sliceCount: 12, usableSlices: 12, spacing: { column: 0.9, row: 0.9, slice: 5 }, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null },
});

describe("a study's figure is named for what it is", () => {
  it('the words say it is combined from calibrated probabilities and not itself calibrated', () => {
    expect(STUDY_CONFIDENCE_NAME).toBe('Study confidence');
    expect(STUDY_CONFIDENCE_NOTE).toMatch(/combined from .*slices' calibrated probabilities/i);
    expect(STUDY_CONFIDENCE_NOTE).toMatch(/not itself calibrated/);
  });

  it('history detail: "Study confidence" with the line for a study, "Calibrated confidence" for one image', () => {
    expect(historyDetail(study).confidenceName).toBe(STUDY_CONFIDENCE_NAME);
    expect(historyDetail(study).confidenceNote).toBe(STUDY_CONFIDENCE_NOTE);
    expect(historyDetail(image).confidenceName).toBe('Calibrated confidence');
    expect(historyDetail(image).confidenceNote).toBeNull();
  });

  it('the PDF: the same name and line for a study; one image keeps "Calibrated confidence"', async () => {
    const text = pdfFlatText(await buildReportPdf({ record: study, generatedFor: 'u@example.org', fonts: reportFaces() }));
    expect(text).toContain(`${STUDY_CONFIDENCE_NAME}: 91.0 %`);
    expect(text).toContain(STUDY_CONFIDENCE_NOTE);
    expect(text).not.toContain('Calibrated confidence');
    const one = pdfFlatText(await buildReportPdf({ record: image, generatedFor: 'u@example.org', fonts: reportFaces() }));
    expect(one).toContain('Calibrated confidence: 91.0 %');
    expect(one).not.toContain(STUDY_CONFIDENCE_NOTE);
  });
});
