/**
 * pdfkit's standard fonts (Helvetica, used by every report) encode text as WinAnsi, one byte per
 * UTF-16 unit: anything outside it is written as the low byte of its code unit, so a series
 * description "脳 T1 軸位" printed as "3 T1 øOM" and an emoji as two stray accented letters — another
 * text than the record's, with nothing to say so. Such characters are replaced with "?" here.
 */

/** The characters above Latin-1 that WinAnsi holds (pdfkit's WIN_ANSI_MAP keys: € ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ). */
const WIN_ANSI_EXTRA = new Set([402, 8211, 8212, 8216, 8217, 8218, 8220, 8221, 8222, 8224, 8225, 8226, 8230, 8364, 8240, 8249, 8250, 710, 8482, 338, 339, 732, 352, 353, 376, 381, 382]);

export function printable(cp: number): boolean {
  return cp === 10 || (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) || WIN_ANSI_EXTRA.has(cp);
}

/** Signs of figures and arrows WinAnsi lacks, written as their ASCII readings rather than "?". */
const SPELLED: Record<string, string> = { '→': '->', '←': '<-', '−': '-', '‐': '-', '‑': '-', '≥': '>=', '≤': '<=', '≈': '~', '\u2009': ' ', '\u202f': ' ', '\u2002': ' ', '\u2003': ' ' };

/**
 * The text as a standard PDF font can print it: composed (NFC: "e" + combining acute → "é"), the
 * signs of SPELLED in ASCII, each other code point it cannot print (CJK, Arabic, emoji, controls)
 * as one "?". `replaced` counts those.
 */
export function winAnsiText(text: string): { text: string; replaced: number } {
  let replaced = 0;
  let out = '';
  for (const ch of text.normalize('NFC')) {
    if (printable(ch.codePointAt(0)!)) out += ch;
    else if (SPELLED[ch] !== undefined) out += SPELLED[ch];
    else {
      out += '?';
      replaced++;
    }
  }
  return { text: out, replaced };
}

/** After a value with replaced characters: the reader is told the "?" are not the record's own. */
export const REPLACED_NOTE = ' ("?": a character this PDF cannot print; the history page shows the text in full)';
