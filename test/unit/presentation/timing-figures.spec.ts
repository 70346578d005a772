/**
 * Recorded stage times are rounded to 0.1 ms, and every place printed them as JavaScript prints a
 * number: "explanation 60 ms" beside "diagnosis 94.8 ms" on the history page, "preprocess 6" beside
 * "decode 22.3" in the summary, the same in the PDF — a whole number looked like a coarser (or
 * truncated) measurement. One rule now: one decimal always, here and in the page scripts.
 */
import type { HistorySummary } from '../../../src/history/history.service';
import { historyDetail, timingsView } from '../../../src/presentation/history.view';
import { buildReportPdf } from '../../../src/reports/report-pdf';
import { notMriRecord } from '../../helpers/history-item';
import { pdfFlatText } from '../../helpers/pdf-text';
import { reportFaces } from '../../helpers/report-fonts';
import { definitionList, fakeNode, FakeNode, loadPageScripts } from '../../support/page-scripts';

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

  // what the page scripts print, run in a sandbox: the source held `toFixed(1)` wherever the times were
  // printed, which a check of its text passed even where the call's result was not what was shown
  it('the result page (result-view.js) lists "Time: preprocess 6.0 ms" beside "22.3 ms"', () => {
    const page = loadPageScripts(['figures.js', 'result-view.js']);
    const r = { status: 'rejected', stage: 'file', code: 'UNSUPPORTED_TYPE', message: 'Not an image.', modelVersions: {}, timingsMs: TIMES };
    (page.window.Sentinel as { renderResult(entry: unknown, opts: unknown): void }).renderResult({ result: r, name: 'x.txt' }, { quiet: true });
    expect(definitionList(page.byId('meta-list'))).toEqual([
      ['Time: decode', '22.3 ms'],
      ['Time: preprocess', '6.0 ms'],
      ['Time: triage', '92.1 ms'],
      ['Time: explanation', '60.0 ms'],
      ['Time: total', '180.4 ms'],
    ]);
  });

  it('the study page (study-details.js): "Timings (ms) decode 22.3 · preprocess 6.0 · …"', () => {
    const page = loadPageScripts(['figures.js', 'study-details.js']);
    const meta = fakeNode('dl');
    const r = { study: { format: 'dicom', sliceCount: 8, width: 64, height: 64, aggregation: null }, modelVersions: {}, timingsMs: TIMES };
    (page.window.SentinelStudyDetails as { fill(m: FakeNode, r: unknown, t: unknown, s: string): void }).fill(meta, r, {}, '—');
    expect(Object.fromEntries(definitionList(meta))['Timings (ms)']).toBe('decode 22.3 · preprocess 6.0 · triage 92.1 · explanation 60.0 · total 180.4');
  });
});
