/**
 * Where text that the report breaks itself (report-value.ts: Korean, right-to-left) is broken into
 * lines: after spaces and hyphens (not an identifier's) and between ideographs or kana, each line as full as fits. Apart from the
 * writer so that the rule can be checked with any measure, and measured once per word.
 */

/** Chinese and Japanese characters, between which a line may still break (in text broken here). */
const IDEOGRAPHIC = '[\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}]';

/**
 * A hyphen after a letter or digit, before a letter ("post-|contrast", "T1-|강조"): a line may break
 * after it, as UAX #14 allows (not before a digit: "-5", "2026-12-07" stay whole). Without it a
 * hyphenated Latin word in Korean text (which is broken here, not by pdfkit) moved whole to the next
 * line, or was cut between letters where longer than a line.
 */
const HYPHEN = '(?<=[\\p{L}\\p{N}][-\u2010])(?=\\p{L})';

/** Where breakLines may break: after a space, after a hyphen in a word (HYPHEN), and between two ideographs or kana; never between two Hangul letters. */
export const BREAK = new RegExp(`(?<= )|${HYPHEN}|(?<=${IDEOGRAPHIC})(?=${IDEOGRAPHIC})`, 'u');

/**
 * A word that names something: an e-mail address, a file or series name ("@", "_", "/", "\\" in it).
 * Never broken at its hyphens: "team-" at a line's end reads as a word broken in two, and pdftotext
 * (copy, search) joined the lines so: "radiology-department.team-" / "lead@…" became "teamlead@…".
 * It moves whole to the next line (cut where a line ends only when longer than a line).
 */
const IDENTIFIER = /[@_/\\]/u;

/** Whether the text has a word that names something (IDENTIFIER): report-value.ts breaks such a value here. */
export const hasIdentifier = (text: string): boolean => text.split(/\s+/u).some((word) => IDENTIFIER.test(word));

/**
 * A figure's parts that stay on one line: a relation sign and the number after it, a number and its
 * "%". pdfkit broke a model card's "… alone (≥" / "60.0 %, without …", which reads as a sign with no
 * figure and a figure with no sign.
 */
const SIGN = /^[(\[]?[≥≤<>≈~]\s+$/u;
const FIGURE = /[≥≤<>≈~] \d|\d %/u;

/** Whether the text has a figure whose parts must stay together (FIGURE): report-value.ts breaks such text here. */
export const hasFigure = (text: string): boolean => FIGURE.test(text);

/** A paragraph's words as breakLines may break them: BREAK's, an identifier's hyphens kept, a figure's sign and "%" with it. */
const wordsOf = (paragraph: string): string[] =>
  paragraph
    .split(/(?<= )/u)
    .flatMap((word) => (IDENTIFIER.test(word) ? [word] : word.split(BREAK)))
    .reduce<string[]>((words, word) => {
      const last = words.length - 1;
      if (last >= 0 && (SIGN.test(words[last]) || (/^%/u.test(word) && /\d\s+$/u.test(words[last])))) words[last] += word;
      else words.push(word);
      return words;
    }, []);

/** Width of a text as it prints (its runs in their faces, at the current size). */
export type Measure = (text: string) => number;

/**
 * Lines of logical text, each as full as fits: `first` points for the first, `full` after; broken
 * after spaces and between ideographs or kana (BREAK), and a word longer than a line where its
 * characters reach the end. Each line is a point short of its width, so that pdfkit never breaks
 * it again; a line's last space is dropped (it would be drawn at the start of a right-to-left line).
 *
 * The words a line takes are found from each word's own width, measured once, and then checked by
 * measuring the line itself: with it fitting and one word more not, it is what adding word after
 * word and measuring the line each time gives (a line's width grows with each word), at two
 * measures of a line instead of one per word — that made an 80-word Korean value 3x slower to
 * set than a Latin one.
 */
export function breakLines(text: string, measure: Measure, first: number, full: number): string[] {
  return text.split('\n').flatMap((paragraph) => {
    const words = wordsOf(paragraph).filter((w) => w !== '');
    const lines = [''];
    const room = () => (lines.length === 1 ? first : full) - 1;
    /**
     * each word's width without its trailing spaces, measured when first needed, and with them as
     * estimated from a space's width (the face a space prints in follows its word's: the lines are
     * checked by measuring them anyway)
     */
    const widths: ({ whole: number; trimmed: number } | undefined)[] = [];
    let space: number | undefined;
    const widthOf = (k: number) => {
      const known = widths[k];
      if (known) return known;
      const trimmed = words[k].trimEnd();
      const width = measure(trimmed);
      return (widths[k] = { trimmed: width, whole: width + (words[k].length - trimmed.length) * (space ??= measure(' ')) });
    };
    /** whether the line with words i..j fits, measured as a whole: the last word without its spaces (a word of spaces alone adds none) */
    const fits = (line: string, i: number, j: number) => measure(line + words.slice(i, j).join('') + words[j].trimEnd()) <= room();

    let i = 0;
    while (i < words.length) {
      const line = lines[lines.length - 1];
      // the last word the line can take, from the words' widths; then held to the line's own
      let sum = measure(line);
      let j = i - 1;
      while (j + 1 < words.length && sum + widthOf(j + 1).trimmed <= room()) sum += widthOf(++j).whole;
      while (j >= i && !fits(line, i, j)) j--;
      while (j + 1 < words.length && fits(line, i, j + 1)) j++;
      if (j >= i) {
        lines[lines.length - 1] = line + words.slice(i, j + 1).join('');
        i = j + 1;
        // the next word was just measured not to fit after them: it starts the next line
        if (i < words.length) lines.push('');
        continue;
      }
      // words[i] does not fit after what the line holds
      const word = words[i];
      if (line || (lines.length === 1 && widthOf(i).trimmed <= full - 1)) {
        lines.push('');
        continue;
      }
      // a word longer than a line: as many of its characters as fit, the rest on the next line
      const chars = [...word];
      let n = 1;
      while (n < chars.length && measure(chars.slice(0, n + 1).join('').trimEnd()) <= room()) n++;
      lines[lines.length - 1] = chars.slice(0, n).join('');
      const rest = chars.slice(n).join('');
      if (rest) {
        words[i] = rest;
        widths[i] = undefined;
        lines.push('');
      } else i++;
    }
    // a line's last space would be drawn at its start once reordered (a right-to-left line's end is its left)
    return lines.map((l) => l.trimEnd());
  });
}
