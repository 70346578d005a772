/**
 * The summary's lists from one tally of (status, anatomy, label, code) groups (HistoryService
 * countsOf): the same lists the four GROUP BY queries it replaced gave — body parts with '—' for
 * none, labels without the rows that have none, reasons of every non-completed row only, each
 * largest first with ties by key, and the total of every row.
 */
import { countsOf } from '../../src/history/history.service';

describe('summary counts from one tally', () => {
  it('sums the groups into each list as the separate queries did', () => {
    const c = countsOf([
      { status: 'completed', anatomy: 'brain', label: 'glioma', code: null, count: 5 },
      { status: 'completed', anatomy: 'brain', label: 'notumor', code: null, count: 5 },
      { status: 'inconclusive', anatomy: 'brain', label: null, code: 'LOW_CONFIDENCE', count: 2 },
      { status: 'inconclusive', anatomy: 'knee', label: null, code: 'NO_VALIDATED_MODEL', count: 4 },
      { status: 'rejected', anatomy: null, label: null, code: 'NOT_MRI', count: 3 },
      { status: 'rejected', anatomy: null, label: null, code: null, count: 1 },
    ]);
    expect(c.total).toBe(20);
    expect(c.byStatus).toEqual([{ key: 'completed', count: 10 }, { key: 'inconclusive', count: 6 }, { key: 'rejected', count: 4 }]);
    expect(c.byBodyPart).toEqual([{ key: 'brain', count: 12 }, { key: '—', count: 4 }, { key: 'knee', count: 4 }]);
    expect(c.byLabel).toEqual([{ key: 'glioma', count: 5 }, { key: 'notumor', count: 5 }]);
    expect(c.reasons).toEqual([
      { key: 'inconclusive: NO_VALIDATED_MODEL', count: 4 },
      { key: 'rejected: NOT_MRI', count: 3 },
      { key: 'inconclusive: LOW_CONFIDENCE', count: 2 },
      { key: 'rejected: unknown', count: 1 },
    ]);
  });

  it('no rows: zero and empty lists', () => {
    expect(countsOf([])).toEqual({ total: 0, byStatus: [], byBodyPart: [], byLabel: [], reasons: [] });
  });
});
