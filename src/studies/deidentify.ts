/**
 * De-identification helpers. The study pipeline keeps no DICOM tag value except the modality
 * and a series description passed through scrubDescription(): length-limited, reduced to a
 * safe character set, with every token of the patient's name/IDs/accession/institution and
 * every long digit run (dates, IDs) and every date written with separators removed.
 */
import { fold } from './deidentify-fold';
import { INITIALS, initialsRanges, initialsTokens } from './deidentify-initials';
import { cutDates, cutLabelledIds, cutPersonNames, isBValue, isBValueWord, isParameterWord } from './deidentify-patterns';

export { cutDates } from './deidentify-patterns';

export const MAX_DESCRIPTION_LENGTH = 64;

/**
 * The tags whose values are cut out of what is shown (below): the patient's names (also
 * other, birth and mother's birth names: an alias typed into a description was shown), IDs and their
 * issuer, birth date, address and telephone, the responsible person and organisation (a child's
 * parent, an animal's owner), the accession number and study ID, the institution and its address,
 * and every physician and operator named, with the referring physician's address and telephone.
 * Not the department or station name: their values are everyday words ("NEURO", "MR") whose cut
 * would take those words out of every description, and they name a place, not the patient.
 */
export const IDENTIFIER_TAGS = [
  'x00100010', 'x00101001', 'x00101005', 'x00101060', 'x00100020', 'x00100021', 'x00101000', 'x00100030', 'x00101040', 'x00102154',
  'x00102297', 'x00102299', 'x00080050', 'x00200010', 'x00080080', 'x00080081', 'x00080090', 'x00080092', 'x00080094',
  'x00081048', 'x00081050', 'x00081060', 'x00081070', 'x00321032',
];

export function scrubDescription(raw: string, identifiers: string[]): string | null {
  let s = cutTokens(raw.normalize('NFKC'), identifierTokens(identifiers), ' ', true);
  // the pattern rules again until they change nothing: a cut can make a date of what was around it
  // ("JAN é01 1970": the é, made a space, leaves "JAN 01 1970"; "1970 12345 01 01" without its 12345),
  // which one pass stored, and which a re-scrub of the stored text (rescrub-descriptions.ts) would
  // then have cut — the scrub of its own output must be itself. Every pass after the first that
  // changes anything shortens the text, so this ends.
  for (let before: string | null = null; s !== before; ) {
    before = s;
    s = scrubPatterns(s);
  }
  return s.length ? s : null;
}

/**
 * What scrubDescription cuts without the identifiers (deidentify-patterns.ts): names in FAMILY^GIVEN
 * form, dates, numbers behind an ID label, digit runs of 5+; then characters outside the kept set and
 * the length.
 */
function scrubPatterns(s: string): string {
  return cutLabelledIds(cutDates(cutPersonNames(s, ' '), ' '), ' ')
    .replace(/\d{5,}/g, ' ')
    .replace(/[^A-Za-z0-9 _\-+.,:()/*]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_DESCRIPTION_LENGTH)
    .trim();
}

/**
 * The tokens of identifier values (patient name, IDs, birth date, accession, institution,
 * physicians) that are cut out of what is shown: 2 characters or more, lower case, longest
 * first; for a value of several parts (FAMILY^GIVEN) also the parts run together in either order
 * ("LI^WEI" → "liwei", "weili") and two short neighbours run together ("NGUYEN^VAN AN" → "vanan"),
 * as a name typed without a space would be, and each part with the other parts' initials
 * ("smith^j": "Smith J" was stored as "J"; deidentify-initials.ts). A part with an apostrophe (O'BRIEN, D’ANGELO) is also
 * a token without it ("obrien") and with a space for it ("o brien"), and its pieces are tokens of
 * their own: a description leaves the apostrophe out as often as not.
 */
export function identifierTokens(identifiers: Iterable<string>): string[] {
  const tokens = new Set<string>();
  const add = (t: string) => {
    if (t.length >= 2) tokens.add(t);
  };
  for (const id of identifiers) {
    // normalised as the text they are cut from is (NFKC): a name read from UTF-8 bytes as Latin-1
    // ("Gómez" → "GÃ³mez") has a "³" that NFKC makes "3" in the description; unnormalised, the
    // token no longer matched and "G 3mez" was shown
    const words = id.normalize('NFKC').split(/[\^\s=,._\\/-]+/).map((t) => t.trim().toLowerCase().replace(APOSTROPHE, "'"));
    const parts: string[] = [];
    for (const w of words) {
      if (!w.includes("'")) {
        if (w.length >= 2) parts.push(w);
        continue;
      }
      const joined = w.replaceAll("'", '');
      if (joined.length >= 2) parts.push(joined);
      add(w);
      add(w.replaceAll("'", ' ').trim());
      for (const piece of w.split("'")) add(piece);
    }
    for (const t of parts) tokens.add(t);
    for (const t of initialsTokens(words)) tokens.add(t);
    if (parts.length >= 2) {
      tokens.add(parts.join(''));
      tokens.add([...parts].reverse().join(''));
      // neighbours only where both are short: a longer part is cut wherever it stands on its own
      for (let i = 0; i + 1 < parts.length; i++) if (parts[i].length < SHORT_TOKEN && parts[i + 1].length < SHORT_TOKEN) tokens.add(parts[i] + parts[i + 1]);
    }
  }
  return [...tokens].sort((a, b) => b.length - a.length);
}

/** Apostrophes as names are written with them (typographic, modifier letter, grave, acute): each is read as "'". */
const APOSTROPHE = /[\u2019\u2018\u02bc`\u00b4]/g;

/**
 * `s` with every occurrence of each token replaced by `by`, matched as the same name written
 * another way: case aside, accents stripped (NFKD: é → e), German transliterations (ä/ae/a,
 * ö/oe/o, ü/ue/u, ß/ss) and a few letters NFKD leaves whole (ø, æ, œ, ł, đ, ı, þ) read alike —
 * so "MUELLER JURGEN", "Muller, Jurgen" and "jürgen müller" all lose the tokens of MÜLLER^JÜRGEN.
 * Each token is cut on its own, so the order of the name's parts and what separates them
 * (^, space, comma) do not matter.
 *
 * The rule for where a token may match: a token of fewer than SHORT_TOKEN folded characters
 * written in a script that separates words (Latin, Greek, Cyrillic letters, digits) — "LI", "AN",
 * "LEE" — is cut only as a whole word (no letter or digit right before or after it), or every
 * "slice", "scan" and "sleep" of a description would be cut too; so is a token with a digit of
 * fewer than EMBEDDED_ID characters ("12"), and one of 3 with a single digit ("EP2", "ST1": see
 * digitCount). A token with a digit of EMBEDDED_ID up to GROUPED_ID characters — a study ID "042"
 * or "4711", an accession "A12" or "AB12" — is cut as a whole word and run into a word ("PAT042",
 * "PAT4711", "ID4711_T1"), but not inside a longer number ("AB123") nor in a word that reads as a
 * sequence parameter (isParameterWord: "b1000", "TR2000", "1000b", "256x256"; a b-value only where
 * it is one scanners use, so "b4711" loses the ID 4711): a 4-digit study ID made "DWI b1000"
 * "DWI b" when such tokens were cut anywhere, and was kept in "PAT4711" when they were cut as
 * whole words only. Any longer token, and any token in a script written
 * without spaces (a 2-character Han name), is cut wherever it occurs: a name part, and an ID of 5+
 * characters (MRN123456 in "XMRN-123-456"), which no sequence parameter is as long as.
 */
export function cutTokens(s: string, tokens: string[], by: string, joinSeparated = false): string {
  if (!tokens.length || !s) return s;
  const text = fold(s);
  let compact: Compact | null = null;
  const grouped = () => (compact ??= withoutGroupSeparators(text.text));
  const ranges: [number, number][] = [];
  for (const token of new Set(tokens.map((t) => fold(t).text))) {
    if (token.length < 2) continue;
    if (token.includes(INITIALS)) {
      for (const [at, end] of initialsRanges(text.text, token)) ranges.push([text.from[at], text.to[end - 1]]);
      continue;
    }
    const withDigit = /\d/.test(token);
    // a token with a digit goes by its own length rule (EMBEDDED_ID), not by SHORT_TOKEN's: "a12" is an ID, not a word
    const wholeWord = withDigit ? token.length < EMBEDDED_ID || (token.length === EMBEDDED_ID && digitCount(token) < 2) : token.length < SHORT_TOKEN && WORD_SCRIPT.test(token);
    const shortId = withDigit && token.length < GROUPED_ID;
    for (const [at, end] of occurrences(text.text, grouped, token)) {
      const inWord = isWordChar(text.text[at - 1]) || isWordChar(text.text[end]);
      if (inWord && (wholeWord || (shortId && !runInto(text.text, at, end)))) continue;
      if (!inWord && afterBEquals(text.text, at, token)) continue;
      ranges.push([text.from[at], text.to[end - 1]]);
    }
  }
  if (!ranges.length) return s;
  ranges.sort((a, b) => a[0] - b[0]);
  let out = '';
  let kept = 0;
  for (const [from, to] of ranges) {
    if (to <= kept) continue;
    // joinSeparated: two cuts with only separators between them ("Muller, Jurgen", "AN^LI") are
    // one cut — in a description the lone comma or caret left between them only says a name
    // stood there; a file name keeps its "#_#" (skipped-files.ts), whose shape says as much
    const joined = joinSeparated && out !== '' && /^[\s,;^_-]*$/.test(s.slice(kept, from));
    if (from >= kept && !joined) out += s.slice(kept, from) + by;
    kept = to;
  }
  return out + s.slice(kept);
}

/**
 * Where `token` occurs in `text`, as [start, end). An ID-like token (GROUPED_ID characters or more,
 * a digit among them: a patient ID, an accession number, a birth date) also where one space, hyphen,
 * dot, slash or underscore stands between any two of its characters, as such numbers are written in
 * groups: "ID 123 456", "MRN-123-456", "1970 01 01" were kept beside a header's 123456, MRN123456,
 * 19700101. Looked up in `grouped` (the text without those single separators) by indexOf, as every
 * other token is: a regular expression per token took a header of 4,000 ID-like name parts from
 * 37 ms to 1.2 s per file.
 */
function occurrences(text: string, grouped: () => Compact, token: string): [number, number][] {
  const out: [number, number][] = [];
  const idLike = token.length >= GROUPED_ID && /\d/.test(token);
  const t = idLike ? grouped() : { text, at: null };
  for (let i = t.text.indexOf(token); i >= 0; i = t.text.indexOf(token, i + 1)) {
    out.push(t.at ? [t.at[i], t.at[i + token.length - 1] + 1] : [i, i + token.length]);
  }
  return out;
}

interface Compact {
  text: string;
  /** per character of `text`, its index in the text it was made from */
  at: number[];
}

/** `text` without each single space, hyphen, dot, slash or underscore that stands between two letters or digits. */
function withoutGroupSeparators(text: string): Compact {
  const out: Compact = { text: '', at: [] };
  for (let i = 0; i < text.length; i++) {
    if (/[\s./_-]/.test(text[i]) && isWordChar(text[i - 1]) && isWordChar(text[i + 1])) continue;
    out.text += text[i];
    out.at.push(i);
  }
  return out;
}

/**
 * Whether the short ID at [at, end) of the folded `text` is one run into a word ("pat4711",
 * "4711t1", "xab12") rather than a part of another number ("ab123", "14711") or of a sequence
 * parameter's word ("b1000" for a study ID 1000).
 */
function runInto(text: string, at: number, end: number): boolean {
  if (!seam(text[at], text[at - 1]) || !seam(text[end - 1], text[end])) return false;
  // no parameter word is longer than a few characters: a longer word is not one, and a description
  // that is one 1,024-character word of IDs is not walked end to end for each of them
  let from = at;
  let to = end;
  while (isWordChar(text[from - 1]) && at - from < LONGEST_PARAMETER) from--;
  while (isWordChar(text[to]) && to - end < LONGEST_PARAMETER) to++;
  const word = text.slice(from, to);
  if (isWordChar(text[from - 1]) || isWordChar(text[to])) return true;
  // a 4-digit ID is kept only as a b-value's number (b1000 with StudyID 1000), not as a TR, a PLD or a
  // matrix's ("TR4711" and "4711ms" with a patient ID 4711 were kept); 3 characters (TE100, FOV240,
  // 256x256) and a piece with letters ("256X" of "256x256") keep the parameter words
  return end - at > EMBEDDED_ID && isDigits(text.slice(at, end)) ? !isBValueWord(word) : !isParameterWord(word);
}

/**
 * Whether the whole-word ID at [at, …) of the folded `text` is the number of a b-value written
 * apart from its "b" — "b=1000", "b 1000" (as the character set stores "b=1000"), "b_1000" — one a
 * scanner is set to (isBValue): kept there as in "b1000" (runInto).
 */
function afterBEquals(text: string, at: number, token: string): boolean {
  return isDigits(token) && isBValue(token) && B_EQUALS.test(text.slice(Math.max(0, at - 5), at));
}

const B_EQUALS = /(?:^|[^\p{L}\p{N}])b[\s=:_-]{1,3}$/u;

const LONGEST_PARAMETER = 12;

/**
 * Whether an ID's edge character `inside` may meet `outside`: nothing of a word, or a letter
 * meeting a digit ("pat|4711", "4711|t1", "ab12|x"). Digit beside digit is another number ("ab12|3");
 * letter beside letter a word of the description ("mb|ep2d", "3pla|ne").
 */
const seam = (inside: string | undefined, outside: string | undefined): boolean => !isWordChar(outside) || isDigit(inside) !== isDigit(outside);

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isDigits = (s: string): boolean => /^\d+$/.test(s);

/**
 * A token with a digit shorter than this is cut as a whole word only; from this length on also run
 * into a word where it meets it at a letter-digit seam and the word is no parameter (cutTokens,
 * runInto). Three: a 3-digit ID ("042") or accession ("A12") in "PAT042" or "A12X" was kept while
 * 4-character ones were cut; the b-values, TEs, FOVs and matrix sizes of the same digits ("b500",
 * "TE100", "FOV240", "256x256") are parameter words and stay (none of the protocol names of
 * test/support/series-descriptions.ts loses a 3-digit number). Two digits are a slice count, a
 * channel count, an echo number of every other description.
 */
const EMBEDDED_ID = 3;

/**
 * Digits in a token. A 3-character token with one digit only ("ep2", "fl3", "st1", "1aa") is cut as
 * a whole word: run into a word it is a sequence name's piece ("ep2d", "fl3d", "sT1W") far more
 * often than an ID, and an address's UK postcode (ST1, the inward "1AA") is such a token; with one
 * digit, 29 of the 321 3-character pieces of the protocol names changed when taken for the ID.
 */
const digitCount = (token: string): number => token.replace(/\D/g, '').length;

/**
 * An identifier token at least this long with a digit in it is matched in groups too (occurrences);
 * a shorter one only as a whole word (cutTokens). Five, as for the digit runs scrubDescription
 * removes: b-values, TR, TE and matrix sizes in a description have at most four digits.
 */
const GROUPED_ID = 5;

/** Tokens shorter than this (folded) are cut only as whole words, when in a word-separating script (cutTokens). */
const SHORT_TOKEN = 4;
const WORD_SCRIPT = /^[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{N}]+$/u;
const isWordChar = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}]/u.test(c);
