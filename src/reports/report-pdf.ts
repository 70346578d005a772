import PDFDocument from 'pdfkit';
import { DISCLAIMER } from '../common/disclaimer';
import type { HistoryItem } from '../history/history.service';

export interface CardSummary {
  name: string;
  version: string;
  experimental: boolean;
  metrics: Record<string, string>;
}

export interface ReportInput {
  record: HistoryItem;
  /** the analysis message (full reports only; metadata reports rebuild a short one) */
  message?: string;
  /** PNG/JPEG bytes; absent in metadata-only reports */
  image?: Buffer;
  heatmap?: Buffer;
  cards?: CardSummary[];
  generatedFor: string;
}

const pct = (v: number | null | undefined) => (typeof v === 'number' ? `${(v * 100).toFixed(1)}%` : '—');
const GREY = '#555555';

/** Flattens a model card's metrics into printable "key: value" pairs (numbers to 4 places). */
export function flattenMetrics(metrics: Record<string, unknown>, prefix = '', out: Record<string, string> = {}, depth = 0): Record<string, string> {
  for (const [k, v] of Object.entries(metrics ?? {})) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number') out[key] = Number.isInteger(v) ? String(v) : v.toFixed(4);
    else if (typeof v === 'string' || typeof v === 'boolean') out[key] = String(v);
    else if (v && typeof v === 'object' && !Array.isArray(v) && depth < 3) flattenMetrics(v as Record<string, unknown>, key, out, depth + 1);
    if (Object.keys(out).length >= 40) break;
  }
  return out;
}

/**
 * One PDF layout for both kinds of report. With `image`, the full report right after an analysis
 * (image, heat map, everything); without, the metadata-only report from history, marked as such.
 */
export function buildReportPdf(input: ReportInput): Promise<Buffer> {
  const { record: r } = input;
  const doc = new PDFDocument({
    size: 'A4',
    margin: 48,
    info: { Title: `MRI Sentinel analysis ${r.id}`, Author: 'MRI Sentinel', Subject: 'Research use only — not for clinical use' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const width = doc.page.width - 96;
  const heading = (t: string) => doc.moveDown(0.8).font('Helvetica-Bold').fontSize(12).fillColor('black').text(t).moveDown(0.2).font('Helvetica').fontSize(10);
  const row = (k: string, v: string) => doc.font('Helvetica-Bold').text(`${k}: `, { continued: true }).font('Helvetica').text(v);

  doc.font('Helvetica-Bold').fontSize(18).text('MRI Sentinel — analysis report');
  doc.font('Helvetica').fontSize(9).fillColor(GREY).text(`Generated ${new Date().toISOString()} for ${input.generatedFor}`);
  doc.moveDown(0.4).fillColor('#8a1c1c').font('Helvetica-Bold').fontSize(10).text(`Disclaimer: ${DISCLAIMER}`, { width });
  doc.fillColor('black');

  if (!input.image) {
    doc.moveDown(0.6);
    const y = doc.y;
    doc.rect(48, y, width, 34).lineWidth(1.5).stroke('#b45309');
    doc.fillColor('#b45309').font('Helvetica-Bold').fontSize(11)
      .text('This report contains no image — metadata only. The server never stores uploaded images, heat maps or file names.', 56, y + 6, { width: width - 16 });
    doc.fillColor('black').font('Helvetica').fontSize(10);
    doc.y = y + 42;
    doc.x = 48;
  }

  heading('Result');
  row('Status', r.status);
  row('Label', r.label ?? '— (no diagnosis)');
  row('Confidence', pct(r.confidence));
  row('Deciding stage', `${r.stage ?? '—'}${r.code ? ` (${r.code})` : ''}`);
  if (input.message) row('Message', input.message);
  row('Task (model reported)', r.task ?? '—');
  row('MRI', `${r.isMri === null ? '—' : r.isMri ? 'yes' : 'no'} (confidence ${pct(r.mriConfidence)})`);
  row('Body part', `${r.anatomy ?? '—'} (confidence ${pct(r.anatomyConfidence)})`);

  if (input.image) {
    heading('Image and heat map');
    const y = doc.y;
    const w = input.heatmap ? (width - 16) / 2 : width / 2;
    doc.image(input.image, 48, y, { fit: [w, 220], align: 'center' });
    doc.fontSize(8).fillColor(GREY).text('Image', 48, y + 224, { width: w, align: 'center' });
    if (input.heatmap) {
      doc.image(input.heatmap, 48 + w + 16, y, { fit: [w, 220], align: 'center' });
      doc.text('Heat map (Grad-CAM): regions that drove the prediction', 48 + w + 16, y + 224, { width: w, align: 'center' });
    }
    doc.fillColor('black').fontSize(10);
    doc.x = 48;
    doc.y = y + 244;
  }

  heading('Probabilities (calibrated)');
  const probs = Object.entries(r.probabilities ?? {}).sort((a, b) => b[1] - a[1]);
  if (!probs.length) doc.text('—');
  for (const [label, p] of probs) row(label, pct(p));

  heading('Models');
  const versions = Object.entries(r.modelVersions ?? {});
  if (!versions.length) doc.text('— (no model ran)');
  for (const [name, version] of versions) {
    const card = input.cards?.find((c) => c.name === name);
    row(name, `version ${version}${card?.experimental ? ' (experimental)' : ''}`);
    if (card) {
      const m = Object.entries(card.metrics);
      if (m.length) doc.fontSize(8).fillColor(GREY).text(`Card metrics: ${m.map(([k, v]) => `${k} ${v}`).join(' · ')}`, { width }).fillColor('black').fontSize(10);
    }
  }

  heading('Timings (ms)');
  const t = Object.entries(r.timingsMs ?? {});
  doc.text(t.length ? t.map(([k, v]) => `${k} ${v}`).join(' · ') : '—', { width });

  heading('Record');
  row('Analysis id', r.id);
  row('Time', r.createdAt);
  row('User', r.userEmail ?? '—');
  row('File', `${r.fileType ?? 'unknown type'}, ${r.byteSize} bytes${r.width ? `, ${r.width}×${r.height} px` : ''}`);
  row('SHA-256', r.sha256);
  if (r.study) {
    const st = r.study;
    const spacing = st.spacing ? Object.entries(st.spacing).map(([k, v]) => `${k} ${v} mm`).join(', ') : '—';
    row('Study', `${st.modality ?? '—'}, ${st.sliceCount ?? '—'} slices (${st.usableSlices ?? '—'} usable)`);
    row('Series description', st.seriesDescription ?? '—');
    row('Spacing', spacing);
  }

  doc.moveDown(1).fontSize(9).fillColor('#8a1c1c').font('Helvetica-Bold').text(`Disclaimer: ${DISCLAIMER}`, { width });
  doc.end();
  return done;
}
