import { rtlActual, type ReportElement, type ReportTags } from './report-tags';
import type { ReportTextNames, ReportTextWriter } from './report-value';
import { valueLang } from './value-lang';

/**
 * The report's small tables (probabilities, a model card's figures and training sources), apart from
 * the page's sections (report-pdf.ts): how a table breaks across pages and how a long name fits its
 * column are their own concerns, and the report's layout reads more plainly without them.
 */

/** A two-or-more column table; widths as fractions of the text width, `right` the right-aligned columns. */
// `whole`: columns of identifiers (source names) that must stay whole words (fitName)
export type ReportTable = (head: string[], rows: string[][], fractions: number[], right?: number[], whole?: number[]) => void;

// Tagged as Table, TR, TH (column scope) and TD: a screen reader announces a cell with its column's header.
export function reportTable(doc: PDFKit.PDFDocument, write: ReportTextWriter, tags: ReportTags, names: Pick<ReportTextNames, 'regular' | 'bold'>, left: number, width: number): ReportTable {
  return (head, rows, fractions, right = [1], whole = []) => {
    const xs = fractions.reduce<number[]>((acc, _f, i) => [...acc, i === 0 ? left : acc[i - 1] + fractions[i - 1] * width], []);
    /** each cell as it prints: its text, size and width (fonts set per cell, since fitName and heightOfString read them) */
    const fit = (cells: string[], bold: boolean) => cells.map((c, i) => {
      const cellWidth = fractions[i] * width - 6;
      doc.font(bold ? names.bold : names.regular).fontSize(9);
      return { ...(!bold && whole.includes(i) ? fitName(doc, c, cellWidth) : { text: c, size: 9 }), width: cellWidth, bold };
    });
    const heightOf = (cells: ReturnType<typeof fit>) =>
      Math.max(...cells.map((c) => doc.font(c.bold ? names.bold : names.regular).fontSize(c.size).heightOfString(c.text, { width: c.width })));
    /** `tr`: the row's element, each cell a TH or TD in it; none for a header repeated on a page the table runs onto (an artifact) */
    const line = (cells: string[], bold: boolean, tr?: ReportElement) => {
      const y = doc.y;
      let bottom = y;
      fit(cells, bold).forEach((c, i) => {
        doc.fontSize(c.size);
        const draw = () => write.block(c.text, xs[i], y, { width: c.width, align: right.includes(i) ? 'right' : 'left', bold: c.bold });
        // a cell in a language its letters name (a label of a model trained elsewhere, a source's name) says so (value-lang.ts)
        const lang = valueLang(c.text);
        if (tr) tags.tag(bold ? 'TH' : 'TD', draw, { ...(bold ? { scope: 'Column' as const } : {}), ...(lang ? { lang } : {}), ...rtlActual(c.text) }, tr);
        else tags.artifact(draw, 'Pagination');
        bottom = Math.max(bottom, doc.y);
      });
      doc.y = bottom + 2;
    };
    const table = tags.group('Table');
    const header = (repeated: boolean) => {
      line(head, true, repeated ? undefined : tags.group('TR', table));
      tags.artifact(() => doc.moveTo(left, doc.y).lineTo(left + width, doc.y).lineWidth(0.5).stroke('#999999'));
      doc.y += 3;
    };
    // the header with room for a row or two below it, never alone at a page's foot; rows that run
    // onto the next page take it with them (page 2 was a list of sources under no header)
    if (doc.y > doc.page.height - 120) doc.addPage();
    header(false);
    for (const cells of rows) {
      // a row that would run past the bottom margin goes whole to the next page: pdfkit carried the rest
      // of a long cell (a 4-line licence) over onto a page of its own, under no header
      const pageEnd = doc.page.height - doc.page.margins.bottom;
      if (doc.y > doc.page.height - 90 || doc.y + heightOf(fit(cells, false)) > pageEnd) {
        doc.addPage();
        header(true);
      }
      line(cells, false, tags.group('TR', table));
    }
    doc.x = left;
    doc.fontSize(10);
  };
}

/** Smallest size a name is shrunk to before it is broken: still legible in print beside 9-pt text. */
const MIN_NAME_SIZE = 7;

/**
 * A name without spaces (a training source: spine_lumbar_axial_myosegmentum) in a column too narrow
 * for it: pdfkit breaks such a word wherever the width ends ("myosegmentu" / "m"), which reads as two
 * names. Shrunk to fit down to MIN_NAME_SIZE; longer still, broken after underscores only, each line
 * as full as fits — a name is then split where its own parts are.
 */
function fitName(doc: PDFKit.PDFDocument, name: string, available: number): { text: string; size: number } {
  const widthAt = (s: string, size: number) => doc.fontSize(size).widthOfString(s);
  const full = widthAt(name, 9);
  if (full <= available) return { text: name, size: 9 };
  const size = Math.max(MIN_NAME_SIZE, Math.floor((9 * available) / full * 10) / 10);
  if (widthAt(name, size) <= available) return { text: name, size };
  const parts = name.split(/(?<=_)/);
  const lines: string[] = [];
  for (const part of parts) {
    const last = lines.length - 1;
    if (last >= 0 && widthAt(lines[last] + part, size) <= available) lines[last] += part;
    else lines.push(part);
  }
  return { text: lines.join('\n'), size };
}
