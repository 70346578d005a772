/**
 * A name written with initials — "Smith J", "J Smith", "SMITH^J", "Smith, J.", "M. J. Garcia" — lost
 * its written-out part to the header's name and kept the initial ("J T1"). identifierTokens adds, per
 * part of a name, an initials token (the part and the other parts' initials, joined by INITIALS);
 * cutTokens cuts the part with every initial of the name that stands beside it (initialsRanges).
 */

/** Joins a name part and the initials of the other parts in one token: no identifier token has it (identifierTokens splits at "^"). */
export const INITIALS = '^';

/** Names of more parts than this get no initials tokens (a value of thousands of parts would make thousands of tokens of thousands of initials). */
const MAX_PARTS = 8;

/**
 * The initials tokens of one identifier value split into words: for every part of 2+ letters, the
 * part and the first letters of the other words ("smith^j" for SMITH^JOHN). None for a value of
 * one word, or with digits (an ID has no initials).
 */
export function initialsTokens(words: string[]): string[] {
  const letters = words.filter((w) => w.length > 0);
  if (letters.length < 2 || letters.length > MAX_PARTS || letters.some((w) => !/^[\p{L}\p{M}']+$/u.test(w))) return [];
  const out: string[] = [];
  letters.forEach((part, i) => {
    if (part.replaceAll("'", '').length < 2) return;
    const initials = new Set(letters.filter((_, j) => j !== i).map((w) => [...w.replaceAll("'", '')][0]));
    out.push([part, ...initials].join(INITIALS));
  });
  return out;
}

/**
 * Where, in the folded text, a name part stands as a word of its own with one or more of the name's
 * initials beside it (each a letter, a dot after it or not, one to three of space , . _ ^ - between),
 * as [start, end) of the whole; `token` as initialsTokens made it, folded. The part alone is cut by
 * its own token; this adds the initials, so "Smith J" is not stored as "J".
 */
export function initialsRanges(text: string, token: string): [number, number][] {
  const [part, ...initials] = token.split(INITIALS);
  const letters = new Set(initials);
  const out: [number, number][] = [];
  for (let at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
    const end = at + part.length;
    if (isWordChar(text[at - 1]) || isWordChar(text[end])) continue;
    let from = at;
    let to = end;
    for (let m: RegExpExecArray | null; (m = AFTER.exec(text.slice(to))) && letters.has(m[1]); ) to += m[0].length;
    for (let m: RegExpExecArray | null; (m = BEFORE.exec(text.slice(0, from))) && letters.has(m[1]); ) from -= m[0].length;
    if (from < at || to > end) out.push([from, to]);
  }
  return out;
}

/** An initial after the part: separators, a letter, maybe a dot, and no letter or digit after. */
const AFTER = /^[\s,._^-]{1,3}(\p{L})\.?(?![\p{L}\p{N}])/u;
/** An initial before the part: no letter or digit before, a letter, maybe a dot, separators. */
const BEFORE = /(?<![\p{L}\p{N}])(\p{L})\.?[\s,._^-]{1,3}$/u;

const isWordChar = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}]/u.test(c);
