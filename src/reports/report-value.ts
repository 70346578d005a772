import { breakLines as breakText, hasFigure, hasIdentifier } from './line-breaks';
import { valueLang } from './value-lang';
import { markedPieces, type Piece } from './marked-pieces';
import { type GlyphCoverage, isJapanese, needsBidi, paragraphDirection, printableRuns, printableRunsOnce, REPLACED_NOTE, type TextRun } from './pdf-text';

/**
 * How the PDF writes text that may be in any script: a record's own text after its key (a name, an
 * e-mail, a series description, a file name: `value`) and the lines that stand in a box of their
 * own (the title, headings, table cells: `block`; a label or a model card's words). Each in the
 * report's face and, for what it lacks (CJK), the fallbacks, a run per face; "?" for what none has
 * (and, after a value, the note saying so). Headings and cells fell back to "?" or to empty boxes
 * (.notdef) before: a label of a model trained elsewhere, a card's source names, may be CJK too.
 *
 * Text with right-to-left letters is broken into lines here, in reading order, and each line then
 * reordered (pdf-text.ts): pdfkit would break the reordered text, and a wrapped Hebrew value's first
 * line would have held its last words. A paragraph whose direction is right to left (its first
 * strong letter's, as dir="auto" in a browser) is right-aligned in its box: each line is placed
 * here, since pdfkit aligns each face's run of a line on its own. A left-to-right one is left to
 * pdfkit's wrapping, which also breaks CJK between ideographs, unless it has Korean in it (HANGUL):
 * that is broken here too, at spaces only; so is a value with an e-mail address or file-like name, and
 * text with a figure such as "≥ 60.0 %" (line-breaks.ts: pdfkit breaks at their hyphens and spaces).
 */
export interface ReportTextFaces {
  regular: GlyphCoverage;
  bold: GlyphCoverage;
  fallbacks: readonly GlyphCoverage[];
}

/** The names the faces are registered under in the document (a fallback's when first used). */
export interface ReportTextNames {
  regular: string;
  bold: string;
  fallback(index: number): string;
}

/**
 * Draws one part of a key-and-value line: the key, the value, and the note after a value with
 * characters no face has. The caller marks each (the value a Span in its own language, value-lang.ts).
 */
// 'after': the report's own words after the value (a heading's " — version 2" after a card's title)
export type ValueParts = (part: 'key' | 'value' | 'note' | 'after', draw: () => void) => void;

/** A value's weight (a heading's label is bold, as the heading) and the report's words after it, if any. */
export interface ValueOptions {
  bold?: boolean;
  after?: string;
}

export interface ReportTextWriter {
  /** `key` in `keyFont` (the current size and colour), then the record's `text` after it, across the text width from the left margin; each part drawn through `parts`. */
  value(key: string, keyFont: string, text: string, parts?: ValueParts, options?: ValueOptions): void;
  /** A paragraph in the box from `x` across `width` (at `y`, or the current line), in the regular or bold face and the current size. */
  block(text: string, x: number, y: number | undefined, options: { width: number; align?: 'left' | 'right'; bold?: boolean }): void;
}

type Direction = 'ltr' | 'rtl';

/**
 * Hangul: syllables, jamo (and their extensions), compatibility jamo. Korean puts spaces between
 * words and is broken at them only, as CSS's `word-break: keep-all` and Korean typesetting do;
 * pdfkit's wrapping (UAX #14) breaks between any two syllables, as between ideographs ("간 / 호사").
 * Text with Hangul is therefore broken into lines here (breakLines), as right-to-left text is.
 */
const HANGUL = /[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff]/u;

/** Text that breakLines breaks into lines before pdfkit sees it (pdfkit breaks the rest itself). */
const ownLines = (text: string): boolean => needsBidi(text) || HANGUL.test(text);

/**
 * The CJK faces are Regular only (report-fonts.ts): a bold run in one (a heading, a table header) is
 * drawn filled and then stroked in its fill colour, round-joined, with a line this many ems wide, as
 * viewers simulate a bold face. 0.03 em inks 20 kanji at 12 pt as Noto Sans CJK Bold does, within 1 %
 * (poppler at 1200 dpi: 386,699 against 388,948; Regular 263,737). 0.05 em, the difference of the
 * faces' stems (0.129 em against 0.080: 一, 丨), inked 463,103 and filled dense glyphs' counters
 * (髄, 瘍). The Bold file is not shipped.
 */
export const FAUX_BOLD_EM = 0.03;

/** What pdfkit keeps of the text state and reads itself (its underline strokes in the fill colour too); not in @types/pdfkit. */
interface PdfkitTextState {
  _fontSize: number;
  _fillColor?: [PDFKit.Mixins.ColorValue, number | undefined];
}

export function reportTextWriter(doc: PDFKit.PDFDocument, faces: ReportTextFaces, names: ReportTextNames, left: number, width: number): ReportTextWriter {
  /** each weight's faces and their names, made once: the runs are remembered per face list (printableRunsOnce) */
  const weights = [false, true].map((bold) => ({
    faces: [bold ? faces.bold : faces.regular, ...faces.fallbacks],
    nameOf: (face: number) => (face > 0 ? names.fallback(face - 1) : bold ? names.bold : names.regular),
  }));

  /** One paragraph's setting: its faces and their names, its direction, whether it is Japanese. */
  interface Setting {
    /** the language of the whole text where its letters name one (its element carries it: value-lang.ts) */
    lang: string | undefined;
    faces: GlyphCoverage[];
    nameOf: (face: number) => string;
    bold: boolean;
    direction: Direction;
    japanese: boolean;
  }
  const setting = (text: string, bold: boolean): Setting => ({
    ...weights[Number(bold)],
    bold,
    direction: needsBidi(text) ? paragraphDirection(text) : 'ltr',
    japanese: isJapanese(text),
    lang: valueLang(text),
  });
  const runsOf = (text: string, s: Setting) => printableRuns(text, s.faces, s.direction, s.japanese);
  /** Width of each run as it prints (in the current size). */
  const widths = (runs: readonly TextRun[], s: Setting) => runs.map((run) => doc.font(s.nameOf(run.face)).widthOfString(run.text));
  const widthOf = (text: string, s: Setting) => widths(runsOf(text, s).runs, s).reduce((a, b) => a + b, 0);

  /** Lines broken as line-breaks.ts breaks them, measured in this paragraph's faces. */
  const breakLines = (text: string, s: Setting, first: number, full: number): string[] => breakText(text, (t) => widthOf(t, s), first, full);

  /**
   * `run` in its face, written by `write` with the options the face needs: a bold run in a fallback
   * face filled and stroked (FAUX_BOLD_EM), any other neither (pdfkit carries a continued text's
   * options over to the next run). The stroke's width and colour are set for it (again on a page
   * pdfkit starts inside it) and put back to PDF's defaults after: every stroke in the report sets its own.
   * (Not a save/restore around it: a page started in between would get the restore without the save.)
   */
  const drawRun = (run: TextRun, s: Setting, write: (options: PDFKit.Mixins.TextOptions) => void) => {
    doc.font(s.nameOf(run.face));
    const faux = s.bold && run.face > 0;
    if (!faux) return write({ fill: false, stroke: false });
    const state = doc as unknown as PdfkitTextState;
    const width = FAUX_BOLD_EM * state._fontSize;
    const colour = state._fillColor?.[0] ?? 'black';
    // round joins: a miter at an outline's sharp corner juts out up to 5 line widths
    const stroke = () => doc.lineWidth(width).lineJoin('round').strokeColor(colour);
    stroke();
    doc.on('pageAdded', stroke);
    try {
      write({ fill: true, stroke: true });
    } finally {
      doc.removeListener('pageAdded', stroke);
      doc.lineWidth(1).lineJoin('miter').strokeColor('black');
    }
  };

  /**
   * Right-to-left lines, each placed with its right end at the box's (`y`: the first line's top):
   * its runs left to right in visual order. Returns the number of lines drawn and where the last one is.
   */
  const rightAligned = (lines: string[], s: Setting, x: number, boxWidth: number, y: number) => {
    const lineHeight = doc.font(s.nameOf(0)).currentLineHeight(true);
    let replaced = 0;
    lines.forEach((line, i) => {
      if (i > 0) y += lineHeight;
      // (continueOnNewPage: a tagged paragraph's marked content goes on with it, report-tags.ts)
      if (y + lineHeight > doc.page.height - doc.page.margins.bottom) y = doc.continueOnNewPage().y;
      const printed = runsOf(line, s);
      replaced += printed.replaced;
      const w = widths(printed.runs, s);
      let at = x + boxWidth - w.reduce((a, b) => a + b, 0);
      printed.runs.forEach((run, j) => {
        drawRun(run, s, (options) => doc.text(run.text, at, y, { ...options, lineBreak: false }));
        at += w[j];
      });
    });
    doc.font(s.nameOf(0));
    doc.x = x;
    doc.y = y + lineHeight;
    return replaced;
  };

  /** A line's words in the groups they are marked in (marked-pieces.ts), as this paragraph's faces print them. */
  const pieces = (line: string, s: Setting): Piece[] => markedPieces(line, s.lang, (t) => printableRunsOnce(t, s.faces, s.direction, s.japanese));

  /**
   * A line as pdfkit writes it, a run per face, each continuing the line of the one before; the first
   * at `at` (x, and y or the current line) with `first`, its text options. (pdfkit's text(s, undefined,
   * undefined, options) reads no options at all: a position is passed only where there is one.) Text
   * broken here (breakLines) is written a line per call, never as one text with "\n" in it: pdfkit starts
   * each line after a "\n" in a run that continues another where that run started (its continuedX),
   * so a two-face line's second line stood indented by the first run's width and was broken again
   * for want of room ("증강이 관찰됨 post-" / "contrast").
   */
  const continued = (line: string, s: Setting, at: [number, number | undefined] | undefined, first: PDFKit.Mixins.TextOptions, more = false) => {
    const found = pieces(line, s);
    const groups: Piece[] = found.length ? found : [{ runs: [{ face: 0, text: '' }] }];
    const total = groups.reduce((n, g) => n + g.runs.length, 0);
    // one face, nothing marked (nearly every heading and cell): as pdfkit was called before there were fallbacks
    if (total === 1 && !groups[0].lang && !groups[0].actual && at && !more) {
      const [run] = groups[0].runs;
      drawRun(run, s, (options) => doc.text(run.text, at[0], at[1], { ...first, ...options }));
      doc.font(s.nameOf(0));
      return;
    }
    let i = 0;
    for (const group of groups)
      marked(group, () =>
        group.runs.forEach((run) => {
          const n = i++;
          drawRun(run, s, (fill) => {
            const options = { ...(n ? {} : first), ...fill, continued: n < total - 1 || more };
            if (n === 0 && at) doc.text(run.text, at[0], at[1], options);
            else doc.text(run.text, options);
          });
        }),
      );
    doc.font(s.nameOf(0));
  };

  /**
   * A word in a language its letters name inside text of another (a Korean word in a mostly-Latin series
   * description, which value-lang.ts leaves in the report's en-GB as a whole) is drawn as marked content
   * with its own /Lang (ISO 32000-1 14.9.2.2): an English voice spelt "뇌" out or skipped it. A word
   * printed with "?" has its text as the mark's /ActualText (pieces). pdfkit ends and reopens the mark
   * on a page it starts inside it.
   */
  const marked = ({ lang, actual }: Piece, draw: () => void) => {
    if (!lang && !actual) return draw();
    doc.markContent('Span', { ...(lang ? { lang } : {}), ...(actual ? { actual: actual.normalize('NFC') } : {}) });
    try {
      draw();
    } finally {
      doc.endMarkedContent();
    }
  };

  return {
    value(key, keyFont, text, parts = (_part, draw) => draw(), { bold = false, after = '' } = {}) {
      const s = setting(text, bold);
      if (s.direction === 'rtl') {
        text = text.normalize('NFC');
        // the key and the value's first line on one line: room for that line first, as pdfkit makes it
        if (doc.y + doc.font(s.nameOf(0)).currentLineHeight(true) > doc.page.height - doc.page.margins.bottom) doc.continueOnNewPage();
        const y = doc.y;
        parts('key', () => doc.font(keyFont).text(key, left, y, { lineBreak: false }));
        let replaced = 0;
        parts('value', () => (replaced = rightAligned(breakLines(text, s, width - doc.font(keyFont).widthOfString(key), width), s, left, width, y)));
        if (replaced) parts('note', () => doc.font(s.nameOf(0)).text(REPLACED_NOTE.trim(), left, undefined, { width }));
        // under the right-aligned value, at the left: it reads after it
        if (after) parts('after', () => doc.font(s.nameOf(0)).text(after.trim(), left, undefined, { width }));
        return;
      }
      const lead = doc.font(keyFont).widthOfString(key);
      // a value with an e-mail address or a file-like name in it is broken here too: pdfkit breaks one at its hyphens (line-breaks.ts)
      const lines = ownLines(text) || hasIdentifier(text) || hasFigure(text) ? breakLines(text.normalize('NFC'), s, width - lead, width) : [text];
      // the first word fits only on a line of its own: the key ends its line (an empty text after it would not)
      const keyAlone = lines.length > 1 && !lines[0];
      // no key (a heading that starts with its label): the value starts the line itself
      if (key) parts('key', () => doc.font(keyFont).text(key, left, undefined, { continued: !keyAlone, width }));
      else doc.x = left;
      // the note (in English) goes on the value's last line, continuing it, in a part of its own
      const noted = lines.some((line) => printableRunsOnce(line, s.faces, s.direction, s.japanese).replaced);
      parts('value', () =>
        lines.forEach((line, i) => {
          if (i === 0 && keyAlone) return;
          continued(line, s, i ? [left, undefined] : undefined, i || !key ? { width } : {}, (noted || Boolean(after)) && i === lines.length - 1);
        }),
      );
      if (noted) parts('note', () => continued(REPLACED_NOTE, s, undefined, {}, Boolean(after)));
      if (after) parts('after', () => continued(after, s, undefined, {}));
    },

    block(text, x, y, { width: boxWidth, align = 'left', bold = false }) {
      const s = setting(text, bold);
      if (s.direction === 'rtl') {
        rightAligned(breakLines(text.normalize('NFC'), s, boxWidth, boxWidth), s, x, boxWidth, y ?? doc.y);
        return;
      }
      // a figure ("≥ 60.0 %") is kept whole here: pdfkit breaks after its sign or before its "%" (line-breaks.ts)
      const lines = ownLines(text) || hasFigure(text) ? breakLines(text.normalize('NFC'), s, boxWidth, boxWidth) : [text];
      lines.forEach((line, i) => continued(line, s, [x, i ? undefined : y], { width: boxWidth, align }));
    },
  };
}
