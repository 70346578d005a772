/**
 * How CJK text sits in a PDF report beside Latin text, read back from the PDF's operators (never
 * asserted: report-cjk-layout.spec.ts asserts the behaviour; this prints the figures). For a series
 * description in Latin, CJK and both: how far the next row's baseline is below the row's (the line
 * advance), the CJK run's baseline against the key's on the same line, a CJK heading's rendering
 * mode, and the bytes of a report with CJK in it against the same report in Latin (whole file and
 * each embedded font program). Run by hand:
 *   node -r ts-node/register/transpile-only scripts/measure-report-cjk.ts [--out dir]
 * `--out`: the PDFs are also written there (to look at: pdftoppm -r 150 -png file.pdf page).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inflateSync } from 'node:zlib';
import type { HistoryItem } from '../src/history/history.service';
import { buildReportPdf } from '../src/reports/report-pdf';
import { loadReportFaces } from '../src/reports/report-fonts';
import { notMriRecord } from '../test/helpers/history-item';
import { pdfShownStrings, type ShownString } from '../test/helpers/pdf-text';

const outAt = process.argv.indexOf('--out');
const OUT = outAt > 0 ? process.argv[outAt + 1] : undefined;
const fonts = loadReportFaces();
const study = (seriesDescription: string): HistoryItem['study'] => ({ modality: 'MR', seriesDescription, sliceCount: 3, usableSlices: 3, spacing: { column: 0.9, row: 0.9, slice: 3 }, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null });
const build = (record: Partial<HistoryItem>) => buildReportPdf({ record: notMriRecord(record), generatedFor: 'u@example.org', fonts });
const round = (n: number) => Math.round(n * 1000) / 1000;

/** Each embedded font program's name and its stream's bytes in the file (compressed) and decoded. */
function fontPrograms(pdf: Buffer): { name: string; stored: number; decoded: number }[] {
  const src = pdf.toString('latin1');
  const out: { name: string; stored: number; decoded: number }[] = [];
  for (const m of src.matchAll(/\/FontName \/([^\s/]+)[\s\S]*?\/FontFile[23]? (\d+) 0 R/g)) {
    const at = src.indexOf(`\n${m[2]} 0 obj`);
    const length = Number(/\/Length (\d+)/.exec(src.slice(at, at + 300))?.[1]);
    const start = src.indexOf('stream\n', at) + 'stream\n'.length;
    const bytes = pdf.subarray(start, start + length);
    out.push({ name: m[1], stored: length, decoded: inflateSync(bytes).length });
  }
  return out;
}

async function main(): Promise<void> {
  const rows: Record<string, string> = { latin: 'AX T1 post contrast', cjk: '頭部 軸位 造影', mixed: 'AX T1 頭部 post', japanese: '頭部 T1 の画像' };
  for (const [name, value] of Object.entries(rows)) {
    const pdf = await build({ study: study(value) });
    if (OUT) fs.writeFileSync(path.join(OUT, `series-${name}.pdf`), pdf);
    const all = pdfShownStrings(pdf).flat();
    const key = all.findIndex((s) => s.text === 'Series description: ');
    const next = all.find((s, i) => i > key && s.text === 'Spacing: ')!;
    const runs = all.slice(key + 1, all.indexOf(next));
    const offsets = runs.map((s: ShownString) => `${s.font.replace(/-Regular$/, '')} ${round((s.baseline - all[key].baseline) / s.size)} em`);
    console.log(`${name.padEnd(8)} line advance ${round(next.baseline - all[key].baseline)} pt (10 pt text); baselines against the key's: ${offsets.join(', ')}`);
  }
  const latin: Partial<HistoryItem> = {
    status: 'completed', stage: 'diagnosis', code: null, isMri: true, task: 'brain tumour', label: 'glioma', confidence: 0.8,
    probabilities: { glioma: 0.8, meningioma: 0.15, pituitary: 0.05 }, modelVersions: { tumour: '1.0.0' }, study: study('AX T1 post contrast'),
  };
  const cjk: Partial<HistoryItem> = {
    ...latin, task: '脳腫瘍', label: '神経膠腫', probabilities: { 神経膠腫: 0.8, 髄膜腫: 0.15, 下垂体腫瘍: 0.05 }, modelVersions: { 脳腫瘍: '1.0.0' }, study: study('頭部 T1 軸位 造影後'),
  };
  const sizes: number[] = [];
  for (const [name, record] of [['latin', latin], ['cjk', cjk]] as const) {
    const pdf = await build(record);
    if (OUT) fs.writeFileSync(path.join(OUT, `report-${name}.pdf`), pdf);
    sizes.push(pdf.length);
    // the title's CJK run (18 pt, bold): its rendering mode and line width (2 and a width: a simulated bold)
    const title = pdfShownStrings(pdf).flat().find((s) => s.size === 18 && s.font.startsWith('Noto'));
    const bold = title ? `; CJK title run: render mode ${title.render}, line width ${title.lineWidth} pt` : '';
    console.log(`${name.padEnd(6)} ${pdf.length} bytes${bold}; fonts: ${fontPrograms(pdf).map((f) => `${f.name} ${f.stored} B (${f.decoded} decoded)`).join(', ')}`);
  }
  console.log(`cjk / latin: ${round(sizes[1] / sizes[0])}`);
}

void main();
