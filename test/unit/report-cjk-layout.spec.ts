/**
 * CJK beside Latin in a PDF report, read back from the PDF's operators (pdfShownStrings): each
 * string's baseline, size, text rendering mode and line width. Noto Sans CJK's vertical metrics
 * (ascent 0.88 em, line height 1.5 em) against DejaVu Sans' (0.928, 1.164) set a CJK run 0.048 em
 * above the Latin on its line and a row ending in CJK 3.4 pt lower (at 10 pt) than a Latin one; the
 * fallback faces now take the report font's (shapingFont). The CJK faces are Regular only: a bold
 * CJK run is drawn filled and stroked (report-value.ts), as viewers simulate a bold face.
 */
import type { HistoryItem } from '../../src/history/history.service';
import { buildReportPdf } from '../../src/reports/report-pdf';
import { notMriRecord } from '../helpers/history-item';
import { pdfShownStrings, type ShownString } from '../helpers/pdf-text';
import { reportFaces } from '../helpers/report-fonts';

const study = (seriesDescription: string): HistoryItem['study'] => ({ modality: 'MR', seriesDescription, sliceCount: 3, usableSlices: 3, spacing: { column: 0.9, row: 0.9, slice: 3 }, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null });
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
