/**
 * Where and in which face the PDF draws text of other scripts (report-value.ts): a right-to-left
 * value is right-aligned, as a browser sets a dir="auto" paragraph whose first letter is Hebrew;
 * Japanese text takes its kanji from the Japanese face (the Chinese face draws 直, 骨, 画 in
 * their Chinese forms); the title, headings and table cells print CJK and Hebrew as values do,
 * never as empty boxes (.notdef, glyph 0) or "?". Read back from the PDF's text operators: each
 * string's font, glyph codes and x position.
 */
import type { HistoryItem } from '../../src/history/history.service';
import { buildReportPdf } from '../../src/reports/report-pdf';
import { notMriRecord } from '../helpers/history-item';
import { pdfFlatText, pdfShownStrings, type ShownString } from '../helpers/pdf-text';
import { reportFaces } from '../helpers/report-fonts';

/** The report's text box: A4 less 48-pt margins. */
const LEFT = 48;
const RIGHT = 595.28 - 48;

const study = (seriesDescription: string): HistoryItem['study'] => ({ modality: 'MR', seriesDescription, sliceCount: 3, usableSlices: 3, spacing: { column: 0.9, row: 0.9, slice: 3 }, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null });
const report = (record: Partial<HistoryItem>, generatedFor = 'u@example.org') => buildReportPdf({ record: notMriRecord(record), generatedFor, fonts: reportFaces() });
const shown = (pdf: Buffer) => pdfShownStrings(pdf).flat();

/** The strings drawn after `label` up to the one starting with `next`. */
function after(pdf: Buffer, label: string, next: string): ShownString[] {
  const all = shown(pdf);
  const at = all.findIndex((s) => s.text === label);
  expect(at).toBeGreaterThanOrEqual(0);
  const out: ShownString[] = [];
  for (let i = at + 1; i < all.length && !all[i].text.startsWith(next); i++) out.push(all[i]);
  return out;
}
const seriesLine = (pdf: Buffer) => after(pdf, 'Series description: ', 'Spacing');

/** Width of a drawn string in the regular (or bold) face, at `size` points: as the report's layout measured it. */
function widthOf(s: ShownString, size = 10, bold = false): number {
  const font = reportFaces()[bold ? 'bold' : 'regular'].font;
  return (font.layout(s.text).advanceWidth / font.unitsPerEm) * size;
}
const rightEnd = (s: ShownString, size = 10) => s.x + widthOf(s, size);

describe('right-to-left paragraphs are right-aligned', () => {
  it('a Hebrew or Arabic series description ends at the right margin, its key stays at the left', async () => {
    for (const text of ['שלום עולם', 'بيت كبير', '(שלום) T1']) {
      const pdf = await report({ study: study(text) });
      const key = shown(pdf).find((s) => s.text === 'Series description: ')!;
      expect(key.x).toBeCloseTo(LEFT, 1);
      const [line] = seriesLine(pdf);
      expect(rightEnd(line)).toBeCloseTo(RIGHT, 0);
      expect(line.x).toBeGreaterThan(LEFT + widthOf(key, 10, true) + 50);
    }
  });

  it('a left-to-right value with Hebrew in it (its first letter Latin) still starts right after its key', async () => {
    const pdf = await report({ study: study('T1 שלום') });
    const key = shown(pdf).find((s) => s.text === 'Series description: ')!;
    expect(seriesLine(pdf)[0].x).toBeCloseTo(LEFT + widthOf(key, 10, true), 0);
  });

  it('a wrapped Hebrew value: every line ends at the right margin, the first holds the first words, read right to left', async () => {
    const letters = 'אבגדהוזחטיכלמנסעפצקרשת';
    const words = Array.from({ length: 40 }, (_, i) => letters[i % 22] + letters[(i * 7 + 3) % 22] + letters[(i * 5 + 1) % 22] + letters[(i * 3 + 2) % 22]);
    const lines = seriesLine(await report({ study: study(words.join(' ')) }));
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(rightEnd(line)).toBeCloseTo(RIGHT, 0);
    const read = lines.map((s) => [...s.text].reverse().join(''));
    expect(read[0].startsWith(words.slice(0, 3).join(' '))).toBe(true);
    expect(read.join(' ')).toBe(words.join(' '));
    // the first line shares its line with the key: shorter than the others, which fill the width
    expect(widthOf(lines[0])).toBeLessThan(widthOf(lines[1]));
  });

  it('a Hebrew word longer than a line is broken where the line ends, not drawn past the margin', async () => {
    const word = 'אבגדהוזחטיכלמנסעפצקרשת'.repeat(6);
    const lines = seriesLine(await report({ study: study(word) }));
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(rightEnd(line)).toBeLessThanOrEqual(RIGHT + 0.5);
    expect(lines.map((s) => [...s.text].reverse().join('')).join('')).toBe(word);
  });

  it('a Hebrew user name in the "generated for" line ends at the right margin too', async () => {
    const pdf = await report({}, 'דוד כהן');
    const line = shown(pdf).find((s) => s.text === 'ןהכ דוד')!;
    expect(rightEnd(line, 9)).toBeCloseTo(RIGHT, 0);
  });
});

describe('Japanese text in Japanese letterforms', () => {
  const embedded = (pdf: Buffer) => [...new Set([...pdf.toString('latin1').matchAll(/\/BaseFont \/[A-Z]{6}\+([^\s/]+)/g)].map((m) => m[1]))].sort();

  it('a series description with kana prints its kanji and kana in the Japanese face, and only that CJK face is embedded', async () => {
    const pdf = await report({ study: study('頭部 T1 直交 の画像') });
    expect(seriesLine(pdf).map((s) => [s.text, s.font])).toEqual([
      ['頭部 ', 'NotoSansJP-Regular'],
      ['T1 ', 'DejaVuSans'],
      ['直交 の画像', 'NotoSansJP-Regular'],
    ]);
    expect(embedded(pdf)).toEqual(['DejaVuSans', 'DejaVuSans-Bold', 'NotoSansJP-Regular']);
  });

  it('kanji without kana stay in the Chinese face (they cannot be told apart); a kanji the Japanese face lacks comes from the Chinese one', async () => {
    expect(seriesLine(await report({ study: study('頭部 直交') })).map((s) => s.font)).toEqual(['NotoSansHans-Regular']);
    const [, , jp] = reportFaces().fallbacks;
    // 们 (U+4EEC): Chinese only, not in the Japanese face
    expect(jp.hasGlyphForCodePoint(0x4eec)).toBe(false);
    expect(seriesLine(await report({ study: study('の们') })).map((s) => [s.text, s.font])).toEqual([
      ['の', 'NotoSansJP-Regular'],
      ['们', 'NotoSansHans-Regular'],
    ]);
  });

  it('a Japanese user name in the "generated for" line is Japanese too', async () => {
    const pdf = await report({}, '山田はなこ');
    expect(shown(pdf).find((s) => s.text === '山田はなこ')?.font).toBe('NotoSansJP-Regular');
  });
});

describe('the title, headings and table cells print other scripts', () => {
  // a model trained elsewhere may name its labels and task in any script: the record keeps them
  const record: Partial<HistoryItem> = {
    status: 'completed', stage: 'diagnosis', code: null, isMri: true, task: '脳腫瘍', label: '神経膠腫', confidence: 0.8,
    probabilities: { 神経膠腫: 0.8, גליומה: 0.15, glioma: 0.05 }, modelVersions: { 脳腫瘍: '1.0.0' },
  };

  it('no glyph is .notdef (glyph 0) anywhere, and the words read back', async () => {
    const pdf = await report(record);
    const all = shown(pdf);
    expect(all.filter((s) => s.codes.includes(0)).map((s) => s.text)).toEqual([]);
    const text = pdfFlatText(pdf);
    expect(text).toContain('MRI Sentinel — 神経膠腫');
    // (the reader puts a space between two strings: the heading's CJK is a run of its own)
    expect(text).toContain('Probabilities (calibrated, 脳腫瘍 )');
    expect(text).not.toMatch(/\?\?/);
    expect(all.find((s) => s.text.startsWith('神経膠腫'))?.font).toBe('NotoSansHans-Regular');
  });

  it('CJK inside a left-to-right heading or value continues its line: the text after it is not pushed to the next', async () => {
    const all = shown(await report(record));
    const heading = all.findIndex((s) => s.text === 'Probabilities (calibrated, ');
    expect(all.slice(heading, heading + 3).map((s) => s.text)).toEqual(['Probabilities (calibrated, ', '脳腫瘍', ')']);
    expect(all[heading + 1].x).toBeGreaterThan(all[heading].x + 100);
    expect(all[heading + 2].x).toBeGreaterThan(all[heading + 1].x + 20);
  });

  it('a Hebrew class name ends at its cell\'s right edge; a Latin one starts at its left', async () => {
    const all = shown(await report(record));
    const hebrew = all.find((s) => s.text === 'המוילג')!;
    const latin = all.find((s) => s.text === 'Glioma')!;
    // the class column: half the text width, less 6 points between columns
    expect(rightEnd(hebrew, 9)).toBeCloseTo(LEFT + 0.5 * (RIGHT - LEFT) - 6, 0);
    expect(latin.x).toBeCloseTo(LEFT, 1);
  });
});
