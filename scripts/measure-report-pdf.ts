/**
 * CPU of one PDF report, in the embedded report fonts against Helvetica (pdfkit's standard font,
 * what the reports printed in before), measured in one run with the variants interleaved, so that
 * a busy box slows them alike and the ratios hold where the milliseconds do not. Not a test
 * (timings are never asserted): run by hand,
 *   node -r ts-node/register/transpile-only scripts/measure-report-pdf.ts [reports per variant]
 * Prints, per variant, the median and mean CPU ms (process.cpuUsage: user + system) of a report,
 * its ratio to Helvetica's, and the PDF's size.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import PDFDocument from 'pdfkit';
import type { HistoryItem } from '../src/history/history.service';
import type { ModelCard } from '../src/inference/model-card';
import { modelCardView } from '../src/presentation/model-card.view';
import { buildReportPdf } from '../src/reports/report-pdf';
import { loadReportFaces, type ReportFaces } from '../src/reports/report-fonts';

const runs = Number(process.argv[2] ?? 200);
const card = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'models', name, 'model_card.json'), 'utf8')) as ModelCard;
const triage = card('triage');
const dx = card('brain_tumor');

/** A diagnosis with both models' cards: the metadata report a user downloads from history. */
const record: HistoryItem = {
  id: '3f2b6f1e-0000-4000-8000-000000000001', createdAt: '2026-12-04T18:33:00.000Z', userId: 'u1', userEmail: 'radiology.user@example.org',
  fileType: 'png', byteSize: 123456, width: 256, height: 256, sha256: 'a3'.repeat(32),
  status: 'completed', stage: 'diagnosis', code: null, anatomy: 'brain', anatomyConfidence: 0.98, isMri: true, mriConfidence: 0.999,
  task: 'brain_tumor', label: 'glioma', confidence: 0.81,
  probabilities: Object.fromEntries(dx.labels.map((l, i) => [l, i === 0 ? 0.81 : 0.19 / (dx.labels.length - 1)])),
  modelVersions: { triage: triage.version, brain_tumor: dx.version }, timingsMs: { total: 120.4, triage: 40.2, diagnosis: 70.1 }, thresholds: { triage: 0.6, brain_tumor: 0.6 }, study: null, refusal: null,
};
const cards = [modelCardView(triage), modelCardView(dx)];
/** An image refused as not MRI, no model card loaded: the shortest metadata report. */
const refused: HistoryItem = { ...record, status: 'rejected', stage: 'modality', code: 'NOT_MRI', anatomy: null, anatomyConfidence: null, isMri: false, mriConfidence: 0.01, task: 'triage', label: null, confidence: null, probabilities: null, modelVersions: { triage: triage.version }, thresholds: { triage: 0.6 } };
const study = (seriesDescription: string): HistoryItem['study'] => ({ modality: 'MR', seriesDescription, sliceCount: 24, usableSlices: 24, spacing: { column: 0.9, row: 0.9, slice: 3 }, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null });

/**
 * Helvetica as a "face": pdfkit takes a standard font's name where it takes a font, and its
 * WinAnsi encoding prints Latin-1 (what the reports let through before the embedded font).
 * The report selects its faces by the names it registers them under; pdfkit caches a registered
 * standard font under its own name, not that one, and re-read Helvetica's metrics file at every
 * switch of face (~20× the report's CPU): the old code said font('Helvetica') itself, and so does
 * this baseline, by the names being mapped while it runs.
 */
const helveticaFace = (name: string) => ({ font: name, hasGlyphForCodePoint: (cp: number) => cp < 0x100 });
const helvetica = { regular: helveticaFace('Helvetica'), bold: helveticaFace('Helvetica-Bold'), fallbacks: [] } as unknown as ReportFaces;
const STANDARD: Record<string, string> = { Report: 'Helvetica', 'Report-Bold': 'Helvetica-Bold' };
const selectFont = PDFDocument.prototype.font;
async function inHelvetica(make: () => Promise<Buffer>): Promise<Buffer> {
  PDFDocument.prototype.font = function (this: PDFKit.PDFDocument, src: unknown, ...rest: unknown[]) {
    return (selectFont as (...a: unknown[]) => PDFKit.PDFDocument).call(this, typeof src === 'string' ? (STANDARD[src] ?? src) : src, ...rest);
  } as typeof selectFont;
  try {
    return await make();
  } finally {
    PDFDocument.prototype.font = selectFont;
  }
}

const HAN = [...'軸位頭部冠状矢状造影脂肪抑制拡散強調画像検査']; // 20, so that no two reports in a row share their CJK text
const HANGUL = [...'축상관상시상조영지방억제확산강조영상검사'];
const LATIN = 'QZXJKVWYqzxjkvwyBGPFbgpfHM';
let n = 0;

interface Variant {
  name: string;
  make: () => Promise<Buffer>;
}

async function main(): Promise<void> {
  const loadStart = process.cpuUsage();
  const fonts = loadReportFaces();
  const loadMs = cpuMs(process.cpuUsage(loadStart));
  const variants: Variant[] = [
    { name: 'Helvetica, Latin', make: () => inHelvetica(() => buildReportPdf({ record, cards, generatedFor: 'u@example.org', fonts: helvetica })) },
    { name: 'embedded, Latin', make: () => buildReportPdf({ record, cards, generatedFor: 'u@example.org', fonts }) },
    { name: 'Helvetica, no cards', make: () => inHelvetica(() => buildReportPdf({ record: refused, generatedFor: 'u@example.org', fonts: helvetica })) },
    { name: 'embedded, no cards', make: () => buildReportPdf({ record: refused, generatedFor: 'u@example.org', fonts }) },
    // a user's text that changes the glyphs or their order in each report: no font program reused
    { name: 'embedded, Latin, new text', make: () => buildReportPdf({ record: { ...record, study: study(`AX T1 ${LATIN.slice(n % 26) + LATIN.slice(0, n++ % 26)} Ωμέγα ЖЯ`) }, cards, generatedFor: 'u@example.org', fonts }) },
    { name: 'embedded, Cyrillic+Greek', make: () => buildReportPdf({ record: { ...record, study: study('Иванов Пётр Ωμέγα Dvořák') }, cards, generatedFor: 'u@example.org', fonts }) },
    // the same CJK text each time (a user downloading reports again: the CJK subsets' programs are kept), then different each time
    { name: 'embedded, CJK', make: () => buildReportPdf({ record: { ...record, study: study('脳 T1 軸位 頭部 뇌 축상 のう') }, cards, generatedFor: '山田太郎@example.jp', fonts }) },
    { name: 'embedded, CJK, new text', make: () => buildReportPdf({ record: { ...record, study: study(`脳 T1 ${HAN[n % HAN.length]}${HAN[(n * 7) % HAN.length]} 뇌 ${HANGUL[n++ % HANGUL.length]}`) }, cards, generatedFor: '山田太郎@example.jp', fonts }) },
    // a right-to-left value: right-aligned, its lines placed one by one (report-value.ts)
    { name: 'embedded, Hebrew+Arabic', make: () => buildReportPdf({ record: { ...record, study: study('שלום T1 مرحبا بالعالم') }, cards, generatedFor: 'u@example.org', fonts }) },
    // kana: the kanji in the Japanese face (a third CJK face, read at its first use)
    { name: 'embedded, Japanese', make: () => buildReportPdf({ record: { ...record, study: study('頭部 T1 直交 の画像') }, cards, generatedFor: '山田はなこ@example.jp', fonts }) },
  ];
  // the first report of each pays the one-time costs (glyph pre-load, module code warming up)
  const first: number[] = [];
  for (const v of variants) {
    const t = process.cpuUsage();
    await v.make();
    first.push(cpuMs(process.cpuUsage(t)));
  }
  const samples = variants.map(() => [] as number[]);
  const sizes = variants.map(() => 0);
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < variants.length; j++) {
      const t = process.cpuUsage();
      const pdf = await variants[j].make();
      samples[j].push(cpuMs(process.cpuUsage(t)));
      sizes[j] = pdf.length;
    }
  }
  const base = median(samples[variants.findIndex((v) => v.name.startsWith('Helvetica'))]);
  console.log(`${runs} reports per variant, interleaved; loading the faces: ${loadMs.toFixed(1)} ms CPU`);
  console.log('variant                      first ms  median ms  mean ms  ×Helvetica  PDF bytes');
  variants.forEach((v, j) => {
    const med = median(samples[j]);
    const mean = samples[j].reduce((a, b) => a + b, 0) / samples[j].length;
    console.log(`${v.name.padEnd(28)} ${first[j].toFixed(1).padStart(8)} ${med.toFixed(2).padStart(10)} ${mean.toFixed(2).padStart(8)} ${(med / base).toFixed(2).padStart(11)} ${String(sizes[j]).padStart(10)}`);
  });
  console.log(`RSS after: ${Math.round(process.memoryUsage().rss / 1e6)} MB`);
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

void main();
