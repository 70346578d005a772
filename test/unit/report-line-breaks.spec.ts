/**
 * line-breaks.ts finds a line's words from each word's width and checks the line as a whole; it
 * measured the line again for every word before (an 80-word Korean value took 3x as long to set as
 * a Latin one). The lines must be the ones that way gave: the earlier rule is kept here as the
 * reference and both are run with the report's own measure (its faces, each run in its face) over
 * Korean, Korean with Latin, hanja and kana, Hebrew, Arabic, words longer than a line, runs of
 * spaces and line breaks, at column widths from narrower than a word to the page's.
 */
import PDFDocument from 'pdfkit';
import { BREAK, breakLines, type Measure } from '../../src/reports/line-breaks';
import { isJapanese, needsBidi, paragraphDirection, printableRuns } from '../../src/reports/pdf-text';
import { reportFaces } from '../helpers/report-fonts';

/** The rule as it was (report-value.ts before): add word after word, measuring the line each time. */
function greedy(text: string, measure: Measure, first: number, full: number): string[] {
  return text.split('\n').flatMap((paragraph) => {
    const lines = [''];
    const room = () => (lines.length === 1 ? first : full) - 1;
    for (const word of paragraph.split(BREAK)) {
      let rest = word;
      while (rest) {
        const line = lines[lines.length - 1];
        if (measure(line + rest.trimEnd()) <= room()) {
          lines[lines.length - 1] = line + rest;
          rest = '';
        } else if (line || (lines.length === 1 && measure(rest.trimEnd()) <= full - 1)) lines.push('');
        else {
          const chars = [...rest];
          let n = 1;
          while (n < chars.length && measure(chars.slice(0, n + 1).join('').trimEnd()) <= room()) n++;
          lines[lines.length - 1] = chars.slice(0, n).join('');
          rest = chars.slice(n).join('');
          if (rest) lines.push('');
        }
      }
    }
    return lines.map((l) => l.trimEnd());
  });
}

/** The report's measure of `text` at `size` (report-value.ts widthOf): each run in its face, regular or bold. */
function reportMeasure(text: string, size: number, bold: boolean): { measure: Measure; chars: () => number } {
  const fonts = reportFaces();
  const doc = new PDFDocument({ font: '' });
  doc.registerFont('R', fonts.regular.font).registerFont('B', fonts.bold.font);
  fonts.fallbacks.forEach((f, i) => doc.registerFont(`F${i}`, f.font));
  const faces = [bold ? fonts.bold : fonts.regular, ...fonts.fallbacks];
  const direction = needsBidi(text) ? paragraphDirection(text) : 'ltr';
  const japanese = isJapanese(text);
  let chars = 0;
  const measure: Measure = (t) => {
    chars += t.length;
    return printableRuns(t, faces, direction, japanese).runs.reduce((w, run) => w + doc.font(run.face ? `F${run.face - 1}` : bold ? 'B' : 'R').fontSize(size).widthOfString(run.text), 0);
  };
  return { measure, chars: () => chars };
}

const KOREAN = '간호사가 환자의 뇌 자기공명영상 검사 결과를 담당 의사에게 전달하였습니다';
const TEXTS: [string, string][] = [
  ['Korean, 80 words', Array.from({ length: 80 }, (_, i) => KOREAN.split(' ')[i % 8]).join(' ')],
  ['Korean with Latin', `T1 강조 영상에서 조영 증강이 관찰됨 post-contrast axial ${KOREAN} FLAIR 3mm`],
  ['Korean with hanja and kana', `검사 頭部軸位造影後頭部 결과 ${KOREAN} の画像で左前頭葉 끝`],
  ['a Korean word longer than any line', `뇌 ${'자기공명영상'.repeat(12)} 검사 ${KOREAN}`],
  ['runs of spaces and a line break', `${KOREAN}   결과를  담당\n의사에게 전달   ${KOREAN}`],
  ['Hebrew', 'תיאור הסדרה: סריקת מוח צירית לאחר הזרקת חומר ניגוד עם דגש על האונה הקדמית השמאלית '.repeat(3)],
  ['Arabic', 'وصف السلسلة: تصوير الدماغ بالرنين المغناطيسي بعد حقن مادة التباين في المقطع المحوري '.repeat(3)],
  ['Hebrew with Korean and digits', `סריקה 12 ${KOREAN} סדרה 3 ${KOREAN}`],
];
/** From narrower than most words to the report's text width (499 pt), and a key before the first line. */
const COLUMNS: [number, number][] = [[30, 30], [61, 80], [95, 120], [150, 150], [200, 277], [380, 499], [499, 499]];

describe('line-breaks: the lines the word-by-word rule gave, with fewer measures', () => {
  it.each(TEXTS)('%s: the same lines at every column width, size and weight', (_name, text) => {
    for (const [first, full] of COLUMNS) {
      for (const [size, bold] of [[10, false], [9, true], [18, true]] as const) {
        const { measure } = reportMeasure(text, size, bold);
        const got = breakLines(text.normalize('NFC'), measure, first, full);
        expect({ first, full, size, bold, lines: got }).toEqual({ first, full, size, bold, lines: greedy(text.normalize('NFC'), measure, first, full) });
      }
    }
  });

  it('an 80-word Korean value across the page: each word measured once and each line two or three times, not the line at every word', () => {
    const text = TEXTS[0][1];
    const before = reportMeasure(text, 10, false);
    const lines = greedy(text, before.measure, 380, 499);
    const after = reportMeasure(text, 10, false);
    expect(breakLines(text, after.measure, 380, 499)).toEqual(lines);
    // characters measured: 1,165 for this 329-character value (2,946 by the earlier rule)
    expect(after.chars()).toBeLessThanOrEqual(4 * text.length);
    expect(before.chars()).toBeGreaterThan(2 * after.chars());
  });
});
