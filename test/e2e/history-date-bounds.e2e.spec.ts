/**
 * The history's date filters are whole UTC days, inclusive at both ends, as every page, PDF and
 * the CSV print the times (UTC). Rows a millisecond either side of UTC midnight — on a night that
 * is a daylight-saving change in Europe, which UTC does not have — fall on the day their UTC time
 * names, in the list, the summary, the CSV and the page alike. `to=9999-12-31` (the last day the
 * filter takes, the usual "no end") matched no row at all: the day after it is in year 10000,
 * which the SQLite adapter writes "+010000-01-01…" and which sorts before every stored time.
 */
import request from 'supertest';
import { parseCsv } from '../../src/common/csv';
import { PrismaService } from '../../src/prisma/prisma.service';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';

/** 29 Mar 2026: Europe's clocks go forward at 01:00 UTC; the filter's day is UTC's. */
const ROWS = {
  lastOfDayBefore: '2026-03-28T23:59:59.999Z',
  midnight: '2026-03-29T00:00:00.000Z',
  lastOfDay: '2026-03-29T23:59:59.999Z',
  nextMidnight: '2026-03-30T00:00:00.000Z',
} as const;
type Name = keyof typeof ROWS;

describe('history date filters: UTC days, inclusive, to the last day the filter takes', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0' }, sessions: { alice: {}, root: { role: 'admin' } } });
  const { alice, root } = h.sessions;
  const ids = new Map<string, Name>();

  beforeAll(async () => {
    const prisma = h.get(PrismaService);
    for (const [name, at] of Object.entries(ROWS) as [Name, string][]) {
      const row = await prisma.analysis.create({ data: { userId: alice.user.id, createdAt: new Date(at), byteSize: 1, sha256: 'c'.repeat(64), status: 'completed' } });
      ids.set(row.id, name);
    }
  });

  const CASES: [string, Name[]][] = [
    ['from=2026-03-29&to=2026-03-29', ['midnight', 'lastOfDay']],
    ['to=2026-03-28', ['lastOfDayBefore']],
    ['from=2026-03-30', ['nextMidnight']],
    ['from=2026-03-29', ['midnight', 'lastOfDay', 'nextMidnight']],
    ['to=9999-12-31', ['lastOfDayBefore', 'midnight', 'lastOfDay', 'nextMidnight']],
    ['from=2026-03-29&to=9999-12-31', ['midnight', 'lastOfDay', 'nextMidnight']],
    ['from=0001-01-01&to=9999-12-31', ['lastOfDayBefore', 'midnight', 'lastOfDay', 'nextMidnight']],
  ];

  it.each(CASES)('%s: the list, the summary, the CSV and the page hold the same rows', async (q, expected) => {
    const server = h.server;
    const want = [...expected].sort();
    const list = (await request(server).get(`/api/v1/history?${q}&pageSize=100`).set(alice.bearer).expect(200)).body as { items: { id: string }[]; total: number };
    expect({ q, rows: list.items.map((i) => ids.get(i.id)).sort(), total: list.total }).toEqual({ q, rows: want, total: want.length });
    const summary = (await request(server).get(`/api/v1/history/summary?${q}`).set(alice.bearer).expect(200)).body as { total: number };
    expect({ q, total: summary.total }).toEqual({ q, total: want.length });
    const csv = parseCsv((await request(server).get(`/api/v1/history/export.csv?${q}`).set(root.bearer).expect(200)).text);
    expect({ q, rows: csv.map((r) => ids.get(r.id)).sort() }).toEqual({ q, rows: want });
    const html = (await request(server).get(`/history?${q}`).set(alice.headers).expect(200)).text;
    expect({ q, rows: [...ids].filter(([id]) => html.includes(`/history/${id}`)).map(([, n]) => n).sort() }).toEqual({ q, rows: want });
  });
});
