/**
 * The language of a record's own text (a DICOM series description, a user's name or e-mail), where
 * its letters say it reliably: a screen reader reads a value tagged /Lang ko with a Korean voice,
 * and an untagged one in the report's language (en-GB), spelling Hangul out or skipping it.
 *
 * Only scripts written for one language (nearly always) name one: Hangul (Korean), kana (Japanese),
 * Greek, Hebrew (Yiddish, also written in it, has digraphs of its own: those leave it untagged),
 * Thai, Georgian, Armenian. Han ideographs alone are Chinese, Japanese kanji or Korean hanja: they
 * join a value's kana or Hangul and are otherwise untold. Arabic letters are Arabic, Persian, Urdu,
 * Pashto, Kurdish…; Cyrillic is Russian, Ukrainian, Bulgarian, Serbian, Kazakh…; Devanagari Hindi,
 * Marathi, Nepali…: a short value (a series description is a few words) has too few of the letters
 * that tell them apart, and a wrong tag reads a Persian value with Arabic rules — so those values,
 * and values mixing two such languages, keep the report's language, as Latin-script values do
 * (English, Latin medical words, or any of a hundred languages). A value tagged must have at least
 * as many letters in its language's script as Latin ones ("T1", "MRI" in a Korean description are
 * read by a Korean voice; one Korean word in a French description does not make it Korean).
 *
 * Nothing else a value comes with names its language either: a DICOM Specific Character Set names an
 * encoding (ISO_IR 144 is ISO 8859-5, Cyrillic for Russian, Bulgarian, Serbian, Macedonian; ISO_IR 192
 * UTF-8 for anything), is not kept with the record, and an account or browser locale is the reader's
 * language, not a patient's or a series author's. So those values are of indeterminate language, the
 * exception WCAG 3.1.2 makes; PDF/UA needs a language for all text, and the report's stands (an
 * empty or "und" /Lang says no more and is refused by some checkers). A right-to-left value still gets
 * an /ActualText in reading order (report-tags.ts rtlActual).
 */

/** Scripts written for one language, and that language's BCP 47 tag. */
const ONE_LANGUAGE: readonly [RegExp, string][] = [
  [/\p{Script=Hangul}/u, 'ko'],
  [/[\p{Script=Hiragana}\p{Script=Katakana}]/u, 'ja'],
  [/\p{Script=Greek}/u, 'el'],
  [/\p{Script=Hebrew}/u, 'he'],
  [/\p{Script=Thai}/u, 'th'],
  [/\p{Script=Georgian}/u, 'ka'],
  [/\p{Script=Armenian}/u, 'hy'],
];

const LETTER = /\p{L}/u;
/** letters every script uses (the kana length mark ー, combining marks): they say nothing of the language */
const SHARED = /[\p{Script=Common}\p{Script=Inherited}]/u;
const LATIN = /\p{Script=Latin}/u;
const HAN = /\p{Script=Han}/u;
/** Yiddish's digraphs (װ ױ ײ) and the pointed letters it uses and Hebrew rarely does: not tagged Hebrew. */
const YIDDISH = /[\u05f0-\u05f2\ufb1f]/u;

/** The BCP 47 language of `text` where its letters say it reliably, else undefined (the report's language stands). */
export function valueLang(text: string): string | undefined {
  let lang: string | undefined;
  let own = 0;
  let latin = 0;
  let han = 0;
  for (const ch of text) {
    if (!LETTER.test(ch) || SHARED.test(ch)) continue;
    if (LATIN.test(ch)) {
      latin++;
      continue;
    }
    if (HAN.test(ch)) {
      han++;
      continue;
    }
    const found = ONE_LANGUAGE.find(([script]) => script.test(ch))?.[1];
    // a letter of a script shared by several languages, or a second language: not told
    if (!found || (lang && lang !== found)) return undefined;
    lang = found;
    own++;
  }
  if (!lang || YIDDISH.test(text)) return undefined;
  // ideographs are read with kana or Hangul; beside Greek or Hebrew they are a second language
  if (han && lang !== 'ja' && lang !== 'ko') return undefined;
  return own + han >= latin ? lang : undefined;
}
