/**
 * Characters no bundled face has (Thai, an emoji) print as "?" with a note. Each word with one is
 * marked content whose /ActualText is the word, with its /Lang where its letters name one
 * (marked-pieces.ts): a screen reader and text extraction get the word, in its language. Before, a
 * Thai word in a mostly-Latin value made the whole value one element's /ActualText in the report's
 * en-GB, and pdftotext read "????". The PDF/UA check (pdfua-lang.ts standIns) finds a "?" standing
 * for a character with no /ActualText over it.
 */
import PDFDocument from 'pdfkit';
import { modelCardView } from '../../../src/presentation/model-card.view';
import { buildReportPdf } from '../../../src/reports/report-pdf';
import { reportFaces } from '../../helpers/report-fonts';
import { committedCard, gliomaRecord } from '../../support/report-record';
import { pdfShownStrings, pdfString, readObjects } from '../../helpers/pdf-text';
import { pdfua } from './pdfua-check';
import { languageFailures, standIns } from './pdfua-lang';

/** Each marked-content sequence's /Lang and /ActualText where it has an /ActualText, in content order. */
function markedActual(pdf: Buffer): { lang?: string; actual: string }[] {
  const content = [...readObjects(pdf).values()].map((o) => o.stream?.toString('latin1') ?? '').join('\n');
  return [...content.matchAll(/<<([^>]*\/ActualText[^>]*)>>\s*BDC/g)].map((m) => {
    const lang = /\/Lang\s*(\((?:[^)\\]|\\.)*\))/.exec(m[1])?.[1];
    const actual = /\/ActualText\s*(\((?:[^)\\]|\\.)*\))/.exec(m[1])![1];
    return { ...(lang ? { lang: pdfString(lang) } : {}), actual: pdfString(actual) };
  });
}

/** A report drawn with the marked content whose /ActualText is `actual` left without it: a defect planted for the check. */
async function withoutActual(actual: string, build: () => Promise<Buffer>): Promise<Buffer> {
  const proto = PDFDocument.prototype as PDFKit.PDFDocument;
  const own = proto.markContent;
  proto.markContent = function (this: PDFKit.PDFDocument, tag, options) {
    return own.call(this, tag, options?.actual === actual ? { ...options, actual: undefined } : options);
  };
  try {
    return await build();
  } finally {
    proto.markContent = own;
  }
}

describe('words printed "?" carry their own /ActualText', () => {
  const triage = committedCard('triage');
  const dx = committedCard('brain_tumor');
  const study = { modality: 'MR', seriesDescription: 'T1', sliceCount: 3, usableSlices: 3, spacing: { column: 0.9, row: 0.9, slice: 3 }, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null };

  // no bundled face has Thai: its letters print as "?" under /Lang th, and a screen reader said "question mark"
  it('a value whose letters print as "?" (Thai, an emoji): each such word is marked content whose ActualText is the word (ISO 32000 14.9.4)', async () => {
    const record = { ...gliomaRecord(triage, dx), study: { ...study, seriesDescription: 'สมอง T1' } };
    const pdf = await buildReportPdf({ record, cards: [modelCardView(triage), modelCardView(dx)], generatedFor: 'Dr Smith \u{1F44D}', fonts: reportFaces() });
    expect(pdfShownStrings(pdf).flat().map((s) => s.text).join('')).toContain('?');
    const r = pdfua(pdf);
    expect(r.failures).toEqual([]);
    // the value in Thai is a Span /Lang th; the words' text is in the content, where text extraction reads it too
    expect(r.elements.filter((e) => e.type === 'Span' && (e.actual || e.lang)).map((e) => [e.actual, e.lang])).toEqual([[undefined, 'th']]);
    expect(markedActual(pdf)).toEqual([{ actual: '\u{1F44D}' }, { actual: 'สมอง ' }]);
  });

  it('a Thai word in a mostly-Latin value, label and table cell: its "?" are marked content with /Lang th and the word as ActualText', async () => {
    const label = 'Glioma สมอง grade';
    const record = { ...gliomaRecord(triage, dx), label, probabilities: { [label]: 0.9, other: 0.1 }, study: { ...study, seriesDescription: 'MRI brain scan with contrast สมอง axial' } };
    const pdf = await buildReportPdf({ record, cards: [modelCardView(triage), modelCardView(dx)], generatedFor: 'Dr Smith for ทีม team', fonts: reportFaces() });
    // before: each value one element whose /ActualText held the whole value, read by the en-GB voice
    // ('Thai "สมอง" in a Span's /ActualText read as en-GB', the same for the TD and "ทีม"), and "????" in the text layer
    const r = pdfua(pdf);
    expect(r.failures).toEqual([]);
    expect(r.elements.filter((e) => e.actual)).toEqual([]);
    // the title, the name, the table cell, the series description; the rest of each value in the report's en-GB
    expect(markedActual(pdf)).toEqual([
      { lang: 'th', actual: 'สมอง ' },
      { lang: 'th', actual: 'ทีม ' },
      { lang: 'th', actual: 'สมอง ' },
      { lang: 'th', actual: 'สมอง ' },
      { lang: 'th', actual: 'สมอง ' },
    ]);
    expect(pdfShownStrings(pdf).flat().map((s) => s.text).join('')).toContain('MRI brain scan with contrast ???? axial');
  });

  it('the check finds "?" standing for a character with no ActualText, in any element (it is not vacuous)', async () => {
    const elements = new Map([[1, { id: 1, type: 'P', parent: undefined }], [2, { id: 2, type: 'Span', parent: 1, lang: 'th' }]]);
    expect(languageFailures(elements, new Map([[2, '???? T1']]), 'en-GB')).toEqual(['"???? T1" drawn in a Span /Lang th with no /ActualText: read as "?" (14.9.4)']);
    const told = new Map([[1, { id: 1, type: 'P', parent: undefined }], [2, { id: 2, type: 'Span', parent: 1, lang: 'th', actual: 'สมอง T1' }]]);
    expect(languageFailures(told, new Map([[2, '???? T1']]), 'en-GB')).toEqual([]);
    // a question mark is not a stand-in; after a space, doubled or inside a word one is
    expect(standIns('Is it T1? ("?": a character) Why?')).toEqual([]);
    expect(standIns('Dr Smith ? · MRI ???? axial · a?b')).toEqual(['?', '????', '?']);
    // planted in a report: one word's mark drawn without its /ActualText (its /Lang kept)
    const record = { ...gliomaRecord(triage, dx), study: { ...study, seriesDescription: 'MRI brain scan with contrast สมอง axial' } };
    const build = () => buildReportPdf({ record, cards: [modelCardView(triage), modelCardView(dx)], generatedFor: 'Dr Smith \u{1F44D}', fonts: reportFaces() });
    expect(pdfua(await build()).failures).toEqual([]);
    expect(pdfua(await withoutActual('สมอง ', build)).failures).toEqual([expect.stringMatching(/"\?\?\?\?" drawn in marked content with \/Lang th and no \/ActualText: read as "\?" \(14\.9\.4\)/)]);
    expect(pdfua(await withoutActual('\u{1F44D}', build)).failures).toEqual([expect.stringMatching(/for Dr Smith \? \("\?": a character this PDF cannot print; [^"]*" drawn in a P with no \/ActualText: read as "\?" \(14\.9\.4\)/)]);
  });
});
