/**
 * The report's structure (a tagged PDF): what a screen reader reads, and in which order, and what
 * it skips. Untagged, the reports were read as one unordered stream of glyphs, or not at all; now
 * each heading, paragraph, table cell and figure is an element of the structure tree, and what is
 * only drawn (rules, box outlines, the running footer) is an artifact.
 *
 * pdfkit marks the content drawn inside an element's closure, across pages where pdfkit itself
 * starts one (text wrapping, continueOnNewPage). So: a page is started inside a closure only with
 * continueOnNewPage (doc.addPage() there would leave the marked content open on the old page and
 * close it, unopened, on the new one), and an artifact is drawn outside every closure (pdfkit ends
 * the open marked content for it).
 */

/** The alternative text of the report's two pictures: what they are, for who cannot see them. */
export const IMAGE_ALT = 'Uploaded image';
export const HEATMAP_ALT = 'Heat map of where the model looked';

/** The language of the report's own words (its labels and sentences; a record's values are as written). */
export const REPORT_LANG = 'en-GB';

export type ReportElement = PDFKit.PDFStructureElement;

export interface ReportTags {
  /** `draw`'s content as one element of `type` (H1, H2, P, TD…) under `parent` (the document). */
  // `scope`: a header cell's (pdfkit writes it as the Table attribute /Scope; @types/pdfkit lacks it)
  tag(type: string, draw: () => void, options?: { alt?: string; scope?: 'Column' | 'Row' }, parent?: ReportElement): void;
  /** An element holding others (Table, TR, a paragraph with a link in it), under `parent` (the document). */
  group(type: string, parent?: ReportElement): ReportElement;
  /** `draw`'s content as an artifact: layout (a rule, a box) or pagination (the running footer). */
  artifact(draw: () => void, type?: 'Layout' | 'Pagination'): void;
}

/** The document's structure tree; pdfkit writes it when the document ends. */
export function reportTags(doc: PDFKit.PDFDocument): ReportTags {
  const root = doc.struct('Document');
  doc.addStructure(root);
  return {
    tag(type, draw, options = {}, parent = root) {
      parent.add(doc.struct(type, options, draw));
    },
    group(type, parent = root) {
      const element = doc.struct(type);
      parent.add(element);
      return element;
    },
    artifact(draw, type = 'Layout') {
      doc.markContent('Artifact', { type });
      draw();
      doc.endMarkedContent();
    },
  };
}
