import bidiFactory from 'bidi-js';

/**
 * What a report's fonts can print, and in which order. A character no face has a glyph for would
 * be drawn as an empty box (.notdef) — another text than the record's with nothing to say so; such
 * characters (emoji, scripts none of the fonts has) are replaced with "?", and the row says why.
 *
 * Text is written in visual order: pdfkit lays every line out left to right, so a right-to-left
 * run ("שלום", "مرحبا") is reordered here by the Unicode bidi algorithm (bidi-js), its brackets
 * mirrored; shaping-font.ts gives Arabic its joined forms. A value's direction is its first strong
 * letter's, as a browser does for dir="auto": a Hebrew name reads right to left even inside the
 * report's English line. Reordering is per line: a value that wraps is broken into lines in reading
 * order first (report-pdf.ts), so that its first line holds its first words.
 */

/** What the report needs of a face (a fontkit font or a ReportFace; tests pass a stub). */
export interface GlyphCoverage {
  hasGlyphForCodePoint(codePoint: number): boolean;
}

/** Text in one face: `face` is an index into the faces passed to printableRuns. */
export interface TextRun {
  face: number;
  text: string;
}

const bidi = bidiFactory();

/** A letter of a right-to-left script, or a bidi control: the text needs the bidi algorithm. */
const NEEDS_BIDI = /[\p{Script_Extensions=Hebrew}\p{Script_Extensions=Arabic}\p{Script_Extensions=Syriac}\p{Script_Extensions=Thaana}\p{Script_Extensions=Nko}\p{Script_Extensions=Samaritan}\p{Script_Extensions=Mandaic}\p{Script_Extensions=Adlam}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** The bidi controls: they steer the reordering and print nothing. */
const BIDI_CONTROL = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** Control characters (a stray BEL or ESC in a DICOM string); the line feed alone is layout. */
const CONTROL = /\p{Cc}/u;

/** Whether the text has anything for the bidi algorithm to do (else it prints in the order it is written). */
export const needsBidi = (text: string): boolean => NEEDS_BIDI.test(text);

/** A paragraph's direction: its first strong letter's (right-to-left for Hebrew, Arabic…). */
export function paragraphDirection(text: string): 'ltr' | 'rtl' {
  return (bidi.getEmbeddingLevels(text, 'auto').paragraphs[0]?.level ?? 0) % 2 ? 'rtl' : 'ltr';
}

/**
 * One line in visual order: bidi-reordered, mirrored ("(" in a right-to-left run prints as ")"),
 * controls dropped. `direction`: the paragraph's, for a line broken out of one (else its own).
 */
export function visualOrder(line: string, direction: 'ltr' | 'rtl' | 'auto' = 'auto'): string {
  if (!NEEDS_BIDI.test(line)) return line;
  const levels = bidi.getEmbeddingLevels(line, direction);
  const mirrored = bidi.getMirroredCharactersMap(line, levels.levels);
  let out = '';
  for (const i of bidi.getReorderedIndices(line, levels)) out += mirrored.get(i) ?? line[i];
  // bidi-js reorders UTF-16 units: a surrogate pair reversed with its run is put back in order
  return out.replace(/([\uDC00-\uDFFF])([\uD800-\uDBFF])/g, '$2$1').replace(BIDI_CONTROL, '');
}

/**
 * The text as the faces print it, in runs of one face each: composed (NFC: "e" + combining acute →
 * "é"), in visual order, each character in the first face that has a glyph for it (the report
 * font, then the fallbacks: CJK); a space stays in the run it is in. A character no face has, and
 * each control character but "\n", is one "?" in the first face; `replaced` counts those.
 */
export function printableRuns(text: string, faces: readonly GlyphCoverage[], direction: 'ltr' | 'rtl' | 'auto' = 'auto'): { runs: TextRun[]; replaced: number } {
  let replaced = 0;
  const runs: TextRun[] = [];
  const add = (face: number, ch: string) => {
    const last = runs[runs.length - 1];
    if (last?.face === face) last.text += ch;
    else runs.push({ face, text: ch });
  };
  text.normalize('NFC').split('\n').forEach((line, n) => {
    if (n > 0) add(runs[runs.length - 1]?.face ?? 0, '\n');
    for (const ch of visualOrder(line, direction)) {
      const cp = ch.codePointAt(0)!;
      const last = runs[runs.length - 1];
      const face = CONTROL.test(ch) ? -1 : ch === ' ' && last && faces[last.face].hasGlyphForCodePoint(cp) ? last.face : faces.findIndex((f) => f.hasGlyphForCodePoint(cp));
      if (face < 0) {
        replaced++;
        add(0, '?');
      } else add(face, ch);
    }
  });
  return { runs, replaced };
}

/** printableText's answers per face: every report prints the same headings, labels and card tables. */
const printed = new WeakMap<GlyphCoverage, Map<string, Readonly<{ text: string; replaced: number }>>>();
const PRINTED_TEXTS = 4096;

/** The text in one face (headings, table cells: the report's own words), with "?" for what it cannot print. */
export function printableText(text: string, face: GlyphCoverage): Readonly<{ text: string; replaced: number }> {
  let memo = printed.get(face);
  if (!memo) printed.set(face, (memo = new Map()));
  let out = memo.get(text);
  if (!out) {
    const { runs, replaced } = printableRuns(text, [face]);
    out = { text: runs.map((r) => r.text).join(''), replaced };
    if (memo.size >= PRINTED_TEXTS) memo.clear();
    memo.set(text, out);
  }
  return out;
}

/** After a value with replaced characters: the reader is told the "?" are not the record's own. */
export const REPLACED_NOTE = ' ("?": a character this PDF cannot print; the history page shows the text in full)';
