/**
 * Users read the heat map as evidence. Where it is shown, the PDF says what it is: the method
 * (a class activation map), which class it is for, that it is not a segmentation and not for
 * clinical use. The full report captioned it only "Heat map (Grad-CAM): regions that drove the
 * prediction" — no class, nothing on what it is not.
 */
import sharp from 'sharp';
import type { HistoryItem } from '../../src/history/history.service';
import { buildReportPdf } from '../../src/reports/report-pdf';
import { pdfStreamTexts } from '../helpers/pdf-text';
import { reportFaces } from '../helpers/report-fonts';

const record: HistoryItem = {
  id: '3f2b6f1e-0000-4000-8000-000000000002', createdAt: '2026-12-04T18:33:00.000Z', userId: 'u1', userEmail: 'u@example.org',
  fileType: 'png', byteSize: 1234, width: 256, height: 256, sha256: 'b'.repeat(64),
  status: 'completed', stage: 'diagnosis', code: null, anatomy: 'brain', anatomyConfidence: 0.98, isMri: true, mriConfidence: 0.999,
  task: 'brain_tumor', label: 'meningioma', confidence: 0.81,
  probabilities: { glioma: 0.1, meningioma: 0.81, notumor: 0.05, pituitary: 0.04 },
  modelVersions: { triage: '1.0.0', brain_tumor: '1.0.0' }, timingsMs: { total: 120 }, thresholds: { triage: 0.6, brain_tumor: 0.6 }, study: null, refusal: null,
};

const text = async (heatmap: boolean, r: HistoryItem = record, noFocus = false) => {
  const image = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#404040' } }).png().toBuffer();
  const pdf = await buildReportPdf({ record: r, message: 'Most likely: meningioma.', image, ...(heatmap ? { heatmap: image } : {}), noFocus, cards: [], generatedFor: 'u@example.org', fonts: reportFaces() });
  return pdfStreamTexts(pdf).join(' ').replace(/\s+/g, ' ');
};

describe('the PDF says what its heat map is', () => {
  it('names the method and the class it is for, and what it is not', async () => {
    const t = await text(true);
    expect(t).toMatch(/heat map for Meningioma/i);
    expect(t).toMatch(/class activation map \(CAM\)/i);
    expect(t).toMatch(/not a segmentation/i);
    expect(t).toMatch(/not for clinical use/i);
    // the PDF has no legend bar: the note names the colour scale's ends
    expect(t).toMatch(/dark purple \(least\) to yellow \(most\)/i);
  });

  it('says nothing of a heat map where it prints none', async () => {
    const t = await text(false);
    expect(t).not.toMatch(/class activation map|segmentation|stands out/i);
  });

  it('where the map has no region standing out (focus none): no map, and the words say why', async () => {
    const t = await text(false, record, true);
    expect(t).toMatch(/no region stands out for this answer/i);
    expect(t).not.toMatch(/heat map for/i);
    expect(t).toMatch(/^(?!.*Image and heat map)/);
  });
});
