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
 * report's English line, and is right-aligned. Reordering is per line: a value that wraps is broken
 * into lines in reading order first (report-value.ts), so that its first line holds its first words.
 * Japanese text (with kana) takes its kanji from the Japanese face (report-fonts.ts).
 */

/** What the report needs of a face (a fontkit font or a ReportFace; tests pass a stub). */
export interface GlyphCoverage {
  hasGlyphForCodePoint(codePoint: number): boolean;
  /** 'ja': the face with Japanese letterforms, tried first for Japanese text (printableRuns) */
  readonly lang?: 'ja';
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
/** What a reader sees as one character (extended grapheme clusters, UAX #29). */
const GRAPHEMES = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Kana: only Japanese is written with them (a kanji-only name cannot be told from Chinese). */
const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;

/** Japanese text: its kanji are printed in Japanese letterforms, not the Chinese face's (骨, 直, 画 differ). */
export const isJapanese = (text: string): boolean => KANA.test(text);

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
 * font, then the fallbacks: CJK; for `japanese` text the Japanese face before the other fallbacks);
 * a space stays in the run it is in. A character (grapheme cluster) with a code point no face has,
 * and each control character but "\n", is one "?" in the first face; `replaced` counts those. `japanese`: whether the whole value
 * is (a line broken out of it may have no kana of its own).
 */
export function printableRuns(text: string, faces: readonly GlyphCoverage[], direction: 'ltr' | 'rtl' | 'auto' = 'auto', japanese = isJapanese(text)): { runs: TextRun[]; replaced: number } {
  // the report font first, always: the fallbacks' Latin would be another font in the same word
  const first = (i: number) => i === 0 || (japanese && faces[i].lang === 'ja');
  const indexes = faces.map((_f, i) => i);
  const order = [...indexes.filter(first), ...indexes.filter((i) => !first(i))];
  const faceFor = (cp: number) => order.find((i) => faces[i].hasGlyphForCodePoint(cp)) ?? -1;
  let replaced = 0;
  const runs: TextRun[] = [];
  const add = (face: number, ch: string) => {
    const last = runs[runs.length - 1];
    if (last?.face === face) last.text += ch;
    else runs.push({ face, text: ch });
  };
  text.normalize('NFC').split('\n').forEach((line, n) => {
    if (n > 0) add(runs[runs.length - 1]?.face ?? 0, '\n');
    for (const { segment } of GRAPHEMES.segment(visualOrder(line, direction))) {
      // a cluster with any code point no face has is one "?": a skin-toned thumb, a flag, a ZWJ family or a
      // keycap is one character to a reader, and printed "??", "?‍?‍?" or "1?" (the digit kept, its keycap not)
      const chars = [...segment];
      if (chars.some((ch) => CONTROL.test(ch) || faceFor(ch.codePointAt(0)!) < 0)) {
        replaced++;
        add(0, '?');
        continue;
      }
      for (const ch of chars) {
        const cp = ch.codePointAt(0)!;
        const last = runs[runs.length - 1];
        add(ch === ' ' && last && faces[last.face].hasGlyphForCodePoint(cp) ? last.face : faceFor(cp), ch);
      }
    }
  });
  return { runs, replaced };
}

/**
 * printableRuns' answers per face list (by its first face), and per direction and Japanese or not:
 * every report prints the same headings, labels and card tables. Looked up by the text itself, not
 * a key made of it (a new string to hash for every cell of every report).
 */
interface Printed {
  faces: readonly GlyphCoverage[];
  texts: Map<string, Readonly<{ runs: readonly TextRun[]; replaced: number }>>[];
}
const printed = new WeakMap<GlyphCoverage, Printed>();
const PRINTED_TEXTS = 4096;

/** printableRuns, remembered: the answer is shared, never to be changed. */
export function printableRunsOnce(text: string, faces: readonly GlyphCoverage[], direction: 'ltr' | 'rtl', japanese = isJapanese(text)): Readonly<{ runs: readonly TextRun[]; replaced: number }> {
  let memo = printed.get(faces[0]);
  if (!memo || (memo.faces !== faces && (memo.faces.length !== faces.length || memo.faces.some((f, i) => f !== faces[i])))) printed.set(faces[0], (memo = { faces, texts: [] }));
  const texts = (memo.texts[(direction === 'rtl' ? 2 : 0) + (japanese ? 1 : 0)] ??= new Map());
  let out = texts.get(text);
  if (!out) {
    out = printableRuns(text, faces, direction, japanese);
    if (texts.size >= PRINTED_TEXTS) texts.clear();
    texts.set(text, out);
  }
  return out;
}

/** After a value with replaced characters: the reader is told the "?" are not the record's own. */
export const REPLACED_NOTE = ' ("?": a character this PDF cannot print; the history page shows the text in full)';
