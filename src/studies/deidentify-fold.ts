/**
 * Names folded as cutTokens (deidentify.ts) matches them: case aside, accents stripped, German
 * transliterations and a few letters NFKD leaves whole read alike, with where each folded character
 * came from so that a match is cut from the text as written.
 */

/** Letters NFKD does not take apart, as their plain Latin spelling. */
const SPELLED: Record<string, string> = {
  ß: 'ss', ẞ: 'ss', ø: 'o', æ: 'ae', œ: 'oe', ł: 'l', đ: 'd', ı: 'i', þ: 'th',
  // apostrophes, as identifierTokens reads them
  '\u2019': "'", '\u2018': "'", '\u02bc': "'", '`': "'",
};

export interface Folded {
  text: string;
  /** per folded character: the original characters it came from, [from[i], to[i]) */
  from: number[];
  to: number[];
}

/**
 * `s` lower-cased, accents stripped, ß/æ/… spelled out, and "ae"/"oe"/"ue" read as a/o/u (so
 * MÜLLER, MUELLER and MULLER all fold to "muller"), with where each folded character came from.
 */
export function fold(s: string): Folded {
  const chars: { c: string; from: number; to: number }[] = [];
  for (let i = 0; i < s.length; ) {
    const ch = String.fromCodePoint(s.codePointAt(i)!);
    const to = i + ch.length;
    const lower = ch.toLowerCase();
    const plain = SPELLED[lower] ?? lower.normalize('NFKD').replace(/\p{M}/gu, '');
    // UTF-16 units, not code points: the folded text is indexed by unit (indexOf), and each unit needs its origin
    for (let j = 0; j < plain.length; j++) chars.push({ c: plain[j], from: i, to });
    i = to;
  }
  const out: Folded = { text: '', from: [], to: [] };
  for (let k = 0; k < chars.length; k++) {
    const c = chars[k];
    const merge = chars[k + 1]?.c === 'e' && (c.c === 'a' || c.c === 'o' || c.c === 'u');
    out.text += c.c;
    out.from.push(c.from);
    out.to.push(merge ? chars[++k].to : c.to);
  }
  return out;
}
