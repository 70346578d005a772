import { type GlyphCoverage, needsBidi, paragraphDirection, printableRuns, REPLACED_NOTE, type TextRun } from './pdf-text';

/**
 * How the PDF writes a record's own text — a name, an e-mail, a series description, a file name —
 * continuing a line after `lead` points of it: in the report's regular face and, for what it lacks
 * (CJK), the fallbacks, a run per face; "?" and the note for what none has.
 *
 * Text with right-to-left letters is broken into lines here, in reading order, and each line then
 * reordered (pdf-text.ts): pdfkit would break the reordered text, and a wrapped Hebrew value's first
 * line would have held its last words.
 *
 * `faces[i]` is registered in the document as `nameOf(i)`; `width` is the text width.
 */
export function valueWriter(doc: PDFKit.PDFDocument, faces: readonly GlyphCoverage[], nameOf: (face: number) => string, width: number): (text: string, lead: number) => void {
  /** Width of logical text as it prints (in the current size). */
  const widthOf = (text: string) => printableRuns(text, faces).runs.reduce((w, run) => w + doc.font(nameOf(run.face)).widthOfString(run.text), 0);
  /** Lines (joined by "\n") of whole words, each as full as fits: `first` points for the first, the text width after. */
  const breakLines = (text: string, first: number) =>
    text
      .split('\n')
      .map((paragraph) => {
        const lines = [''];
        for (const word of paragraph.split(/(?<= )/)) {
          const line = lines[lines.length - 1];
          // a point short of the width, so that pdfkit never breaks such a line again
          if (line && widthOf(line + word.trimEnd()) > (lines.length === 1 ? first : width) - 1) lines.push(word);
          else lines[lines.length - 1] = line + word;
        }
        // a line's last space would be drawn at its start once reordered (a right-to-left line's end is its left)
        return lines.map((l) => l.trimEnd()).join('\n');
      })
      .join('\n');

  return (text, lead) => {
    let direction: 'ltr' | 'rtl' | 'auto' = 'auto';
    if (needsBidi(text)) {
      direction = paragraphDirection(text);
      text = breakLines(text.normalize('NFC'), width - lead);
    }
    const { runs, replaced } = printableRuns(text, faces, direction);
    const all: TextRun[] = replaced ? [...runs, { face: 0, text: REPLACED_NOTE }] : runs;
    if (!all.length) all.push({ face: 0, text: '' });
    all.forEach((run, i) => doc.font(nameOf(run.face)).text(run.text, { continued: i < all.length - 1 }));
    doc.font(nameOf(0));
  };
}
