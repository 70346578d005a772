/**
 * The reports were tagged but not PDF/UA: written as PDF 1.3, pdfkit gave them no XMP metadata at
 * all (no dc:title, no pdfuaid:part), their figures had no bounding box, their links an empty
 * /Contents, and a value in Korean or Greek was read in the report's English. They now declare
 * PDF/UA-1, and every failure condition checkable from the bytes (pdfua-check.ts) is checked here
 * on each kind of report. (No veraPDF or PAC here: what needs one is not claimed.)
 */
import PDFDocument from 'pdfkit';
import sharp from 'sharp';
import { modelCardView } from '../../../src/presentation/model-card.view';
import { buildReportPdf } from '../../../src/reports/report-pdf';
import { reportFaces } from '../../helpers/report-fonts';
import { committedCard, gliomaRecord } from '../../support/report-record';
import { pdfShownStrings, readObjects } from '../../helpers/pdf-text';
import { pdfua } from './pdfua-check';
import { untoldRuns } from './pdfua-lang';


/** A bare tagged pdfkit document with a Document root: for PDFs the checker must fail. */
function taggedDoc(): { doc: PDFKit.PDFDocument; root: PDFKit.PDFStructureElement; done: Promise<Buffer> } {
  const doc = new PDFDocument({ font: '', tagged: true, pdfVersion: '1.7', lang: 'en-GB' });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  const root = doc.struct('Document');
  doc.addStructure(root);
  return { doc, root, done };
}

describe('PDF reports declare and meet PDF/UA-1 (what can be checked from their bytes)', () => {
  const triage = committedCard('triage');
  const dx = committedCard('brain_tumor');
  const record = gliomaRecord(triage, dx);
  const cards = [modelCardView(triage), modelCardView(dx)];
  const study = { modality: 'MR', seriesDescription: '뇌 T1 축 영상', sliceCount: 3, usableSlices: 3, spacing: { column: 0.9, row: 0.9, slice: 3 }, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null };
  let wide: Buffer;
  let tall: Buffer;
  beforeAll(async () => {
    // not square: a fitted picture's box is narrower or lower than the box it is fitted into
    wide = await sharp({ create: { width: 64, height: 32, channels: 3, background: '#808080' } }).png().toBuffer();
    tall = await sharp({ create: { width: 20, height: 60, channels: 3, background: '#404040' } }).png().toBuffer();
  });

  const conforming = (pdf: Buffer) => {
    const r = pdfua(pdf);
    expect(r.failures).toEqual([]);
    expect(Number(r.version)).toBeGreaterThanOrEqual(1.4);
    expect(r.xmpTitle).toBe(r.infoTitle);
    expect(r.xmpLang).toBe('en-GB');
    return r;
  };

  it('the full report: XMP, figures with the bounding box of the picture as drawn, described links', async () => {
    const pdf = await buildReportPdf({ record, image: wide, heatmap: tall, cards, generatedFor: 'u@example.org', fonts: reportFaces(), baseUrl: 'https://sentinel.example' });
    const r = conforming(pdf);
    expect(r.xmpTitle).toBe('MRI Sentinel report: Glioma');
    const figures = r.elements.filter((e) => e.type === 'Figure');
    expect(figures).toHaveLength(2);
    expect(r.images).toHaveLength(2);
    figures.forEach((f) => {
      expect(f.dict).toMatch(/\/A\s*<<[^>]*\/O\s*\/Layout/);
      const bbox = /\/BBox\s*\[([^\]]*)\]/.exec(f.dict)![1].trim().split(/\s+/).map(Number);
      // the picture this figure's marked content draws, where the content stream puts it
      const mcid = Number(/\/K\s*\[(\d+)\]/.exec(f.dict)![1]);
      const drawn = r.images.find((im) => im.mcid === mcid)!;
      bbox.forEach((v, i) => expect(v).toBeCloseTo(drawn.box[i], 2));
    });
    // the wide image fills its box's width, the tall heat map its height (220 pt), centred across its half
    const [image, heat] = r.images.map((im) => im.box);
    expect(image[3] - image[1]).toBeCloseTo((image[2] - image[0]) / 2, 2);
    expect(heat[3] - heat[1]).toBeCloseTo(220, 2);
    expect(heat[2] - heat[0]).toBeCloseTo(220 / 3, 2);
  });

  it('the check finds untagged content, an undescribed figure and a missing title (it is not vacuous)', async () => {
    const { doc, root, done } = taggedDoc();
    doc.registerFont('F', reportFaces().regular.font).font('F');
    root.add(doc.struct('H2', {}, () => doc.text('Heading')));
    root.add(doc.struct('Figure', {}, () => doc.image(wide, 48, 200, { width: 64 })));
    doc.text('untagged');
    doc.rect(10, 10, 20, 20).stroke();
    doc.end();
    const failures = pdfua(await done).failures.join('\n');
    expect(failures).toMatch(/no PDF\/UA identification/);
    expect(failures).toMatch(/DisplayDocTitle/);
    expect(failures).toMatch(/first heading is H2/);
    expect(failures).toMatch(/figure without alternative text/);
    expect(failures).toMatch(/neither tagged nor artifact \(01-005\): TJ S/);
  });

  it('the check finds an element its parent does not hold, a picture outside a Figure and a malformed /Lang', async () => {
    const pdf = await buildReportPdf({ record, cards, generatedFor: 'u@example.org', fonts: reportFaces() });
    const src = pdf.toString('latin1');
    // the Document's last child dropped from its /K, in place (same length: the xref offsets stay right)
    const k = /\/S \/Document[\s\S]*?\/K \[([^\]]*?)(\d+ 0 R)\]/.exec(src)!;
    const at = k.index + k[0].length - 1 - k[2].length;
    const cut = Buffer.from(src.slice(0, at) + ' '.repeat(k[2].length) + src.slice(at + k[2].length), 'latin1');
    expect(pdfua(cut).failures.join('\n')).toMatch(/a P \(\d+\) is not reachable from the StructTreeRoot/);

    const { doc, root, done } = taggedDoc();
    root.add(doc.struct('P', {}, () => doc.image(wide, 48, 200, { width: 64 })));
    root.add(doc.struct('Span', { lang: 'Korean' }, () => doc.rect(10, 10, 20, 20).stroke()));
    doc.end();
    const failures = pdfua(await done).failures.join('\n');
    expect(failures).toMatch(/image \/\w+ is drawn in a P, not a Figure/);
    expect(failures).toMatch(/a Span with \/Lang "Korean", not a BCP 47 tag/);
  });

  it('the check reads the drawn text: a Korean value whose /Lang is taken away is found, by its letters (it is not vacuous)', async () => {
    const pdf = await buildReportPdf({ record: { ...record, study }, cards, generatedFor: 'u@example.org', fonts: reportFaces() });
    expect(pdfua(pdf).failures).toEqual([]);
    // the series description's Span loses its /Lang (ko), in place (same length: the xref offsets stay right)
    const src = pdf.toString('latin1');
    expect(src.match(/\/Lang \(ko\)/g)).toHaveLength(1);
    const planted = Buffer.from(src.replace('/Lang (ko)', ' '.repeat('/Lang (ko)'.length)), 'latin1');
    // decoded from the page through the CJK face's ToUnicode map: neither the structure nor an /Alt holds these words
    expect(pdfua(planted).failures).toEqual(['Hangul "뇌" in a Span\'s content read as en-GB: no /Lang for it (11-001)', 'Hangul "축" in a Span\'s content read as en-GB: no /Lang for it (11-001)', 'Hangul "영상" in a Span\'s content read as en-GB: no /Lang for it (11-001)']);
  });

  it('the check: Hebrew drawn in a P without /Lang is found, in a Span /Lang he not; Cyrillic, Arabic and Han alone are the README\'s indeterminate text', async () => {
    const { doc, root, done } = taggedDoc();
    doc.registerFont('F', reportFaces().regular.font).font('F');
    root.add(doc.struct('H1', {}, () => doc.text('Title')));
    root.add(doc.struct('P', {}, () => doc.text('Name: שלום')));
    const p = doc.struct('P');
    root.add(p);
    p.add(doc.struct('Span', { lang: 'he' }, () => doc.text('שלום')));
    root.add(doc.struct('P', {}, () => doc.text('Серия: мозг · بيت · Ελένη')));
    root.add(doc.struct('Figure', { alt: 'Снимок ελένη' }, () => doc.rect(10, 10, 20, 20).fill()));
    doc.end();
    const lang = (await done).toString('latin1');
    expect(pdfua(Buffer.from(lang, 'latin1')).failures.filter((f) => /11-001/.test(f))).toEqual([
      'Hebrew "שלום" in a P\'s content read as en-GB: no /Lang for it (11-001)',
      'Greek "Ελένη" in a P\'s content read as en-GB: no /Lang for it (11-001)',
      'Greek "ελένη" in a Figure\'s /Alt read as en-GB: no /Lang for it (11-001)',
    ]);
    expect(untoldRuns('頭部 MRI', 'en-GB')).toEqual([]);
    expect(untoldRuns('אבי@example.org', 'en-GB')).toEqual([]);
    expect(untoldRuns('뇌 T1', 'ko')).toEqual([]);
  });

  it('a Korean or Greek word in a mostly-Latin value (untagged as a whole) is marked content with its own /Lang', async () => {
    const mixed = { ...record, study: { ...study, seriesDescription: 'MRI brain scan with contrast 뇌 영상' } };
    const pdf = await buildReportPdf({ record: mixed, cards, generatedFor: 'Dr Smith for Ελένη and team', fonts: reportFaces() });
    // before: 'Hangul "뇌" in a P's content read as en-GB', the same for "영상" and Greek "Ελένη"
    const r = conforming(pdf);
    // the values stay one P each in the report's language (value-lang.ts): the words carry the /Lang, not an element
    expect(r.elements.filter((e) => e.lang)).toEqual([]);
    const src = [...readObjects(pdf).values()].map((o) => o.stream?.toString('latin1') ?? '').join('\n');
    expect(src).toMatch(/\/Span <<\s*\/Lang \(ko\)\s*>> BDC/);
    expect(src).toMatch(/\/Span <<\s*\/Lang \(el\)\s*>> BDC/);
    expect(pdfShownStrings(pdf).flat().map((s) => s.text).join('')).toContain('MRI brain scan with contrast 뇌 영상');
  });

  it('the metadata-only report', async () => {
    conforming(await buildReportPdf({ record, cards, generatedFor: 'u@example.org', fonts: reportFaces() }));
  });

  it('a label with "&" and "<" keeps the metadata well-formed XML', async () => {
    const odd = { ...record, label: 'T1&T2 <mixed>', probabilities: { 'T1&T2 <mixed>': 0.9, other: 0.1 } };
    const r = conforming(await buildReportPdf({ record: odd, cards, generatedFor: 'u@example.org', fonts: reportFaces() }));
    expect(r.xmpTitle).not.toMatch(/[&<>]/);
  });

  it('the study report: a value in a language its letters name is a Span in that language; others keep the report language', async () => {
    const pdf = await buildReportPdf({ record: { ...record, study, userEmail: 'אבי@example.org' }, cards, generatedFor: 'Ελένη Παπαδοπούλου', fonts: reportFaces() });
    const r = conforming(pdf);
    const spans = r.elements.filter((e) => e.type === 'Span' && e.lang);
    // the Greek name the report was generated for, the Korean series description; the Hebrew-and-Latin e-mail untagged
    expect(spans.map((s) => s.lang)).toEqual(['el', 'ko']);
    spans.forEach((s) => expect(r.elements.find((e) => e.id === s.parent)?.type).toBe('P'));
  });

  it('a table cell in a language its letters name (a Korean class label) carries that /Lang', async () => {
    const korean = { ...record, label: '신경교종', probabilities: { 신경교종: 0.9, 'T1&T2': 0.1 } };
    const r = conforming(await buildReportPdf({ record: korean, cards, generatedFor: 'u@example.org', fonts: reportFaces() }));
    expect(r.elements.filter((e) => e.type === 'TD' && e.lang).map((e) => e.lang)).toEqual(['ko']);
  });

  it('a value with characters no face has: the English note after it is outside its Korean span', async () => {
    const pdf = await buildReportPdf({ record: { ...record, study: { ...study, seriesDescription: '뇌 영상 \u{1d11e}' } }, cards, generatedFor: 'u@example.org', fonts: reportFaces() });
    const r = conforming(pdf);
    const span = r.elements.find((e) => e.type === 'Span' && e.lang === 'ko')!;
    // the paragraph: the key, the span, the note — three children
    const p = r.elements.find((e) => e.id === span.parent)!;
    expect(/\/K\s*\[([^\]]*)\]/.exec(p.dict)![1].replace(/\d+\s+\d+\s+R/g, 'R').trim().split(/\s+/)).toHaveLength(3);
  });
});

describe('headings that carry a label in a language its letters name', () => {
  const triage = committedCard('triage');
  const dx = committedCard('brain_tumor');
  const cards = [modelCardView(triage), { ...modelCardView(dx), title: '뇌종양 분류기' }];

  it('the title (H1) and a model card heading (H3) hold the label as a Span with its /Lang', async () => {
    const record = { ...gliomaRecord(triage, dx), label: '신경교종', probabilities: { 신경교종: 0.9, other: 0.1 } };
    const r = pdfua(await buildReportPdf({ record, cards, generatedFor: 'u@example.org', fonts: reportFaces() }));
    expect(r.failures).toEqual([]);
    const spanIn = (type: string) => r.elements.filter((e) => e.type === 'Span' && e.lang && r.elements.find((p) => p.id === e.parent)?.type === type).map((e) => e.lang);
    // before: "MRI Sentinel — 신경교종" was one H1 in the report's en-GB, read by the English voice
    expect(spanIn('H1')).toEqual(['ko']);
    expect(spanIn('H3')).toEqual(['ko']);
    // the headings themselves stay in the report's language (their other words are English)
    r.elements.filter((e) => /^H\d$/.test(e.type)).forEach((h) => expect(h.lang).toBeUndefined());
  });

  it("the heat map's caption holds a Korean label as a Span with its /Lang", async () => {
    const image = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#808080' } }).png().toBuffer();
    const record = { ...gliomaRecord(triage, dx), label: '신경교종', probabilities: { 신경교종: 0.9, other: 0.1 } };
    const pdf = await buildReportPdf({ record, image, heatmap: image, cards, generatedFor: 'u@example.org', fonts: reportFaces() });
    const r = pdfua(pdf);
    expect(r.failures).toEqual([]);
    const typeOf = (id: number | undefined) => r.elements.find((e) => e.id === id)?.type;
    expect(r.elements.filter((e) => e.type === 'Span' && e.lang === 'ko').map((e) => typeOf(e.parent))).toEqual(['H1', 'P', 'P', 'H3']);
    // the Figure's /Alt is read in the report's en-GB (an /Alt cannot hold a Span): it names no Korean label,
    // it points to the caption after it, where the label is a Span /Lang ko (it said "…, for the class 신경교종")
    const figure = r.elements.find((e) => e.type === 'Figure' && /Heat map/.test(e.alt ?? ''))!;
    expect(figure.lang).toBeUndefined();
    expect(figure.alt).toBe('Heat map of where the model looked, for the class named in its caption');
    // drawn as before: one caption under the heat map's half, the label in the CJK face
    const caption = pdfShownStrings(pdf).flat().filter((s) => /Heat map for|신경교종|class activation/.test(s.text) && s.size === 8);
    expect(caption.map((s) => s.text).join('')).toContain('Heat map for 신경교종 — class activation map (CAM)');
  });

  it("a Latin label is named in the heat map's /Alt itself", async () => {
    const image = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#808080' } }).png().toBuffer();
    const r = pdfua(await buildReportPdf({ record: gliomaRecord(triage, dx), image, heatmap: image, cards, generatedFor: 'u@example.org', fonts: reportFaces() }));
    expect(r.failures).toEqual([]);
    expect(r.elements.filter((e) => e.type === 'Figure').map((e) => e.alt)).toEqual(['Uploaded image', 'Heat map of where the model looked, for the class Glioma']);
  });

  it('a Latin label keeps its heading one element with no span', async () => {
    const r = pdfua(await buildReportPdf({ record: gliomaRecord(triage, dx), cards: [modelCardView(triage), modelCardView(dx)], generatedFor: 'u@example.org', fonts: reportFaces() }));
    expect(r.elements.filter((e) => e.type === 'Span' && /^H\d$/.test(r.elements.find((p) => p.id === e.parent)?.type ?? ''))).toEqual([]);
  });
});

describe('right-to-left values: drawn in visual order, read in reading order', () => {
  const triage = committedCard('triage');
  const dx = committedCard('brain_tumor');
  const study = { modality: 'MR', seriesDescription: 'بيت كبير T1', sliceCount: 3, usableSlices: 3, spacing: { column: 0.9, row: 0.9, slice: 3 }, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null };

  it('an Arabic value is a Span whose ActualText is the value in reading order, with no /Lang (its language is not told)', async () => {
    const record = { ...gliomaRecord(triage, dx), study, userEmail: 'שלום@example.org' };
    const pdf = await buildReportPdf({ record, cards: [modelCardView(triage), modelCardView(dx)], generatedFor: 'u@example.org', fonts: reportFaces() });
    const r = pdfua(pdf);
    expect(r.failures).toEqual([]);
    // the page's glyphs right to left as PDF draws them: the content alone reads the words backwards
    expect(pdfShownStrings(pdf).flat().map((s) => s.text).join(' ')).toContain('ريبك تيب');
    const spans = r.elements.filter((e) => e.type === 'Span' && e.actual);
    expect(spans.map((s) => [s.actual, s.lang])).toEqual([
      ['שלום@example.org', undefined],
      ['بيت كبير T1', undefined],
    ]);
  });

  it('an Urdu letter DejaVu lacks (ے) prints as "?" with the note, never as an empty box; the ActualText keeps it', async () => {
    const record = { ...gliomaRecord(triage, dx), study: { ...study, seriesDescription: 'دماغ کا سکین ے' } };
    const pdf = await buildReportPdf({ record, cards: [modelCardView(triage), modelCardView(dx)], generatedFor: 'u@example.org', fonts: reportFaces() });
    const shown = pdfShownStrings(pdf).flat();
    expect(shown.filter((s) => s.codes.includes(0))).toEqual([]); // glyph 0 is .notdef, the box
    expect(shown.map((s) => s.text).join('')).toContain('?');
    expect(shown.map((s) => s.text).join('')).toContain('a character this PDF cannot print');
    expect(pdfua(pdf).elements.find((e) => e.type === 'Span' && e.actual)?.actual).toBe('دماغ کا سکین ے');
  });

  it('a Hebrew class label in the title and a table cell: /Lang he and ActualText', async () => {
    const record = { ...gliomaRecord(triage, dx), label: 'גידול מוחי', probabilities: { 'גידול מוחי': 0.9, other: 0.1 } };
    const r = pdfua(await buildReportPdf({ record, cards: [modelCardView(triage), modelCardView(dx)], generatedFor: 'u@example.org', fonts: reportFaces() }));
    expect(r.failures).toEqual([]);
    const typeOf = (id: number | undefined) => r.elements.find((e) => e.id === id)?.type;
    const tagged = r.elements.filter((e) => e.actual === 'גידול מוחי').map((e) => [e.type, typeOf(e.parent), e.lang]);
    expect(tagged).toEqual(expect.arrayContaining([['Span', 'H1', 'he'], ['TD', 'TR', 'he']]));
  });
});
