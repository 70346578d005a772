/**
 * The history's queries, as the repository sends them (Prisma's query log), each checked with
 * SQLite's EXPLAIN QUERY PLAN against the committed migrations: every one seeks or walks an index
 * in the list's order — no sort of the matching rows, no scan of the table. At 200,000 rows
 * (docs/performance.md, "History at scale") the export's keyset step scanned and sorted the table
 * for each batch of 500 (131 s for the file), a deep page sorted every row, and the summary
 * scanned the table four times per page view; better-sqlite3 runs each on the event loop.
 * Without sqlite_stat1 (never written by the app) the planner's choice does not depend on the
 * row count, so an empty database shows the plan a large one gets.
 */
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import Database from 'better-sqlite3';
import * as path from 'node:path';
import { PrismaClient } from '../../src/generated/prisma/client';
import { applyMigrations } from '../../src/prisma/migrator';
import { MIGRATIONS_DIR, PrismaService } from '../../src/prisma/prisma.service';
import { AnalysisQuery, AnalysisRepository } from '../../src/repositories/analysis.repository';
import { tempDir } from '../support/app';

describe('history queries use an index, in order (EXPLAIN QUERY PLAN)', () => {
  const file = path.join(tempDir(), 'plans.db');
  applyMigrations(file, MIGRATIONS_DIR);
  const client = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: file }), log: [{ level: 'query', emit: 'event' }] });
  const sent: { query: string; params: string }[] = [];
  client.$on('query', (e) => sent.push({ query: e.query, params: e.params }));
  // the repository needs only the delegate; PrismaService itself builds a client without the log
  const repo = new AnalysisRepository({ analysis: client.analysis } as unknown as PrismaService);
  const raw = new Database(file, { readonly: true });
  const june: AnalysisQuery = { createdFrom: new Date('2026-06-01T00:00:00Z'), createdBefore: new Date('2026-07-01T00:00:00Z') };

  afterAll(async () => {
    raw.close();
    await client.$disconnect();
  });

  /** The plan lines of each statement on Analysis that `run` sent. */
  async function plans(run: () => Promise<unknown>): Promise<string[][]> {
    sent.length = 0;
    await run();
    return sent
      .filter((q) => /FROM [`"](main[`"]\.[`"])?Analysis[`"]/.test(q.query))
      .map((q) => {
        const params = (JSON.parse(q.params) as unknown[]).map((v) => (typeof v === 'boolean' ? Number(v) : v));
        return (raw.prepare(`EXPLAIN QUERY PLAN ${q.query}`).all(...params) as { detail: string }[]).map((r) => r.detail);
      });
  }

  /** one statement, reading `index` and never sorting its rows nor scanning the table */
  async function expectOrderedBy(index: string, run: () => Promise<unknown>): Promise<void> {
    const [plan, ...rest] = await plans(run);
    expect(rest).toEqual([]);
    expect(plan.join(' | ')).toContain(`INDEX ${index}`);
    expect(plan.join(' | ')).not.toMatch(/TEMP B-TREE|SCAN (main\.)?Analysis($| \|)/);
  }

  it.each<[string, AnalysisQuery, number]>([
    ['first page, everyone', {}, 0],
    ['a deep page (OFFSET 199,950), everyone', {}, 199_950],
    ['status filter', { status: 'rejected' }, 0],
    ['a date range', june, 0],
  ])('list page, %s: walks (createdAt, id) in order', async (_name, q, skip) => {
    await expectOrderedBy('Analysis_createdAt_id_idx', () => repo.page(q, skip, 25));
  });

  /**
   * A label filter without a user or a date: the (createdAt, id) walk read every row until it had
   * 25 of that label (page 1 of label=glioma 131-156 ms at 200,000 rows, page 100 of pituitary
   * 310-470 ms) and again for the summary's newest 5,000 (221-228 ms), on the event loop.
   */
  it.each<[string, AnalysisQuery, number]>([
    ['label filter', { label: 'glioma' }, 0],
    ['label filter, page 100', { label: 'pituitary' }, 2475],
    ['body part and label filters', { anatomy: 'brain', label: 'glioma' }, 25],
  ])('list page, %s: a range of (label, createdAt, id) in order', async (_name, q, skip) => {
    await expectOrderedBy('Analysis_label_createdAt_id_status_anatomy_code_idx (label=?)', () => repo.page(q, skip, 25));
  });

  it("a label filter's median timings: its newest rows by (label, createdAt, id)", async () => {
    await expectOrderedBy('Analysis_label_createdAt_id_status_anatomy_code_idx (label=?)', () => repo.recentTimings({ label: 'glioma' }, 5000));
  });

  it("a label filter's total and summary counts: the label's range of that index alone, no row fetched", async () => {
    // with (label, createdAt, id) only, the GROUP BY fetched every matching row: 28-141 ms against 11-22 ms for the
    // (code, status, anatomy, label) scan it replaced
    for (const run of [() => repo.tally({ label: 'glioma' }), () => repo.count({ label: 'glioma' })]) {
      const [plan] = await plans(run);
      expect(plan.join(' | ')).toContain('COVERING INDEX Analysis_label_createdAt_id_status_anatomy_code_idx (label=?)');
    }
  });

  /**
   * The label filter's check (src/history/filter-vocabulary.ts) runs for any user: a label the
   * loaded models do not give is looked up, and a refusal names the recorded labels. Each is a
   * seek of the label index — the GROUP BY that would name them scans an index (36 ms at 200,000
   * rows), which any user could have had run by sending unknown labels.
   */
  it("the label filter's check: whether a label is recorded, and the recorded labels one by one, are seeks of the label index", async () => {
    await client.analysis.createMany({ data: ['glioma', 'glioma_tumor', 'no_tumor', 'glioma'].map((label) => ({ userId: null, byteSize: 1, sha256: 'f', status: 'completed', label })) });
    for (const run of [() => repo.hasLabel('no_tumor'), () => repo.labels(50)]) {
      const all = await plans(run);
      for (const plan of all) {
        expect(plan.join(' | ')).toMatch(/SEARCH (main\.)?Analysis USING COVERING INDEX Analysis_label_createdAt_id_status_anatomy_code_idx \(label[>=]\?\)/);
        expect(plan.join(' | ')).not.toContain('TEMP B-TREE');
      }
    }
    // one seek per distinct label and one that finds none
    expect(await plans(() => repo.labels(50))).toHaveLength(4);
    expect(await repo.labels(50)).toEqual(['glioma', 'glioma_tumor', 'no_tumor']);
    expect(await repo.labels(2)).toEqual(['glioma', 'glioma_tumor']);
    await client.analysis.deleteMany({ where: { sha256: 'f', label: { not: null } } });
  });

  it("a user's page, and a user's deep page: (userId, createdAt, id) in order", async () => {
    await expectOrderedBy('Analysis_userId_createdAt_id_idx', () => repo.page({ userId: 'u' }, 0, 25));
    await expectOrderedBy('Analysis_userId_createdAt_id_idx', () => repo.page({ userId: 'u', status: 'completed' }, 5000, 25));
  });

  /**
   * A cursor page (history-cursor.ts) starts in the index at the cursor's row: a range of it,
   * read in order, whichever way it goes (next: below the row, backwards; previous: above it).
   */
  it.each<[string, AnalysisQuery, string, string]>([
    ['everyone', {}, 'Analysis_createdAt_id_idx', 'createdAt'],
    ['status filter', { status: 'rejected' }, 'Analysis_createdAt_id_idx', 'createdAt'],
    ['a user', { userId: 'u' }, 'Analysis_userId_createdAt_id_idx', 'userId=? AND createdAt'],
    ['a user, status filter', { userId: 'u', status: 'completed' }, 'Analysis_userId_createdAt_id_idx', 'userId=? AND createdAt'],
    ['label filter', { label: 'glioma' }, 'Analysis_label_createdAt_id_status_anatomy_code_idx', 'label=? AND createdAt'],
  ])('cursor pages, %s: a range of the index from the cursor row, in order, both ways', async (_name, q, index, cond) => {
    const at = { createdAt: new Date('2026-06-15T12:00:00Z'), id: '0b7c6f0e-3d1e-4c1a-9a55-5f2f0d6c1e2a' };
    for (const [direction, op] of [['older', '<'], ['newer', '>']] as const) {
      const [plan, ...rest] = await plans(() => repo.pageFrom(q, at, direction, 26));
      expect(rest).toEqual([]);
      const text = plan.join(' | ');
      expect(text).toContain(`INDEX ${index} (${cond}${op}`);
      expect(text).not.toMatch(/TEMP B-TREE|SCAN (main\.)?Analysis($| \|)/);
    }
  });

  it('cursor pages in a date range: the cursor bounds its side of the range, the filter the other', async () => {
    const at = { createdAt: new Date('2026-06-15T12:00:00Z'), id: '0b7c6f0e-3d1e-4c1a-9a55-5f2f0d6c1e2a' };
    for (const direction of ['older', 'newer'] as const) {
      const [plan] = await plans(() => repo.pageFrom(june, at, direction, 26));
      expect(plan.join(' | ')).toContain('INDEX Analysis_createdAt_id_idx (createdAt>? AND createdAt<?)');
      expect(plan.join(' | ')).not.toContain('TEMP B-TREE');
    }
    // the filter's bound on the cursor's side is not sent (the cursor's row is inside the range)
    sent.length = 0;
    await repo.pageFrom(june, at, 'older', 26);
    expect(sent.map((q) => q.params).join()).toContain('2026-06-01');
    expect(sent.map((q) => q.params).join()).not.toContain('2026-07-01');
    sent.length = 0;
    await repo.pageFrom(june, at, 'newer', 26);
    expect(sent.map((q) => q.params).join()).toContain('2026-07-01');
    expect(sent.map((q) => q.params).join()).not.toContain('2026-06-01');
  });

  it('each CSV export batch after the first seeks the index below the last row (a range, not a rescan)', async () => {
    await client.analysis.createMany({
      data: [1, 2, 3].map((i) => ({ userId: null, createdAt: new Date(Date.UTC(2026, 0, i)), byteSize: 1, sha256: 'f', status: 'completed' })),
    });
    const [first, second] = await plans(async () => {
      for await (const batch of repo.batches({}, 2)) void batch;
    });
    expect(first.join(' | ')).toContain('INDEX Analysis_createdAt_id_idx');
    expect(second.join(' | ')).toMatch(/SEARCH (main\.)?Analysis USING INDEX Analysis_createdAt_id_idx \(createdAt<\?\)/);
    expect(second.join(' | ')).not.toContain('TEMP B-TREE');
    await client.analysis.deleteMany({});
  });

  it("a report's record by sha256: (userId, sha256, createdAt, id), not a walk of the user's rows", async () => {
    const all = await plans(() => repo.latestBySha('u', 'f'.repeat(64)));
    expect(all.length).toBeGreaterThan(0);
    for (const plan of all) expect(plan.join(' | ')).toContain('INDEX Analysis_userId_sha256_createdAt_id_idx (userId=? AND sha256=?)');
  });

  it('the summary counts: one GROUP BY reading the (code, status, anatomy, label) index alone', async () => {
    const [plan, ...rest] = await plans(() => repo.tally({}));
    expect(rest).toEqual([]);
    expect(plan).toEqual([expect.stringMatching(/^SCAN (main\.)?Analysis USING COVERING INDEX Analysis_code_status_anatomy_label_idx$/)]);
    // and the total of an unfiltered list is that tally's sum, not a COUNT(*) over a wider index
    const [countPlan] = await plans(() => repo.count({}));
    expect(countPlan.join(' | ')).toContain('COVERING INDEX Analysis_code_status_anatomy_label_idx');
  });

  it("a user's or a date range's count is a range of an index", async () => {
    const [user] = await plans(() => repo.count({ userId: 'u' }));
    expect(user.join(' | ')).toContain('COVERING INDEX Analysis_userId_createdAt_id_idx (userId=?)');
    const [range] = await plans(() => repo.count(june));
    expect(range.join(' | ')).toMatch(/INDEX Analysis_createdAt_id_idx \(createdAt>\? AND createdAt<\?\)/);
  });

  it('the median timings read the newest rows by (createdAt, id)', async () => {
    const [plan] = await plans(() => repo.recentTimings({}, 5000));
    expect(plan.join(' | ')).toContain('INDEX Analysis_createdAt_id_idx');
    expect(plan.join(' | ')).not.toContain('TEMP B-TREE');
  });
});
