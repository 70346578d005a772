import { needsBidi, type TextRun } from './pdf-text';
import { valueLang } from './value-lang';

/**
 * How a line of a record's text is cut into marked-content groups (report-value.ts draws each group
 * as its runs inside its mark): a word in a language other than the paragraph's carries it
 * (value-lang.ts), and a word with characters no face has carries its own text as /ActualText (ISO
 * 32000-1 14.9.4) beside the "?" it prints. A Thai word in an English description was one element's
 * /ActualText before, read whole by the report's en-GB voice, and text extraction (pdftotext, copy)
 * got "????".
 */

/** Runs drawn as one marked-content group: with a /Lang of its own, an /ActualText (the text as written), or neither. */
export interface Piece {
  runs: readonly TextRun[];
  lang?: string;
  actual?: string;
}

/** The line as the faces print it (printableRunsOnce for the paragraph's faces, direction and script). */
export type Print = (text: string) => Readonly<{ runs: readonly TextRun[]; replaced: number }>;

/**
 * A run cut where its words' language changes: each word whose letters name a language (valueLang)
 * other than the whole text's carries it; the spaces after a word stay with it.
 */
function langPieces(run: TextRun, whole: string | undefined): (TextRun & { lang?: string })[] {
  const pieces: (TextRun & { lang?: string })[] = [];
  for (const token of run.text.split(/(?<=\s)(?=\S)/u)) {
    const found = valueLang(token);
    const lang = found === whole ? undefined : found;
    const last = pieces[pieces.length - 1];
    if (last && last.lang === lang) last.text += token;
    else pieces.push({ face: run.face, text: token, ...(lang ? { lang } : {}) });
  }
  return pieces.length ? pieces : [run];
}

/**
 * `line`'s groups, `whole` the paragraph's language (value-lang.ts) if any. Each word's group is found
 * in the text as written: a word is cut at spaces, so its runs are the line's. A line with
 * right-to-left letters is cut from its runs in visual order instead (its element has the whole text
 * as /ActualText, report-tags.ts rtlActual, its "?" too).
 */
export function markedPieces(line: string, whole: string | undefined, print: Print): Piece[] {
  if (needsBidi(line)) return print(line).runs.flatMap((run) => langPieces(run, whole)).map(({ lang, ...run }) => ({ runs: [run], ...(lang ? { lang } : {}) }));
  const groups: { text: string; lang?: string; replaced: boolean }[] = [];
  for (const word of line.split(/(?<=\s)(?=\S)/u)) {
    const found = valueLang(word);
    const lang = found === whole ? undefined : found;
    const replaced = print(word).replaced > 0;
    const last = groups[groups.length - 1];
    if (last && last.lang === lang && last.replaced === replaced) last.text += word;
    else groups.push({ text: word, lang, replaced });
  }
  return groups.map((g) => ({ runs: print(g.text).runs, ...(g.lang ? { lang: g.lang } : {}), ...(g.replaced ? { actual: g.text } : {}) }));
}
