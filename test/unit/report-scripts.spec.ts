/**
 * A record's own text in the PDF in any script its users write: Chinese, Japanese and Korean
 * printed "?" (DejaVu Sans has no CJK), and Hebrew and Arabic "?" too, since pdfkit lays lines out
 * left to right and would have printed them reversed and unjoined. CJK now prints in a fallback
 * face (Noto Sans CJK), right-to-left runs in visual order (bidi), Arabic in its joined forms.
 * The PDF is read back through its ToUnicode maps, glyph codes and font names: what a viewer
 * draws, in the order it draws it (left to right).
 */
import type { Font } from 'fontkit';
import type { HistoryItem } from '../../src/history/history.service';
import { printableRuns, REPLACED_NOTE, visualOrder } from '../../src/reports/pdf-text';
import { buildReportPdf } from '../../src/reports/report-pdf';
import { loadReportFaces } from '../../src/reports/report-fonts';
import { notMriRecord } from '../helpers/history-item';
import { pdfFlatText, pdfShownStrings } from '../helpers/pdf-text';
import { reportFaces } from '../helpers/report-fonts';

const study = (seriesDescription: string): HistoryItem['study'] => ({ modality: 'MR', seriesDescription, sliceCount: 3, usableSlices: 3, spacing: { column: 0.9, row: 0.9, slice: 3 }, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null });
const report = (seriesDescription: string, generatedFor = 'u@example.org', userEmail = 'u@example.org') =>
  buildReportPdf({ record: notMriRecord({ userEmail, study: study(seriesDescription) }), generatedFor, fonts: reportFaces() });

/** The strings shown after `label` (a row's bold key) up to the next row's, with their fonts and glyph codes. */
function shownAfter(pdf: Buffer, label: string, next: string) {
  const shown = pdfShownStrings(pdf).flat();
  const at = shown.findIndex((s) => s.text === label);
  const line = [];
  for (let i = at + 1; i < shown.length && !shown[i].text.startsWith(next); i++) line.push(shown[i]);
  return line;
}
const seriesLine = (pdf: Buffer) => shownAfter(pdf, 'Series description: ', 'Spacing');
/** A value as drawn: its strings joined (the text reader puts a line break between any two strings) */
const drawn = (line: { text: string }[]) => line.map((s) => s.text).join('');

describe('CJK in a fallback face', () => {
  it('Chinese, Japanese and Korean in a series description, a user\'s e-mail and the "generated for" line print as they are, without the "?" note', async () => {
    const names = '脳 T1 軸位 頭部MRI 뇌 축상 영상 醫學';
    const pdf = await report(names, '山田太郎@例え.jp', '김민준@example.kr');
    expect(drawn(seriesLine(pdf))).toBe(names);
    expect(drawn(shownAfter(pdf, 'User: ', 'File'))).toBe('김민준@example.kr');
    const header = pdfShownStrings(pdf)[0];
    const reader = header.findIndex((s) => s.text.endsWith(' for '));
    expect(drawn(header.slice(reader + 1, reader + 5))).toBe('山田太郎@例え.jp');
    expect(pdfFlatText(pdf)).not.toContain('cannot print');
    // Latin in the report font, the ideographs in the Chinese face (no kana: not told to be Japanese,
    // report-script-layout.spec.ts), Hangul in the Korean one (a space goes with the text before it)
    expect(seriesLine(pdf).map((s) => [s.text, s.font])).toEqual([
      ['脳 ', 'NotoSansHans-Regular'],
      ['T1 ', 'DejaVuSans'],
      ['軸位 頭部', 'NotoSansHans-Regular'],
      ['MRI ', 'DejaVuSans'],
      ['뇌 축상 영상 ', 'NotoSansKR-Regular'],
      ['醫學', 'NotoSansHans-Regular'],
    ]);
  });

  it('embeds a subset of each fallback face, only in a report that uses it', async () => {
    const cjk = await report('脳 T1 軸位 뇌');
    const latin = await report('AX T1 post');
    const embedded = (pdf: Buffer) => [...new Set([...pdf.toString('latin1').matchAll(/\/BaseFont \/[A-Z]{6}\+([^\s/]+)/g)].map((m) => m[1]))].sort();
    expect(embedded(latin)).toEqual(['DejaVuSans', 'DejaVuSans-Bold']);
    expect(embedded(cjk)).toEqual(['DejaVuSans', 'DejaVuSans-Bold', 'NotoSansHans-Regular', 'NotoSansKR-Regular']);
    // a few glyphs of 8.4 and 4.6 MB faces: ~58 KB more, most of it the CID fonts' subroutine
    // indexes (fontkit keeps each unused one as a 1-byte stub), not whole faces
    expect(cjk.length - latin.length).toBeLessThan(100_000);
  });

  it('what no face has (emoji) is still "?" with the note, beside CJK that prints', async () => {
    expect(pdfFlatText(await report('脳 🧠 T1'))).toContain(`Series description: 脳 ? T1${REPLACED_NOTE}`);
  });

  it('a lone surrogate, a private-use or unassigned code point, a control in right-to-left text: "?" each, the report still made', async () => {
    const line = drawn(seriesLine(await report('a\ud800b \ue000 \u{10ffff} \u0378 שלום\u0007')));
    // a left-to-right line ("a" first): the Hebrew run reversed in place, the BEL after it
    expect(line).toBe(`a?b ? ? ? םולש?${REPLACED_NOTE}`);
  });
});

describe('right-to-left text in visual order', () => {
  it('Hebrew reads right to left: drawn reversed, a Latin run inside it kept in its own order, brackets mirrored', async () => {
    // a value's direction is its first letter's: "שלום עולם" is a right-to-left line
    expect(pdfFlatText(await report('שלום עולם'))).toContain('Series description: םלוע םולש');
    expect(pdfFlatText(await report('T1 שלום עולם'))).toContain('Series description: T1 םלוע םולש');
    expect(pdfFlatText(await report('שלום T1 עולם'))).toContain('Series description: םלוע T1 םולש');
    // "(" of a right-to-left run is drawn as ")" on its right: the pair still encloses the word
    expect(pdfFlatText(await report('(שלום)'))).toContain('Series description: (םולש)');
    expect(pdfFlatText(await report('שלום'))).not.toContain('cannot print');
  });

  it('Arabic is joined: each letter in its initial, medial or final form, read back as its letters in visual order', async () => {
    expect(drawn(seriesLine(await report('بيت كبير')))).toBe('ريبك تيب');
    // "ب ببب" (one beh, then three): drawn left to right as final, medial, initial beh, a space, the lone beh
    const line = seriesLine(await report('ب ببب'));
    expect(drawn(line)).toBe('ببب ب');
    const codes = line.flatMap((s) => s.codes);
    expect(codes).toHaveLength(5);
    const joined = codes.slice(0, 3);
    expect(new Set(joined).size).toBe(3);
    // none of them the isolated form the lone letter is drawn in
    expect(joined).not.toContain(codes[4]);
  });

  it('a right-to-left value that wraps is broken in reading order: its first line holds its first words, each line read right to left', async () => {
    const letters = 'אבגדהוזחטיכלמנסעפצקרשת';
    const words = Array.from({ length: 40 }, (_, i) => letters[i % 22] + letters[(i * 7 + 3) % 22] + letters[(i * 5 + 1) % 22] + letters[(i * 3 + 2) % 22]);
    const line = seriesLine(await report(words.join(' ')));
    expect(line.length).toBeGreaterThan(1);
    // each drawn line, read right to left, is the next stretch of the text, in order
    const read = line.map((s) => [...s.text].reverse().join('').trim());
    expect(read[0].startsWith(words.slice(0, 3).join(' '))).toBe(true);
    expect(read.join(' ')).toBe(words.join(' '));
  });

  it('Arabic typed in presentation forms before any other Arabic: the joined letters of a later report still read back as letters', async () => {
    const faces = loadReportFaces();
    const make = (text: string) => buildReportPdf({ record: notMriRecord({ study: study(text) }), generatedFor: 'u', fonts: faces });
    await make('AX T1');
    await make('\ufe91\ufe92\ufe90'); // "ببب" as its initial, medial and final presentation forms
    expect(drawn(seriesLine(await make('ب ببب')))).toBe('ببب ب');
  });

  it('lam-alef is one ligature glyph, read back as its two letters', async () => {
    const line = seriesLine(await report('لا'));
    expect(line.flatMap((s) => s.codes)).toHaveLength(1);
    expect(drawn(line)).toBe('لا');
  });
});

describe('printableRuns', () => {
  const has = (...ranges: [number, number][]) => ({ hasGlyphForCodePoint: (cp: number) => ranges.some(([a, b]) => cp >= a && cp <= b) });
  const latin = has([0x20, 0x7e], [0x590, 0x5ff]);
  const cjk = has([0x20, 0x20], [0x4e00, 0x9fff]);

  it('puts each character in the first face that has it; a space stays in its run; "?" for what none has', () => {
    expect(printableRuns('AB 中文 字 C 😀', [latin, cjk])).toEqual({
      runs: [{ face: 0, text: 'AB ' }, { face: 1, text: '中文 字 ' }, { face: 0, text: 'C ?' }],
      replaced: 1,
    });
  });

  it('one character a reader sees (a grapheme cluster) no face has is one "?", whatever it is made of', () => {
    // with ZWJ, the variation selector and the combining keycap in the Latin face (DejaVu has them, zero-width)
    const withJoiners = has([0x20, 0x7e], [0x200d, 0x200d], [0xfe0f, 0xfe0f], [0x2764, 0x2764]);
    // thumbs up + skin tone, a flag (two regional indicators), a ZWJ family: each printed "??" or "?‍?‍?" before
    expect(printableRuns('ok 👍🏽 🇰🇷 👨‍👩‍👧', [withJoiners])).toEqual({ runs: [{ face: 0, text: 'ok ? ? ?' }], replaced: 3 });
    // keycap one (1, VS16, U+20E3): "1️?" read as "1?"; a heart with its emoji selector the face has stays
    expect(printableRuns('1️⃣ ❤️', [withJoiners])).toEqual({ runs: [{ face: 0, text: '? ❤️' }], replaced: 1 });
  });

  it('a right-to-left run comes out in visual order; a surrogate pair inside it stays whole', () => {
    expect(visualOrder('abc')).toBe('abc');
    expect(visualOrder('שלום 𝐀')).toBe('𝐀 םולש');
    expect([...visualOrder('שלום 😀 עולם')]).toContain('😀');
    // the bidi controls steer the order and print nothing
    expect(visualOrder('\u2067abc\u2069')).toBe('abc');
  });
});

describe('layouts shared across reports', () => {
  it('a word laid out for one report is not shaped again for the next; the second report reads back the same', async () => {
    const faces = reportFaces();
    const parsed = (faces.regular as unknown as { parsed: Font }).parsed;
    const first = pdfFlatText(await report('AX T1 post Dvořák'));
    const layout = jest.spyOn(parsed, 'layout');
    try {
      const second = pdfFlatText(await report('AX T1 post Dvořák'));
      expect(layout).not.toHaveBeenCalled();
      // the generated-at minute may differ between the two
      const stable = (t: string) => t.replace(/report generated [^·]*? for/, 'report generated for');
      expect(stable(second)).toBe(stable(first));
    } finally {
      layout.mockRestore();
    }
  });
});
