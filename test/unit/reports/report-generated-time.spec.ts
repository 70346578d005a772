/**
 * A report printed "report generated 7 Dec 2026, 14:59 UTC" from one clock reading and wrote its
 * /CreationDate from another (pdfkit's own `new Date()`): a report made across a minute boundary
 * said two different times. One reading now serves both, and a caller may give it.
 */
import { buildReportPdf } from '../../../src/reports/report-pdf';
import { notMriRecord } from '../../helpers/history-item';
import { pdfFlatText } from '../../helpers/pdf-text';
import { reportFaces } from '../../helpers/report-fonts';

describe('the time a report was generated', () => {
  it('is printed and written as the document\'s creation date from one reading', async () => {
    const generatedAt = new Date('2026-03-04T05:06:59.900Z');
    const pdf = await buildReportPdf({ record: notMriRecord(), generatedFor: 'a@example.org', fonts: reportFaces(), generatedAt });
    expect(pdfFlatText(pdf)).toContain('report generated 4 Mar 2026, 05:06 UTC');
    // the Info dictionary's date, UTC as the printed time says (PDF 32000 7.9.4)
    const src = pdf.toString('latin1');
    const ref = /\/CreationDate (\d+) 0 R/.exec(src)?.[1];
    expect(new RegExp(`(?:^|\\n)${ref} 0 obj\\s*\\(D:20260304050659Z\\)`).test(src)).toBe(true);
  });
});
