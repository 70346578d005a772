/**
 * PDF/UA-1 7.2 (Matterhorn 11-001…005): the natural language of all text must be determinable. The
 * structure checks (pdfua-check.ts) only read /Lang attributes; this reads what the pages draw — each
 * marked-content sequence's strings decoded through its fonts' ToUnicode maps — and the /Alt and
 * /ActualText of each element, and finds letters whose language the element they sit in does not give.
 *
 * The language in force is the nearest /Lang on the element or an ancestor, else the catalog's (the
 * report's en-GB). Flagged: letters of a script written for one language (Hangul, kana, Greek, Hebrew,
 * Thai, Georgian, Armenian) under a language of another script. Not flagged, as the README states
 * (src/reports/value-lang.ts): Cyrillic and Arabic-script text (several languages share those scripts,
 * so it is text of indeterminate language under the report's), Han ideographs alone (Chinese, kanji or
 * hanja cannot be told apart), Hebrew-script text with Yiddish digraphs, and a word whose Latin letters
 * outnumber the script's (an e-mail address: value-lang.ts tags a value only where its script's letters
 * are at least its Latin ones).
 */
import { cmapDecoder, stringBytes, winAnsi, type PdfObject } from '../../helpers/pdf-text';

/** A script written for one language, and the primary language subtags that fit it. */
const ONE_LANGUAGE: readonly { name: string; letters: RegExp; fits: RegExp }[] = [
  { name: 'Hangul', letters: /\p{Script=Hangul}+/gu, fits: /^ko\b/i },
  { name: 'kana', letters: /[\p{Script=Hiragana}\p{Script=Katakana}]+/gu, fits: /^ja\b/i },
  { name: 'Greek', letters: /\p{Script=Greek}+/gu, fits: /^(el|grc)\b/i },
  { name: 'Hebrew', letters: /[\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7\u05d0-\u05f2\ufb1d-\ufb4f]+/gu, fits: /^(he|yi)\b/i },
  { name: 'Thai', letters: /\p{Script=Thai}+/gu, fits: /^th\b/i },
  { name: 'Georgian', letters: /\p{Script=Georgian}+/gu, fits: /^ka\b/i },
  { name: 'Armenian', letters: /\p{Script=Armenian}+/gu, fits: /^hy\b/i },
];
const YIDDISH = /[\u05f0-\u05f2\ufb1f]/u;

/** The runs of `text` whose script needs a language `lang` does not give ("Hangul 신경교종"). */
export function untoldRuns(text: string, lang: string): string[] {
  const out: string[] = [];
  for (const rule of ONE_LANGUAGE) {
    if (rule.fits.test(lang)) continue;
    if (rule.name === 'Hebrew' && YIDDISH.test(text)) continue;
    for (const word of text.split(/\s+/)) {
      const runs = [...word.matchAll(rule.letters)].map((m) => m[0]);
      // a word with more Latin letters than the script's (an e-mail address "אבי@example.org") keeps the
      // report's language, as value-lang.ts states; a word of the script alone, or mostly it, never
      if (LATIN_LETTERS(word) > runs.join('').length) continue;
      out.push(...runs.map((r) => `${rule.name} "${r}"`));
    }
  }
  return out;
}
const LATIN_LETTERS = (word: string) => word.match(/\p{Script=Latin}/gu)?.length ?? 0;

/**
 * The "?" in drawn text that stand for a character rather than end a question: the report prints one
 * for each character no face has ("MRI ???? axial", "Dr Smith ?"). A question mark follows a
 * character other than a space or "?" and is followed by a space, the end, or closing punctuation
 * ("T1?", '("?": …'); any other "?" — after a space, doubled, inside a word — stands for one. (A stand-in
 * right after a word and before a space, "Smith👍 " printed "Smith? ", reads as a question mark and is not found.)
 */
export function standIns(text: string): string[] {
  return [...text.matchAll(/\?+/gu)]
    .filter((m) => {
      const before = text[m.index - 1];
      const after = text[m.index + m[0].length];
      const question = m[0].length === 1 && before !== undefined && !/\s/u.test(before) && (after === undefined || /[\s"'”’»)\]}.,:;!]/u.test(after));
      return !question;
    })
    .map((m) => m[0]);
}

/** The text a content-stream operand shows: a string, or a TJ array's strings (its kerning numbers dropped). */
export type ShowDecoder = (font: string, operand: string) => string;

/** A decoder for one page's fonts (its /Resources /Font names): Type0 through /ToUnicode, else WinAnsi. */
export function pageDecoder(pageDict: string, get: (n: number) => PdfObject): ShowDecoder {
  const resourcesRef = /\/Resources\s+(\d+)\s+\d+\s+R/.exec(pageDict)?.[1];
  const resources = resourcesRef === undefined ? pageDict : get(Number(resourcesRef)).dict;
  const fontDict = /\/Font\s*<<([^>]*)>>/.exec(resources)?.[1] ?? '';
  const decoders = new Map<string, (b: Buffer) => string>();
  for (const m of fontDict.matchAll(/\/([^\s/<>[\]()]+)\s+(\d+)\s+\d+\s+R/g)) {
    const font = get(Number(m[2])).dict;
    const toUnicode = /\/ToUnicode\s+(\d+)\s+\d+\s+R/.exec(font)?.[1];
    decoders.set(m[1], toUnicode === undefined ? winAnsi : cmapDecoder(get(Number(toUnicode)).stream!.toString('latin1')));
  }
  return (font, operand) => {
    const decode = decoders.get(font);
    if (!decode) throw new Error(`text shown in font /${font}, not in the page's resources`);
    const strings = operand.startsWith('[') ? [...operand.matchAll(/<[0-9A-Fa-f\s]*>|\((?:[^)\\]|\\.)*\)/g)].map((s) => s[0]) : [operand];
    return strings.map((s) => decode(stringBytes(s))).join('');
  };
}

interface LangElement {
  id: number;
  type: string;
  parent: number | undefined;
  lang?: string;
  alt?: string;
  actual?: string;
}

/**
 * The failures: `shown` is each element's drawn text (by element id, from the marked content the
 * parent tree gives it); each element's /Alt and /ActualText are read in the element's language too.
 */
export function languageFailures(elements: Map<number, LangElement>, shown: Map<number, string>, documentLang: string): string[] {
  const langOf = (id: number): string => {
    const seen = new Set<number>();
    for (let e = elements.get(id); e && !seen.has(e.id); e = e.parent === undefined ? undefined : elements.get(e.parent)) {
      seen.add(e.id);
      if (e.lang) return e.lang;
    }
    return documentLang;
  };
  const failures: string[] = [];
  const check = (e: LangElement, what: string, text: string | undefined) => {
    if (!text) return;
    const lang = langOf(e.id);
    for (const run of untoldRuns(text, lang)) failures.push(`${run} in a ${e.type}'s ${what} read as ${lang}: no /Lang for it (11-001)`);
  };
  const actualOf = (id: number): string | undefined => {
    const seen = new Set<number>();
    for (let e = elements.get(id); e && !seen.has(e.id); e = e.parent === undefined ? undefined : elements.get(e.parent)) {
      seen.add(e.id);
      if (e.actual) return e.actual;
    }
    return undefined;
  };
  for (const e of elements.values()) {
    check(e, 'content', shown.get(e.id));
    // a "?" standing for a character (standIns) is the report's stand-in for one no face has (Thai, an
    // emoji): without /ActualText (ISO 32000 14.9.4) a screen reader hears "question mark", not the word
    const text = shown.get(e.id);
    if (text && standIns(text).length && !actualOf(e.id)) failures.push(`"${text.trim()}" drawn in a ${e.type}${e.lang ? ` /Lang ${e.lang}` : ''} with no /ActualText: read as "?" (14.9.4)`);
    check(e, '/Alt', e.alt);
    // an /ActualText replaces the content it covers: its words are read in the element's language
    check(e, '/ActualText', e.actual);
  }
  return failures;
}
