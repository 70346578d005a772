/**
 * The PDF reports were untagged and had no document language: a screen reader read them as one
 * unstructured stream (or not at all), and a viewer showed the file name as the title. They are
 * now tagged PDFs (structure tree: headings, paragraphs, tables, figures with alternative text;
 * rules and the running footer as artifacts), in English, with the title shown as the title.
 */
import sharp from 'sharp';
import { DISCLAIMER_SHORT } from '../../src/common/disclaimer';
import { modelCardView } from '../../src/presentation/model-card.view';
import { buildReportPdf } from '../../src/reports/report-pdf';
import { pdfShownStrings, pdfString, readObjects, type PdfObject } from '../helpers/pdf-text';
import { reportFaces } from '../helpers/report-fonts';
import { committedCard, gliomaRecord } from '../support/report-record';


/** The catalog, the info dictionary and every structure element of a PDF, read from its bytes. */
function structureOf(pdf: Buffer) {
  const objects = readObjects(pdf);
  const src = pdf.toString('latin1');
  const trailer = src.slice(src.lastIndexOf('trailer'));
  const ref = (dict: string, key: string): PdfObject | undefined => {
    const m = new RegExp(`/${key}\\s+(\\d+)\\s+\\d+\\s+R`).exec(dict);
    return m ? objects.get(Number(m[1])) : undefined;
  };
  // a string written in place or (as pdfkit writes the info dictionary's) as an object of its own
  const text = (dict: string, key: string): string | undefined => {
    const held = ref(dict, key)?.dict.trim();
    const m = held ? [held, held] : new RegExp(`/${key}\\s*(\\((?:[^)\\\\]|\\\\.)*\\)|<[0-9A-Fa-f\\s]*>)`).exec(dict);
    return m ? pdfString(m[1]) : undefined;
  };
  const catalog = ref(trailer, 'Root')!.dict;
  const info = ref(trailer, 'Info')!.dict;
  const elements = [...objects.values()].filter((o) => /\/S\s*\/[A-Za-z]/.test(o.dict) && /\/P\s+\d+\s+\d+\s+R/.test(o.dict))
    .map((o) => ({ type: /\/S\s*\/([A-Za-z0-9]+)/.exec(o.dict)![1], alt: text(o.dict, 'Alt'), scope: /\/Scope\s*\/(\w+)/.exec(o.dict)?.[1] }));
  const pages = [...objects.values()].filter((o) => /\/Type\s*\/Page\b(?!s)/.test(o.dict));
  const contents = pages.map((p) => [...(/\/Contents\s+(\d+)\s+\d+\s+R/.exec(p.dict) ?? [])].slice(1).map((n) => objects.get(Number(n))!.stream!.toString('latin1')).join('\n'));
  return { catalog, info, elements, pages, contents, ref, text };
}

describe('PDF reports are tagged and in a language', () => {
  const triage = committedCard('triage');
  const dx = committedCard('brain_tumor');
  const record = gliomaRecord(triage, dx);
  const cards = [modelCardView(triage), modelCardView(dx)];
  let png: Buffer;
  beforeAll(async () => {
    png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#808080' } }).png().toBuffer();
  });

  /** What every report must have, whatever its kind. */
  const expectAccessible = (pdf: Buffer) => {
    const s = structureOf(pdf);
    expect(s.text(s.catalog, 'Lang')).toBe('en-GB');
    expect(s.ref(s.catalog, 'MarkInfo')?.dict).toMatch(/\/Marked\s+true/);
    expect(s.ref(s.catalog, 'StructTreeRoot')?.dict).toMatch(/\/Type\s*\/StructTreeRoot/);
    // the viewer's title bar shows the document's title, not the file name
    expect(s.ref(s.catalog, 'ViewerPreferences')?.dict).toMatch(/\/DisplayDocTitle\s+true/);
    expect(s.text(s.info, 'Title')).toBe('MRI Sentinel report: Glioma');
    expect(s.text(s.info, 'Subject')).toContain(DISCLAIMER_SHORT);
    const types = new Set(s.elements.map((e) => e.type));
    for (const t of ['Document', 'H1', 'H2', 'P', 'Table', 'TR', 'TH', 'TD']) expect(types).toContain(t);
    // a header cell heads its column: a screen reader says it with each cell below
    s.elements.filter((e) => e.type === 'TH').forEach((e) => expect(e.scope).toBe('Column'));
    // every page's marked content is balanced (an open BDC at a page's end breaks the page in strict readers)
    s.contents.forEach((c) => expect((c.match(/\bBDC\b|\bBMC\b/g) ?? []).length).toBe((c.match(/\bEMC\b/g) ?? []).length));
    // the running footer is a pagination artifact, the rules under table headers layout artifacts
    s.contents.forEach((c) => expect(c).toMatch(/\/Artifact\s*<<[^>]*\/Type\s*\/Pagination/));
    // the disclaimer is text on every page, extractable
    const pages = pdfShownStrings(pdf);
    expect(pages.length).toBe(s.pages.length);
    pages.forEach((page) => expect(page.map((x) => x.text).join(' ')).toContain(DISCLAIMER_SHORT));
    return s;
  };

  it('the full report: image and heat map are figures with alternative text saying what they are', async () => {
    const pdf = await buildReportPdf({ record, image: png, heatmap: png, cards, generatedFor: 'u@example.org', fonts: reportFaces(), baseUrl: 'https://sentinel.example' });
    const s = expectAccessible(pdf);
    expect(s.pages.length).toBeGreaterThan(1);
    expect(s.elements.filter((e) => e.type === 'Figure').map((e) => e.alt)).toEqual(['Uploaded image', 'Heat map of where the model looked, for the class Glioma']);
    expect(s.text(s.info, 'Subject')).toMatch(/^Analysis report with the image and heat map/);
    // the model card links are Link elements, their annotations in the structure
    expect(s.elements.filter((e) => e.type === 'Link')).toHaveLength(2);
  });

  it('the metadata-only report: no figures, said so in its subject', async () => {
    const pdf = await buildReportPdf({ record, cards, generatedFor: 'u@example.org', fonts: reportFaces() });
    const s = expectAccessible(pdf);
    expect(s.elements.filter((e) => e.type === 'Figure')).toHaveLength(0);
    expect(s.text(s.info, 'Subject')).toMatch(/^Analysis report \(metadata only\) of analysis 3f2b6f1e/);
  });

  it('the study report, with CJK, Korean, Hebrew and Arabic values, is tagged the same', async () => {
    const study = { modality: 'MR', seriesDescription: '脳 T1 軸位 — 뇌 영상 — שלום — مرحبا', sliceCount: 3, usableSlices: 3, spacing: { column: 0.9, row: 0.9, slice: 3 }, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null };
    const pdf = await buildReportPdf({ record: { ...record, study, userEmail: 'אבי@example.org' }, cards, generatedFor: '山田 太郎', fonts: reportFaces() });
    const s = expectAccessible(pdf);
    expect(s.text(s.info, 'Subject')).toMatch(/^Study report \(metadata only\)/);
  });
});
