/**
 * CJK beside Latin in a PDF report, read back from the PDF's operators (pdfShownStrings): each
 * string's baseline, size, text rendering mode and line width. Noto Sans CJK's vertical metrics
 * (ascent 0.88 em, line height 1.5 em) against DejaVu Sans' (0.928, 1.164) set a CJK run 0.048 em
 * above the Latin on its line and a row ending in CJK 3.4 pt lower (at 10 pt) than a Latin one; the
 * fallback faces now take the report font's (shapingFont). The CJK faces are Regular only: a bold
 * CJK run is drawn filled and stroked (report-value.ts), as viewers simulate a bold face.
 */
import PDFDocument from 'pdfkit';
import type { HistoryItem } from '../../src/history/history.service';
import { buildReportPdf } from '../../src/reports/report-pdf';
import { FAUX_BOLD_EM, reportTextWriter } from '../../src/reports/report-value';
import { notMriRecord } from '../helpers/history-item';
import { pdfShownStrings, type ShownString } from '../helpers/pdf-text';
import { reportFaces } from '../helpers/report-fonts';

const study = (seriesDescription: string): HistoryItem['study'] => ({ modality: 'MR', seriesDescription, sliceCount: 3, usableSlices: 3, spacing: { column: 0.9, row: 0.9, slice: 3 }, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null });
const report = (record: Partial<HistoryItem>) => buildReportPdf({ record: notMriRecord(record), generatedFor: 'u@example.org', fonts: reportFaces() });
const shown = async (record: Partial<HistoryItem>) => pdfShownStrings(await report(record)).flat();

/** The series description row: its key, the value's strings, and the next row's key. */
async function seriesRow(value: string): Promise<{ key: ShownString; value: ShownString[]; next: ShownString }> {
  const all = await shown({ study: study(value) });
  const at = all.findIndex((s) => s.text === 'Series description: ');
  const end = all.findIndex((s, i) => i > at && s.text === 'Spacing: ');
  expect(at).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(at);
  return { key: all[at], value: all.slice(at + 1, end), next: all[end] };
}

/** DejaVu Sans' line height (ascent 1901 + descent 483 of 2048 units, no line gap) at 10 pt. */
const LINE = ((1901 + 483) / 2048) * 10;

describe('a line with CJK in it is spaced and set as a Latin one', () => {
  const values = { Latin: 'AX T1 post contrast', Chinese: '头部 轴位 增强', Japanese: '頭部 T1 の画像', Korean: '뇌 축상 영상', 'Latin and CJK': 'AX T1 頭部 post', 'Latin ending in CJK': 'AX T1 頭部' };

  it.each(Object.entries(values))('series description in %s: the next row is one Latin line below', async (_name, value) => {
    const row = await seriesRow(value);
    expect(row.next.baseline - row.key.baseline).toBeCloseTo(LINE, 2);
  });

  it.each(Object.entries(values))('series description in %s: every run on the key\'s baseline', async (_name, value) => {
    const row = await seriesRow(value);
    expect(row.value.length).toBeGreaterThan(0);
    for (const run of row.value) expect(run.baseline).toBeCloseTo(row.key.baseline, 3);
  });

  it('a CJK value wrapped over lines: each line a Latin line below the one before, the next row one more', async () => {
    const row = await seriesRow('頭部軸位造影後'.repeat(20));
    const baselines = [...new Set(row.value.map((s) => s.baseline.toFixed(3)))].map(Number);
    expect(baselines.length).toBeGreaterThan(2);
    expect(baselines[0]).toBeCloseTo(row.key.baseline, 3);
    baselines.forEach((b, i) => i && expect(b - baselines[i - 1]).toBeCloseTo(LINE, 2));
    expect(row.next.baseline - baselines[baselines.length - 1]).toBeCloseTo(LINE, 2);
  });

  it('a heading with CJK in it: its CJK run on the Latin runs\' baseline, the text below where a Latin heading leaves it', async () => {
    const record = (task: string): Partial<HistoryItem> => ({ status: 'completed', stage: 'diagnosis', code: null, isMri: true, task, label: 'glioma', confidence: 0.8, probabilities: { glioma: 0.8, meningioma: 0.2 }, modelVersions: { tumour: '1.0.0' } });
    const below = (all: ShownString[]) => {
      const heading = all.findIndex((s) => s.text.startsWith('Probabilities (calibrated, '));
      const header = all.findIndex((s, i) => i > heading && s.text === 'Class');
      return { runs: all.slice(heading, header), header: all[header] };
    };
    const cjk = below(await shown(record('脳腫瘍')));
    const latin = below(await shown(record('brain tumour')));
    expect(cjk.runs.map((s) => s.font)).toEqual(['DejaVuSans-Bold', 'NotoSansHans-Regular', 'DejaVuSans-Bold']);
    for (const run of cjk.runs) expect(run.baseline).toBeCloseTo(cjk.runs[0].baseline, 3);
    expect(cjk.header.baseline - cjk.runs[0].baseline).toBeCloseTo(latin.header.baseline - latin.runs[0].baseline, 2);
  });
});

describe('bold CJK is drawn bold', () => {
  const record: Partial<HistoryItem> = { status: 'completed', stage: 'diagnosis', code: null, isMri: true, task: '脳腫瘍', label: '神経膠腫', confidence: 0.8, probabilities: { 神経膠腫: 0.8, glioma: 0.2 }, modelVersions: { 脳腫瘍: '1.0.0' } };

  it('a CJK run in the title and a heading is filled and stroked in its fill colour, FAUX_BOLD_EM of its size wide; Latin and regular CJK are filled only', async () => {
    const all = await shown(record);
    const title = all.find((s) => s.size === 18 && s.text === '神経膠腫')!;
    const heading = all.findIndex((s) => s.text === 'Probabilities (calibrated, ');
    const [before, cjk, after] = all.slice(heading, heading + 3);
    expect(cjk.text).toBe('脳腫瘍');
    // and the Models section's bold heading, a card's title (here the model's name)
    const model = all.find((s) => s.text === '脳腫瘍 ' && s.size === 10)!;
    for (const run of [title, cjk, model]) {
      expect(run.font).toBe('NotoSansHans-Regular');
      expect(run.render).toBe(2);
      expect(run.lineWidth).toBeCloseTo(FAUX_BOLD_EM * run.size, 3);
      expect(run.stroke).toBe(run.fill);
    }
    // the bold Latin around it, and a continued run after it (pdfkit carries a run's options to the next)
    expect([before.render, after.render]).toEqual([0, 0]);
    // the regular CJK: the label's value and the class cell
    const regular = [all[all.findIndex((s) => s.text === 'Label: ') + 1], all.find((s) => s.size === 9 && s.text === '神経膠腫')!];
    expect(regular.map((s) => [s.text, s.font])).toEqual([['神経膠腫', 'NotoSansHans-Regular'], ['神経膠腫', 'NotoSansHans-Regular']]);
    for (const run of regular) expect(run.render).toBe(0);
  });

  it('the stroke\'s width is put back after the run: the footer, drawn last, is filled only, at PDF\'s default line width', async () => {
    const pdf = await report(record);
    const page = pdfShownStrings(pdf)[0];
    const last = page[page.length - 1];
    expect(last.render).toBe(0);
    expect(last.lineWidth).toBe(1);
  });
});

describe('the writer\'s simulated bold in a colour and across a page break', () => {
  /** A document with the report's faces registered as report-pdf.ts registers them, and a writer over it. */
  function writerDoc() {
    const fonts = reportFaces();
    const doc = new PDFDocument({ font: '', size: 'A4', margin: 48 });
    doc.registerFont('R', fonts.regular.font).registerFont('B', fonts.bold.font).font('R');
    fonts.fallbacks.forEach((f, i) => doc.registerFont(`F${i}`, f.font));
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
    const write = reportTextWriter(doc, fonts, { regular: 'R', bold: 'B', fallback: (i) => `F${i}` }, 48, doc.page.width - 96);
    return { doc, write, done };
  }

  it('a coloured bold CJK line is stroked in that colour', async () => {
    const { doc, write, done } = writerDoc();
    doc.fillColor('#8a1c1c').fontSize(11);
    write.block('注意 caveat 注意', 48, undefined, { width: 400, bold: true });
    doc.end();
    const runs = pdfShownStrings(await done).flat();
    expect(runs.map((s) => [s.text, s.render])).toEqual([['注意 ', 2], ['caveat ', 0], ['注意', 2]]);
    for (const run of [runs[0], runs[2]]) {
      expect(run.fill).toBe(run.stroke);
      expect(run.lineWidth).toBeCloseTo(FAUX_BOLD_EM * 11, 3);
    }
    expect(runs[0].fill).not.toBe('0 0 0');
  });

  it('a bold CJK paragraph that runs onto a new page is stroked there with the same width and colour', async () => {
    const { doc, write, done } = writerDoc();
    doc.fillColor('#b45309').fontSize(12);
    doc.y = doc.page.height - 48 - 30;
    write.block('頭部軸位造影後'.repeat(12), 48, undefined, { width: 400, bold: true });
    doc.end();
    const pages = pdfShownStrings(await done);
    expect(pages.length).toBe(2);
    const lines = pages.flat();
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) {
      expect(line.render).toBe(2);
      expect(line.lineWidth).toBeCloseTo(FAUX_BOLD_EM * 12, 3);
      expect(line.stroke).toBe(lines[0].fill);
    }
  });
});
