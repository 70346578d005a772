/**
 * Recorded stage times are rounded to 0.1 ms, and every place printed them as JavaScript prints a
 * number: "explanation 60 ms" beside "diagnosis 94.8 ms" on the history page, "preprocess 6" beside
 * "decode 22.3" in the summary, the same in the PDF — a whole number looked like a coarser (or
 * truncated) measurement. One rule now: one decimal always, here and in the page scripts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HistorySummary } from '../../../src/history/history.service';
import { historyDetail, timingsView } from '../../../src/presentation/history.view';
import { buildReportPdf } from '../../../src/reports/report-pdf';
import { notMriRecord } from '../../helpers/history-item';
import { pdfFlatText } from '../../helpers/pdf-text';
import { reportFaces } from '../../helpers/report-fonts';

const TIMES = { decode: 22.3, preprocess: 6, triage: 92.1, explanation: 60, total: 180.4 };

describe('stage times: one decimal everywhere', () => {
  it('history detail: "60.0 ms" beside "92.1 ms"', () => {
    const view = historyDetail(notMriRecord({ timingsMs: TIMES }));
    expect(view.timings).toEqual([
      { k: 'decode', v: '22.3 ms' },
      { k: 'preprocess', v: '6.0 ms' },
      { k: 'triage', v: '92.1 ms' },
      { k: 'explanation', v: '60.0 ms' },
      { k: 'total', v: '180.4 ms' },
    ]);
  });

  it('history summary medians: "6.0" beside "22.3"', () => {
    const s: HistorySummary = {
      total: 2, byStatus: [], byBodyPart: [], byLabel: [], reasons: [], medianTimingsMs: TIMES,
      medianTimingsByKind: { image: { analyses: 2, medianMs: TIMES }, study: { analyses: 0, medianMs: {} } },
    };
    const [image] = timingsView(s);
    expect(image.rows.map((r) => r.v)).toEqual(['22.3', '6.0', '92.1', '60.0', '180.4']);
  });

  it('PDF: "preprocess 6.0 ms · … · explanation 60.0 ms"', async () => {
    const text = pdfFlatText(await buildReportPdf({ record: notMriRecord({ timingsMs: TIMES }), generatedFor: 'a@example.org', fonts: reportFaces() }));
    expect(text).toContain('preprocess 6.0 ms');
    expect(text).toContain('explanation 60.0 ms');
    expect(text).not.toMatch(/explanation 60 ms/);
  });

  it('the page scripts print recorded times with toFixed(1) as well', () => {
    for (const file of ['result-view.js', 'study-details.js']) {
      const src = fs.readFileSync(path.join(__dirname, '../../../public/js', file), 'utf8');
      const lines = src.split('\n').filter((l) => l.includes('timingsMs['));
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(l).toMatch(/Number\(r\.timingsMs\[k\]\)\.toFixed\(1\)/);
    }
  });
});
