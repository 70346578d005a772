/**
 * A study refused because most of its slices were refused at the MRI check or the body-part check
 * for low confidence (study-aggregate.ts: the dominant reason of the refused slices). Its record
 * keeps the mean P(MRI) over all the slices, the confident ones too — a figure no slice was
 * compared with. The reason read "MRI 63.8 %, below the 60.0 % confidence threshold" (63.8 > 60)
 * on the history page and in the PDF, and "(—, below …)" for the body part, whose figure is null.
 */
import { historyDetail, historyRow } from '../../../src/presentation/history.view';
import { mriCheck } from '../../../src/presentation/mri-check';
import { recordReason } from '../../../src/presentation/record-reason';
import { buildReportPdf } from '../../../src/reports/report-pdf';
import { notMriRecord } from '../../helpers/history-item';
import { pdfFlatText } from '../../helpers/pdf-text';
import { reportFaces } from '../../helpers/report-fonts';

const study = { modality: 'MR', seriesDescription: null, sliceCount: 20, usableSlices: 0, spacing: null, rule: { agreement: 0.6, minUsableSlices: 3, pairWithin: 2 }, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null };
// 16 of 20 slices unsure (P(MRI) 0.55), 4 confident (0.99): refused, mean 0.638 over the 20
const unsureSlices = notMriRecord({ fileType: 'dicom', code: 'LOW_CONFIDENCE', stage: 'modality', isMri: false, mriConfidence: 0.638, probabilities: null, task: null, modelVersions: { triage: '4.4.0' }, thresholds: { triage: 0.6 }, study });
const unsurePart = notMriRecord({ ...unsureSlices, stage: 'anatomy', isMri: true, mriConfidence: 0.97 });

describe('a study refused for its slices\' low confidence', () => {
  it('MRI check: never "below the threshold" of a mean over the slices, which is above it', async () => {
    const reason = recordReason(unsureSlices);
    expect(reason).not.toMatch(/63\.8 %, below/);
    expect(reason).toBe('Most of its slices were not confidently MRI: each was below the 60.0 % confidence threshold (MRI 63.8 % on average over all 20 slices).');
    expect(historyDetail(unsureSlices).message).toBe(reason);
    expect(pdfFlatText(await buildReportPdf({ record: unsureSlices, generatedFor: 'a@example.org', fonts: reportFaces() }))).toContain(`Reason: ${reason}`);
  });

  it('body part: the slices\' reason, not a "—" figure compared with the threshold', () => {
    expect(recordReason(unsurePart)).toBe('The body part of most of its slices could not be determined confidently: each was below the 60.0 % confidence threshold.');
  });

  it('without its threshold (a record older than the column): the same words, no figure for it', () => {
    expect(recordReason({ ...unsureSlices, thresholds: null })).toBe('Most of its slices were not confidently MRI: each was below the confidence threshold (MRI 63.8 % on average over all 20 slices).');
  });

  it('the MRI check line, the list cell and the PDF say the figure is the mean over the slices, as the reason does', async () => {
    const mean = 'MRI 63.8 % on average over all 20 slices';
    expect(recordReason(unsureSlices)).toContain(`(${mean})`);
    expect(mriCheck(unsureSlices)).toBe(`not confidently MRI (${mean})`);
    expect(historyDetail(unsureSlices).mri).toBe(mriCheck(unsureSlices));
    expect(historyRow(unsureSlices).confidence).toBe(mean);
    expect(pdfFlatText(await buildReportPdf({ record: unsureSlices, generatedFor: 'a@example.org', fonts: reportFaces() }))).toContain(`MRI check: not confidently MRI (${mean})`);
    // one image refused as unsure: its own P(MRI), no mean
    const image = { ...unsureSlices, fileType: 'png', mriConfidence: 0.55, study: null };
    expect(mriCheck(image)).toBe('not confidently MRI (MRI 55.0 %)');
    expect(historyRow(image).confidence).toBe('MRI 55.0 %');
  });
});
