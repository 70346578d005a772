/**
 * A record's identifiers in a report (an e-mail address, a series named like a file) were broken at a
 * hyphen where a line ran out, as pdfkit breaks prose: "… for radiology-department.team-" / "lead@…".
 * A reader cannot tell that hyphen from a word broken in two, and pdftotext (copy, search) joined the
 * lines as one: "radiology-department.teamlead@…", another address. Such a word now moves whole to the
 * next line (line-breaks.ts hasIdentifier). A figure stays with its relation sign and its "%" likewise.
 */
import { modelCardView } from '../../../src/presentation/model-card.view';
import { buildReportPdf } from '../../../src/reports/report-pdf';
import { pdfShownStrings } from '../../helpers/pdf-text';
import { reportFaces } from '../../helpers/report-fonts';
import { committedCard, gliomaRecord } from '../../support/report-record';
import { pdfua } from './pdfua-check';

/** Each printed line's text: the shown strings of a page grouped by baseline, in content order. */
function printedLines(pdf: Buffer): string[] {
  return pdfShownStrings(pdf).flatMap((page) => {
    const lines = new Map<number, string>();
    for (const s of page) lines.set(Math.round(s.baseline * 10), (lines.get(Math.round(s.baseline * 10)) ?? '') + s.text);
    return [...lines.values()];
  });
}

describe('identifiers in a report are not broken at their hyphens', () => {
  const triage = committedCard('triage');
  const dx = committedCard('brain_tumor');
  const email = 'radiology-department.team-lead@university-hospital-trust.example.org';
  const series = 'Ax T1 post-contrast series exported from study-2026-12-04_pt-000123_ax-t1-post-gad-dicom-export';
  const study = { modality: 'MR', seriesDescription: series, sliceCount: 50, usableSlices: 48, spacing: { column: 0.9, row: 0.9, slice: 3 }, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null };

  it('an e-mail address after the header line and a file-like series name stay whole on one line', async () => {
    const record = { ...gliomaRecord(triage, dx), userEmail: email, study };
    const pdf = await buildReportPdf({ record, cards: [modelCardView(triage), modelCardView(dx)], generatedFor: email, fonts: reportFaces() });
    const lines = printedLines(pdf);
    // before: 'Analysed … for radiology-department.team-' / 'lead@university-hospital-trust.example.org'
    expect(lines.filter((l) => l.includes(email))).toHaveLength(2);
    expect(lines.filter((l) => l.includes('study-2026-12-04_pt-000123_ax-t1-post-gad-dicom-export'))).toHaveLength(1);
    expect(pdfua(pdf).failures).toEqual([]);
  });

  // the diagnosis card's "Test images answered at the confidence threshold alone (≥" / "60.0 %, without …"
  it('no printed line ends with a relation sign or starts with "%" (the model cards\' figures)', async () => {
    const pdf = await buildReportPdf({ record: gliomaRecord(triage, dx), cards: [modelCardView(triage), modelCardView(dx)], generatedFor: 'u@example.org', fonts: reportFaces() });
    const lines = printedLines(pdf).map((l) => l.trim());
    expect(lines.filter((l) => /[≥≤<>]$/.test(l) || /^%/.test(l))).toEqual([]);
    expect(lines.some((l) => l.includes('(≥ 60.0 %, without'))).toBe(true);
  });
});
