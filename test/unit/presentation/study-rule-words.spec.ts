/**
 * The "Study rule" line says which two slices may confirm a finding. The distance counts the slices
 * missing from the series (finding-pair.ts slicePlaces: two files next to each other across a gap of
 * 5 missing slices are 6 apart, and cannot pair), so the words must say so; they read "at most 2 apart
 * in series order", which a user with a gappy series takes as "at most 2 files apart". The study
 * page builds the line in the browser (public/js/study-details.js), the history page and the PDF from
 * study-lines.ts studyRuleLine: the same sentence on each, pinned here by running the page's script.
 */
import type { HistoryItem } from '../../../src/history/history.service';
import { pairWords, studyRuleLine } from '../../../src/presentation/study-lines';
import { slicePlaces } from '../../../src/studies/finding-pair';
import { definitionList, fakeNode, FakeNode, loadPageScripts } from '../../support/page-scripts';

/** study-details.js (after figures.js, as the page loads them) in a sandbox with just enough of a DOM */
function pageRuleLine(settings: { agreement: number; minUsableSlices: number; pairWithin: number | null } | null): string {
  const page = loadPageScripts(['figures.js', 'study-details.js']);
  const meta = fakeNode('dl');
  const r = { study: { format: 'dicom', sliceCount: 8, width: 64, height: 64, aggregation: settings ? { settings, bodyPartVotes: {}, agreement: null } : null }, modelVersions: {}, timingsMs: {} };
  (page.window.SentinelStudyDetails as { fill(m: FakeNode, r: unknown, t: unknown, s: string): void }).fill(meta, r, {}, '—');
  return Object.fromEntries(definitionList(meta))['Study rule'];
}

const item = (rule: { agreement: number; minUsableSlices: number; pairWithin: number | null }) =>
  ({ thresholds: { triage: 0.6 }, study: { rule } }) as unknown as Pick<HistoryItem, 'thresholds' | 'study'>;

describe('the study rule line', () => {
  it('says that slices missing from the series count in the distance, as finding-pair.ts counts them', () => {
    expect(pairWords(2)).toBe('a finding rests on two slices at most 2 apart in series order, counting any slices missing between them');
    expect(pairWords(null)).toBe('a finding rests on any two slices');
    // what the words describe: slices 4 and 5 with 5 slices missing between them lie 6 apart
    expect(slicePlaces(6, [{ afterSlice: 4, missingSlices: 5 } as Parameters<typeof slicePlaces>[1][number]])).toEqual([0, 1, 2, 3, 9, 10]);
  });

  it('is the same sentence on the study page as on the history page and the PDF', () => {
    for (const rule of [
      { agreement: 0.6, minUsableSlices: 3, pairWithin: 2 },
      { agreement: 0.65, minUsableSlices: 1, pairWithin: 1 },
      { agreement: 0.6049, minUsableSlices: 4, pairWithin: null },
    ]) {
      expect(pageRuleLine(rule)).toBe(studyRuleLine(item(rule)));
    }
    expect(pageRuleLine(null)).toBe('— (no slice was analysed)');
  });
});
