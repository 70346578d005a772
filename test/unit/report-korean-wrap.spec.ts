/**
 * Korean is written with spaces between words and is broken at those spaces only (CSS's
 * `word-break: keep-all`): pdfkit's wrapping (UAX #14, as the linebreak package has it) breaks
 * between any two Hangul syllables, as between ideographs, and split words ("간 / 호사"). A word
 * longer than the line is still broken where the width ends; Chinese, Japanese and Latin wrap as
 * pdfkit wraps them. Lines are read back from the PDF: the shown strings grouped by baseline.
 */
import PDFDocument from 'pdfkit';
import type { HistoryItem } from '../../src/history/history.service';
import { buildReportPdf } from '../../src/reports/report-pdf';
import { reportTextWriter, type ReportTextWriter } from '../../src/reports/report-value';
import { notMriRecord } from '../helpers/history-item';
import { pdfShownStrings, type ShownString } from '../helpers/pdf-text';
import { reportFaces } from '../helpers/report-fonts';

/** The strings' text joined per baseline, top to bottom. */
function linesOf(strings: readonly ShownString[]): string[] {
  const lines = new Map<string, string>();
  for (const s of strings) {
    const key = s.baseline.toFixed(2);
    lines.set(key, (lines.get(key) ?? '') + s.text);
  }
  const sorted = [...lines.entries()].sort((a, b) => Number(a[0]) - Number(b[0]));
  starts = sorted.map(([key]) => Math.min(...strings.filter((s) => s.baseline.toFixed(2) === key).map((s) => Math.round(s.x * 100) / 100)));
  return sorted.map(([, text]) => text.trimEnd());
}

/** Where each line linesOf last read starts (its leftmost string's x). */
let starts: number[] = [];

/** What `draw` writes, as lines, through the report's writer in a document with the report's faces (as report-pdf.ts registers them). */
async function written(draw: (write: ReportTextWriter, doc: PDFKit.PDFDocument) => void, textWidth = 499): Promise<string[]> {
  const fonts = reportFaces();
  const doc = new PDFDocument({ font: '', size: 'A4', margin: 48 });
  doc.registerFont('R', fonts.regular.font).registerFont('B', fonts.bold.font).font('R').fontSize(10);
  fonts.fallbacks.forEach((f, i) => doc.registerFont(`F${i}`, f.font));
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  draw(reportTextWriter(doc, fonts, { regular: 'R', bold: 'B', fallback: (i) => `F${i}` }, 48, textWidth), doc);
  doc.end();
  return linesOf(pdfShownStrings(await done).flat());
}

/** Width at 10 pt in the fallback face that prints Hangul. */
function widthOf(text: string): number {
  const doc = new PDFDocument({ font: '' });
  doc.registerFont('F0', reportFaces().fallbacks[0].font);
  return doc.font('F0').fontSize(10).widthOfString(text);
}

const block = (text: string, width: number, bold = false) => written((write) => write.block(text, 48, 48, { width, bold }));

/** The same text as pdfkit alone wraps it, in the one face `face` (the report's regular face or the first fallback). */
const pdfkitAlone = (text: string, width: number, face: 'R' | 'F0') => written((_write, doc) => doc.font(face).text(text, 48, 48, { width }));

const KOREAN = '간호사가 환자의 뇌 자기공명영상 검사 결과를 담당 의사에게 전달하였습니다';
const WORDS = KOREAN.split(' ');

/** Each line is whole words, in order, and together they are the sentence. */
function expectWholeWords(lines: string[]) {
  expect(lines.length).toBeGreaterThan(2);
  for (const line of lines) for (const word of line.split(' ')) expect(WORDS).toContain(word);
  expect(lines.join(' ')).toBe(KOREAN);
}

describe('Korean wraps at spaces only (keep-all)', () => {
  it.each([80, 120, 150])('a Korean sentence in a %d pt column: every line whole words', async (width) => {
    expectWholeWords(await block(KOREAN, width));
  });

  it('in bold (the faux-bold fallback runs) too', async () => {
    expectWholeWords(await block(KOREAN, 120, true));
  });

  it('each line as full as fits: the next line\'s first word would not have fitted on it', async () => {
    const lines = await block(KOREAN, 120);
    lines.slice(1).forEach((line, i) => expect(widthOf(`${lines[i]} ${line.split(' ')[0]}`)).toBeGreaterThan(120 - 1));
  });

  // pdfkit broke these "간호사가 환자의 뇌 … 간호사가 환 / 자의" and "… 간호사가 환자 / 의" (a Latin run first)
  it.each(['축상', 'T1'])('a record value after its key (beginning "%s"): its words kept whole across lines, each after the first at the left margin', async (lead) => {
    const value = `${lead} ${KOREAN} ${KOREAN}`;
    const pdf = await buildReportPdf({ record: notMriRecord({ study: { modality: 'MR', seriesDescription: value, sliceCount: 3, usableSlices: 3, spacing: { column: 0.9, row: 0.9, slice: 3 }, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null } as HistoryItem['study'] }), generatedFor: 'u@example.org', fonts: reportFaces() });
    const all = pdfShownStrings(pdf).flat();
    const at = all.findIndex((s) => s.text === 'Series description: ');
    const end = all.findIndex((s, i) => i > at && s.text === 'Spacing: ');
    expect(all[at].font).toBe('DejaVuSans-Bold');
    const lines = linesOf(all.slice(at, end));
    expect(lines.length).toBeGreaterThan(1);
    expect(lines[0].startsWith('Series description: ')).toBe(true);
    lines[0] = lines[0].slice('Series description: '.length);
    expect(starts.slice(1)).toEqual(lines.slice(1).map(() => 48));
    for (const line of lines) for (const word of line.split(' ')) expect([lead, ...WORDS]).toContain(word);
    expect(lines.join(' ')).toBe(value);
  });

  it('a record value whose first word fits only on a line of its own: the key alone on its line, the word on the next', async () => {
    const lines = await written((write) => {
      write.value('Series description: ', 'B', '자기공명영상자기공명영상');
      write.value('Next: ', 'B', 'x');
    }, 150);
    // the word was drawn over the key's line before, and the next row there too
    expect(lines).toEqual(['Series description:', '자기공명영상자기공명영상', 'Next: x']);
  });

  it('a Korean word wider than the line is still broken, each line as full as fits', async () => {
    const word = '자기공명영상'.repeat(6);
    const lines = await block(`뇌 ${word} 검사`, 100);
    expect(lines[0]).toBe('뇌');
    expect(lines.join('').replace(/ /g, '')).toBe(`뇌${word}검사`);
    // the word's last piece and the next word share the last line
    expect(lines[lines.length - 1].endsWith(' 검사')).toBe(true);
    const long = lines.slice(1);
    expect(long.length).toBeGreaterThan(1);
    // every piece of the word but its last fills its line: one more syllable would not fit
    for (const piece of long.slice(0, -1)) expect(widthOf(`${piece}자`)).toBeGreaterThan(100 - 1);
  });

  it('Korean beside Latin (runs in two faces): both kept whole, every line at the column\'s left edge', async () => {
    const lines = await block('T1 강조 영상에서 조영 증강이 관찰됨 post-contrast axial', 110);
    expect(lines.length).toBeGreaterThan(2);
    // pdfkit started a line after a "\n" in a continuing run where that run began (x 63.6 here)
    expect(starts).toEqual(lines.map(() => 48));
    // the Korean words whole; "post-contrast" whole or broken after its hyphen, as pdfkit breaks it in Latin text (line-breaks.ts)
    const words = 'T1 강조 영상에서 조영 증강이 관찰됨 post-contrast post- contrast axial'.split(' ');
    for (const line of lines) for (const w of line.split(' ')) expect(words).toContain(w);
  });
});

describe('other scripts wrap as pdfkit wraps them', () => {
  it('hanja in Korean text still break between ideographs: a line filled with them', async () => {
    const lines = await block('검사 頭部軸位造影後頭部 결과', 80);
    expect(lines.join('').replace(/ /g, '')).toBe('검사頭部軸位造影後頭部결과');
    expect(lines[0].startsWith('검사 頭')).toBe(true);
  });

  it.each([
    ['Chinese', '头部轴位增强扫描显示左侧额叶占位性病变'.repeat(2), 'F0'],
    ['Japanese', '頭部の画像で左前頭葉に腫瘍性病変を認めます'.repeat(2), 'F0'],
    ['Latin', 'Axial T1-weighted post-contrast images of the brain show an enhancing lesion', 'R'],
  ] as const)('%s: the same lines as pdfkit alone', async (_name, text, face) => {
    const lines = await block(text, 120);
    expect(lines.length).toBeGreaterThan(2);
    expect(lines).toEqual(await pdfkitAlone(text, 120, face));
  });

  it('Chinese is still broken between ideographs (a line ends inside the space-free run)', async () => {
    const lines = await block('头部轴位增强扫描显示左侧额叶占位性病变', 60);
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.join('')).toBe('头部轴位增强扫描显示左侧额叶占位性病变');
  });
});
