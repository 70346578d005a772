/**
 * "Every PDF carries the disclaimer" meant its first lines and its last: a full report with the
 * committed models' cards runs over more than one page, and the pages between showed none — a page
 * printed or forwarded alone carried no "not for clinical use". Each page now has it in its footer.
 */
import sharp from 'sharp';
import type { HistoryItem } from '../../src/history/history.service';
import { modelCardView } from '../../src/presentation/model-card.view';
import { buildReportPdf } from '../../src/reports/report-pdf';
import { pdfPageCount, pdfShownStrings, pdfStreamTexts } from '../helpers/pdf-text';
import { reportFaces } from '../helpers/report-fonts';
import { committedCard, gliomaRecord } from '../support/report-record';
import { pdfua } from './reports/pdfua-check';


describe('PDF report pages', () => {
  const triage = committedCard('triage');
  const dx = committedCard('brain_tumor');
  const record = gliomaRecord(triage, dx);

  it('a study whose slice spacing is unknown says so, not "slice 0 mm"', async () => {
    const study = { modality: 'CT', seriesDescription: null, sliceCount: 3, usableSlices: 0, spacing: { column: 0.9, row: 0.9, slice: null }, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null };
    const pdf = await buildReportPdf({ record: { ...record, study }, cards: [], generatedFor: 'u@example.org', fonts: reportFaces() });
    const text = pdfStreamTexts(pdf).join(' ').replace(/\s+/g, ' ');
    expect(text).toContain('column 0.9 mm, row 0.9 mm, slice unknown');
    expect(text).not.toContain('slice 0 mm');
  });

  it('a series description in Japanese, Arabic or emoji is printed as it is, "?" for what no font can print, never as other letters or empty boxes', async () => {
    // Helvetica (WinAnsi) wrote each UTF-16 unit's low byte: "脳 T1 軸位" read "3 T1 øOM"; DejaVu Sans
    // has no CJK (a fallback face prints it) nor emoji (an empty box each: "?" instead); Arabic in visual order
    const study = { modality: 'MR', seriesDescription: '脳 T1 軸位 — تصوير 🧠 Gro\u0308ße', sliceCount: 3, usableSlices: 3, spacing: { column: 0.9, row: 0.9, slice: 3 }, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null };
    const pdf = await buildReportPdf({ record: { ...record, study }, cards: [], generatedFor: 'u@example.org', fonts: reportFaces() });
    const text = pdfStreamTexts(pdf).join(' ').replace(/\s+/g, ' ');
    // (the text reader breaks the line where the face changes: after 脳, before 軸位)
    expect(text).toContain('Series description: 脳 T1 軸位 — ريوصت ? Größe ("?": a character this PDF cannot print; the history page shows the text in full)');
    expect(text).not.toMatch(/øOM|3 T1/);
    // a description it can print is printed as it is, without the note
    const plain = pdfStreamTexts(await buildReportPdf({ record: { ...record, study: { ...study, seriesDescription: 'AX T1 Größe — “post”' } }, cards: [], generatedFor: 'u@example.org', fonts: reportFaces() })).join(' ');
    expect(plain.replace(/\s+/g, ' ')).toContain('Series description: AX T1 Größe — “post”');
    expect(plain).not.toContain('cannot print');
  });

  it('signs of figures Helvetica lacked (→ ≥ ≤ ≈ −) print as themselves, in a row and in a card\'s figure table', async () => {
    // WinAnsi had none of them, so they were spelled "->", ">=", "~"; the embedded font has them all
    const study = { modality: 'MR', seriesDescription: 'T1 b≥1000 − TR≈500 → post', sliceCount: 3, usableSlices: 3, spacing: { column: 0.9, row: 0.9, slice: 3 }, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null };
    const view = modelCardView(dx);
    const cards = [{ ...view, figures: [{ name: 'ECE (before → after)', value: '0.048 → 0.016 ≤ 0.05' }] }];
    const text = pdfStreamTexts(await buildReportPdf({ record: { ...record, study }, cards, generatedFor: 'u@example.org', fonts: reportFaces() })).join(' ').replace(/\s+/g, ' ');
    expect(text).toContain('Series description: T1 b≥1000 − TR≈500 → post');
    expect(text).not.toContain('cannot print');
    expect(text).toContain('ECE (before → after) 0.048 → 0.016 ≤ 0.05');
  });

  it('every page of a multi-page full report carries the disclaimer and its page number', async () => {
    const image = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 90, g: 90, b: 90 } } }).png().toBuffer();
    const cards = [triage, dx].map((c) => modelCardView(c));
    const pdf = await buildReportPdf({ record, message: 'Most likely: glioma.', image, heatmap: image, cards, generatedFor: 'u@example.org', fonts: reportFaces() });
    const pages = pdfPageCount(pdf);
    expect(pages).toBeGreaterThan(1);
    const texts = pdfStreamTexts(pdf).map((t) => t.replace(/\s+/g, ' '));
    expect(texts).toHaveLength(pages);
    expect(texts.map((t) => /not for clinical use/.test(t))).toEqual(texts.map(() => true));
    texts.forEach((t, i) => expect(t).toContain(`Page ${i + 1} of ${pages}`));
  });

  it('a table that runs onto the next page takes its header with it, and no header stands alone at a page foot', async () => {
    // the training-source table's header sat at the foot of page 1 with every row on page 2, under no header
    const image = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 90, g: 90, b: 90 } } }).png().toBuffer();
    const cards = [triage, dx].map((c) => modelCardView(c));
    const pdf = await buildReportPdf({ record, message: 'Most likely: glioma.', image, heatmap: image, cards, generatedFor: 'u@example.org', fonts: reportFaces() });
    const sources = new Set(cards.flatMap((c) => c.sources.map((r) => r.source)));
    const pages = pdfStreamTexts(pdf).map((t) => t.split('\n'));
    let rowsSeen = 0;
    pages.forEach((lines, i) => {
      const headers = lines.flatMap((l, at) => (l === 'Training source' ? [at] : []));
      const rows = lines.flatMap((l, at) => (sources.has(l) ? [at] : []));
      rowsSeen += rows.length;
      // every source row on this page has a header above it on this page
      if (rows.length) expect({ page: i + 1, headerFirst: headers.length > 0 && headers[0] < rows[0] }).toEqual({ page: i + 1, headerFirst: true });
      // every header on this page has a row of its own below it on this page
      headers.forEach((h, k) => expect({ page: i + 1, header: k, rows: rows.some((r) => r > h && (k + 1 >= headers.length || r < headers[k + 1])) }).toEqual({ page: i + 1, header: k, rows: true }));
    });
    expect(rowsSeen).toBeGreaterThanOrEqual(sources.size);
  });

  it('training-source names come out whole (never "myosegmentu / m"); one too long for the column breaks at its underscores only', async () => {
    // the column fitted ~28 characters at 9 pt: longer names such as spine_lumbar_axial_myosegmentum broke mid-word
    const cards = [triage, dx].map((c) => modelCardView(c));
    const long = 'knee_osteoarthritis_multicentre_longitudinal_cohort_sagittal_pd_fat_saturated';
    cards[0] = { ...cards[0], sources: [...cards[0].sources, { source: long, count: '12', licence: 'CC BY 4.0' }] };
    const pdf = await buildReportPdf({ record, cards, generatedFor: 'u@example.org', fonts: reportFaces() });
    const lines = pdfStreamTexts(pdf).flatMap((t) => t.split('\n'));
    const committed = cards.flatMap((c) => c.sources.map((s) => s.source)).filter((s) => s !== long);
    expect(committed.some((s) => s.length >= 31)).toBe(true); // the case that broke is among them
    for (const name of committed) expect({ name, whole: lines.includes(name) }).toEqual({ name, whole: true });
    // the long one: its pieces, in order, each ending at an underscore but the last
    const at = lines.findIndex((l) => long.startsWith(l) && l.length > 0 && l !== long.slice(0, 1));
    const pieces: string[] = [];
    for (let k = at, joined = ''; k >= 0 && joined.length < long.length; k++) {
      pieces.push(lines[k]);
      joined += lines[k];
    }
    expect(pieces.join('')).toBe(long);
    expect(pieces.length).toBeGreaterThan(1);
    pieces.slice(0, -1).forEach((p) => expect(p.endsWith('_')).toBe(true));
  });

  it('a one-page metadata report has the footer too, and no page is added for it', async () => {
    const pdf = await buildReportPdf({ record: { ...record, modelVersions: {} }, generatedFor: 'u@example.org', fonts: reportFaces() });
    expect(pdfPageCount(pdf)).toBe(1);
    expect(pdfStreamTexts(pdf)[0]).toContain('Page 1 of 1');
  });
  it('a model\'s threshold reads "at the 80.0 % confidence threshold", not "at a 80.0 %" (an article that fits every figure)', async () => {
    const cards = [modelCardView(triage), modelCardView(dx)];
    const pdf = await buildReportPdf({ record: { ...record, thresholds: { triage: 0.8, brain_tumor: 0.6 } }, cards, generatedFor: 'u@example.org', fonts: reportFaces() });
    const text = pdfStreamTexts(pdf).join(' ').replace(/\s+/g, ' ');
    expect(text).toContain('Decided at the 80.0 % confidence threshold.');
    expect(text).toContain('Decided at the 60.0 % confidence threshold.');
    expect(text).not.toMatch(/at a \d/);
  });
  it('a refused image without a heat map is under "Image", not "Image and heat map"', async () => {
    const image = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#404040' } }).png().toBuffer();
    const refused: HistoryItem = { ...record, status: 'rejected', stage: 'modality', code: 'NOT_MRI', isMri: false, task: 'triage', label: null, confidence: null, probabilities: { not_mri: 0.99, brain: 0.01 }, modelVersions: { triage: triage.version } };
    const alone = pdfStreamTexts(await buildReportPdf({ record: refused, message: 'This does not look like an MRI image.', image, cards: [], generatedFor: 'u@example.org', fonts: reportFaces() })).join('\n');
    expect(alone.split('\n')).toContain('Image');
    expect(alone).not.toContain('heat map');
    // with one, both are named
    const both = pdfStreamTexts(await buildReportPdf({ record, message: 'Most likely: glioma.', image, heatmap: image, cards: [], generatedFor: 'u@example.org', fonts: reportFaces() })).join('\n');
    expect(both.split('\n')).toContain('Image and heat map');
  });
  it('the image and heat map never run past the page: with a long Result section they start a page, their heading and captions with them', async () => {
    const image = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).png().toBuffer();
    // before: with ~20 to 35 lines of message the figures (220 pt) were drawn from low on page 1 into its
    // footer and off its bottom edge (PDF y −119), and their captions went to pages 2 and 3
    for (const words of [360, 450, 540, 630]) {
      const pdf = await buildReportPdf({ record, image, heatmap: image, message: 'word '.repeat(words), cards: [], generatedFor: 'u@example.org', fonts: reportFaces() });
      const r = pdfua(pdf);
      expect(r.failures).toEqual([]);
      // above the bottom margin (48 pt, in PDF's bottom-up coordinates), on one page
      r.images.forEach((im) => expect(im.box[1]).toBeGreaterThanOrEqual(48));
      expect(new Set(r.images.map((im) => im.page)).size).toBe(1);
      const pages = pdfStreamTexts(pdf).map((t) => t.split('\n'));
      const at = (line: string) => pages.findIndex((p) => p.includes(line));
      const own = at('Image and heat map');
      expect(own).toBeGreaterThanOrEqual(0);
      expect(at('Image')).toBe(own);
      expect(pages.findIndex((p) => p.some((l) => l.startsWith('Heat map for Glioma')))).toBe(own);
    }
  });

  it('a heat map caption of three lines or more (a long class name) ends before the note under it begins', async () => {
    const image = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).png().toBuffer();
    const label = 'low grade glioma with oligodendroglial features and calcification, '.repeat(3).trim();
    const pdf = await buildReportPdf({ record: { ...record, label, probabilities: { [label]: 0.9, other: 0.1 } }, image, heatmap: image, cards: [], generatedFor: 'u@example.org', fonts: reportFaces() });
    const shown = pdfShownStrings(pdf)[0];
    const caption = shown.filter((s) => s.size === 8 && s.x > 300);
    const note = shown.find((s) => s.text.startsWith('The heat map is a class activation map'))!;
    expect(caption.length).toBeGreaterThanOrEqual(3);
    // before: the cursor was put back at the figures' top + 244 pt whatever the caption's length, and the note was written over its third line
    expect(note.baseline).toBeGreaterThan(Math.max(...caption.map((s) => s.baseline)) + 8);
  });

  it('a table cell too long for the rest of the page moves with its row to the next page, never split over two', async () => {
    // pdfkit carried the rest of a 4-line licence over onto a new page on its own, under no header,
    // and the rows after it went on from there; licences of up to 3 lines fit above the 90-pt row limit
    const long = 'Licence text that goes on with terms, attribution requirements, redistribution limits and the dataset pages. ';
    const view = modelCardView(triage);
    const cards = [{ ...view, sources: view.sources.map((r, i) => ({ ...r, licence: `${i}: ${long.repeat(1 + (i % 5))}`.trim() })) }];
    const pdf = await buildReportPdf({ record, message: 'Most likely: glioma.', cards, generatedFor: 'u@example.org', fonts: reportFaces() });
    const pages = pdfStreamTexts(pdf).map((t) => t.replace(/\s+/g, ' '));
    const split = cards[0].sources.filter((r) => !pages.some((p) => p.includes(r.licence))).map((r) => r.source);
    expect(split).toEqual([]);
    // and every page with rows has the header over them
    for (const p of pages) if (/ \d+: Licence text/.test(p)) expect(p).toContain('Training source Images Licence');
  });
});
