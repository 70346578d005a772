import { needsBidi } from './pdf-text';
import { valueLang } from './value-lang';

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

/**
 * The heat map's /Alt, for the class it is for. An /Alt is plain text read in its element's language
 * (ISO 32000-1 14.9.2): a Korean or Hebrew label in it was read by the report's en-GB voice, spelt out or
 * skipped, and a /Lang ko on the Figure would read the English words in Korean. So a label in a language
 * its letters name, or drawn right to left, is not put in it: the /Alt points to the caption read next,
 * where the label is a Span with its /Lang (report-lang-text.ts). A Latin label is named in it.
 */
export const heatmapAlt = (label: string | null): string =>
  !label ? HEATMAP_ALT : valueLang(label) || needsBidi(label) ? `${HEATMAP_ALT}, for the class named in its caption` : `${HEATMAP_ALT}, for the class ${label}`;

/** The language of the report's own words (its labels and sentences; a record's values are as written). */
export const REPORT_LANG = 'en-GB';

/**
 * The document options that declare the report PDF/UA-1 (ISO 14289-1). pdfkit writes an XMP
 * metadata stream (dc:title from the info Title, pdfuaid:part 1) only from PDF 1.4 on: at its
 * default 1.3 the reports had no metadata stream at all, so no XMP title and no PDF/UA claim.
 * (@types/pdfkit lists only the PDF/A subsets; pdfkit 0.20.2 takes 'PDF/UA' too.)
 */
export const PDFUA_OPTIONS: Pick<PDFKit.PDFDocumentOptions, 'pdfVersion' | 'subset'> = { pdfVersion: '1.7', subset: 'PDF/UA' as PDFKit.Mixins.PDFSubsets };

/**
 * A title as pdfkit can put it in the XMP: it writes the info Title into the XML unescaped, so a
 * label with "&" or "<" in it (a model trained elsewhere may name its classes anyhow) would make the
 * metadata stream malformed XML, and with it the PDF/UA claim. Those three become their full-width
 * forms, in the Info dictionary too (the two titles stay the same); the page's heading is as written.
 */
export const xmpSafeTitle = (title: string): string => title.replace(/[&<>]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

export type ReportElement = PDFKit.PDFStructureElement;

/**
 * /ActualText for text with right-to-left letters: its glyphs are drawn in visual order, line by line
 * (pdf-text.ts), as PDF expects (ISO 32000-1 14.8.2.3.3), and a reader of the page text must undo that
 * with its own bidi guess, which mixed Latin and digits can defeat ("بيت كبير" extracts as "ريبك تيب"
 * from the content). The element's ActualText is the text in reading order (NFC, as drawn), its
 * characters printed "?" too; none for other text, whose words printed "?" carry their own
 * /ActualText in the content (report-value.ts pieces): an element's would be read in its language whole.
 */
export const rtlActual = (text: string): { actual?: string } => (needsBidi(text) ? { actual: text.normalize('NFC') } : {});

export interface ReportTags {
  /** `draw`'s content as one element of `type` (H1, H2, P, TD…) under `parent` (the document). */
  // `scope`: a header cell's (pdfkit writes it as the Table attribute /Scope; @types/pdfkit lacks it)
  // `actual`: the text in reading order, for what is drawn reordered (right-to-left lines: rtlActual)
  tag(type: string, draw: () => void, options?: { alt?: string; scope?: 'Column' | 'Row'; lang?: string; actual?: string }, parent?: ReportElement): void;
  /**
   * A picture (PNG/JPEG bytes) fitted into the box `fit` at x, y and centred in it, as a Figure with
   * alternative text and, as PDF/UA's Layout attributes, the bounding box of where it is drawn.
   */
  figure(image: Buffer, x: number, y: number, fit: [number, number], alt: string): void;
  /** `draw`'s text, drawn with `link`, as a Link element whose annotation says `description` (its /Contents). */
  link(description: string, draw: () => void, parent?: ReportElement): void;
  /** An element holding others (Table, TR, a paragraph with a link in it), under `parent` (the document). */
  group(type: string, parent?: ReportElement): ReportElement;
  /** `draw`'s content as an artifact: layout (a rule, a box) or pagination (the running footer). */
  artifact(draw: () => void, type?: 'Layout' | 'Pagination'): void;
}

/** The document's structure tree; pdfkit writes it when the document ends. */
/** What pdfkit's image() reads of an image it has opened (openImage is not in @types/pdfkit). */
interface OpenedImage {
  width: number;
  height: number;
  /** EXIF orientation: above 4 the picture is drawn turned, its width and height swapped */
  orientation?: number;
}
interface ImageOpener {
  openImage(src: Buffer): OpenedImage;
}

/**
 * Where pdfkit draws an image fitted into `fit` at x, y and centred across it (its image() with
 * `fit` and align 'center', top-aligned): left, top, right, bottom in points from the page's top-left.
 */
export function fittedBox(image: OpenedImage, x: number, y: number, [bw, bh]: [number, number]): [number, number, number, number] {
  const [width, height] = (image.orientation ?? 1) > 4 ? [image.height, image.width] : [image.width, image.height];
  const [w, h] = width / height > bw / bh ? [bw, (bw * height) / width] : [(bh * width) / height, bh];
  const left = x + bw / 2 - w / 2;
  return [left, y, left + w, y + h];
}

/** The document's structure tree; pdfkit writes it when the document ends. */
export function reportTags(doc: PDFKit.PDFDocument): ReportTags {
  const root = doc.struct('Document');
  doc.addStructure(root);
  // dc:language in the XMP (pdfkit writes the catalog's /Lang but not this): PDF/UA's metadata names the document's language
  doc.appendXML(`<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:language><rdf:Bag><rdf:li>${REPORT_LANG}</rdf:li></rdf:Bag></dc:language></rdf:Description>`);
  const tag = (type: string, draw: () => void, options: PDFKit.Mixins.StructureElementOptions & { bbox?: number[]; scope?: string } = {}, parent = root) => {
    parent.add(doc.struct(type, options, draw));
  };
  return {
    tag,
    figure(image, x, y, fit, alt) {
      // opened here so that the box is computed from what pdfkit draws (the same object is drawn)
      const opened = (doc as unknown as ImageOpener).openImage(image);
      // pdfkit writes bbox as /A << /O /Layout /Placement /Block /BBox [...] >>, turned to PDF's bottom-up coordinates
      tag('Figure', () => doc.image(opened as unknown as Buffer, x, y, { fit, align: 'center' }), { alt, bbox: fittedBox(opened, x, y, fit) });
    },
    link(description, draw, parent = root) {
      // pdfkit's text({ link }) makes the annotation itself, with an empty /Contents; PDF/UA 7.18.5 wants
      // the link described there. Its link() is wrapped for this element's text only.
      const own = doc.link;
      doc.link = (x, y, w, h, url, option = {}) => own.call(doc, x, y, w, h, url, { ...option, Contents: new String(description) as unknown as string });
      try {
        tag('Link', draw, {}, parent);
      } finally {
        Reflect.deleteProperty(doc, 'link');
      }
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
