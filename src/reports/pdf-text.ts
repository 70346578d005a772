/**
 * What a report's font can print. A character the face has no glyph for would be drawn as its
 * empty box (.notdef) — a series description "脳 T1 軸位" as "□ T1 □□", another text than the
 * record's with nothing to say so; such characters are replaced with "?", and the row says why.
 * Before the reports embedded DejaVu Sans they printed in Helvetica (WinAnsi), where "Иванов" and
 * "Ωμέγα" were "?" too.
 */

/** What printableText needs of a face (a fontkit font; tests pass a stub). */
export interface GlyphCoverage {
  hasGlyphForCodePoint(codePoint: number): boolean;
}

/**
 * Right-to-left scripts and the bidirectional controls. DejaVu Sans has Hebrew and Arabic glyphs,
 * but pdfkit lays every line out left to right (no bidi reordering): "שלום" would print as
 * "םולש", reversed — another word. They are "?" like a missing glyph.
 */
const RIGHT_TO_LEFT = /[\p{Script_Extensions=Hebrew}\p{Script_Extensions=Arabic}\p{Script_Extensions=Syriac}\p{Script_Extensions=Thaana}\p{Script_Extensions=Nko}\p{Script_Extensions=Samaritan}\p{Script_Extensions=Mandaic}\p{Script_Extensions=Adlam}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** Control characters (a stray BEL or ESC in a DICOM string); the line feed alone is layout. */
const CONTROL = /\p{Cc}/u;

/**
 * The text as `face` prints it: composed (NFC: "e" + combining acute → "é"), each code point the
 * face has no glyph for, each right-to-left letter and each control character (but "\n") as one
 * "?". `replaced` counts those.
 */
export function printableText(text: string, face: GlyphCoverage): { text: string; replaced: number } {
  let replaced = 0;
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\n' || (!CONTROL.test(ch) && !RIGHT_TO_LEFT.test(ch) && face.hasGlyphForCodePoint(cp))) out += ch;
    else {
      out += '?';
      replaced++;
    }
  }
  return { text: out, replaced };
}

/** After a value with replaced characters: the reader is told the "?" are not the record's own. */
export const REPLACED_NOTE = ' ("?": a character this PDF cannot print; the history page shows the text in full)';
