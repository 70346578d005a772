// The history's queries on PostgreSQL, as the repository sends them (dist's AnalysisRepository on
// the app's PostgreSQL client, Prisma's query log), each EXPLAINed on the cluster's database: an
// index serves every one, in the list's order. The SQLite side is test/unit/history-query-plans.
//
// The planner's choice depends on the row count, and the cluster's table holds a few hundred rows,
// so a plan on it would show sequential scans whatever the indexes. Sequential scans, bitmap scans
// and sorts are switched off for the EXPLAIN instead (PostgreSQL then still uses them, at a huge
// cost, where nothing else can answer): a "Seq Scan on Analysis" or a "Sort" left in the plan means
// no index can serve that query in order. The plans PostgreSQL picks at 200,000 rows are in
// docs/performance.md ("On PostgreSQL").
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ROOT } from '../../scripts/cluster/lib.mjs';
import { ctx } from './context.mjs';

const require = createRequire(import.meta.url);

export function planSuites() {
  describe('history queries on PostgreSQL: an index serves each, in order', () => {
    let client;
    let raw;
    let repo;
    const sent = [];
    const june = { createdFrom: new Date('2026-06-01T00:00:00Z'), createdBefore: new Date('2026-07-01T00:00:00Z') };

    before(async () => {
      const { PrismaClient } = require(path.join(ROOT, 'dist/generated/prisma-pg/client.js'));
      const { AnalysisRepository } = require(path.join(ROOT, 'dist/repositories/analysis.repository.js'));
      const { PrismaPg } = require('@prisma/adapter-pg');
      client = new PrismaClient({ adapter: new PrismaPg({ connectionString: ctx.cluster.postgres.url }), log: [{ level: 'query', emit: 'event' }] });
      client.$on('query', (e) => sent.push({ query: e.query, params: e.params }));
      repo = new AnalysisRepository({ analysis: client.analysis });
      raw = new pg.Client({ connectionString: ctx.cluster.postgres.url });
      await raw.connect();
      await raw.query('SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_sort = off');
    });
    after(async () => {
      await raw?.end();
      await client?.$disconnect();
    });

    /** The plan (one string) of each statement on Analysis that `run` sent. */
    async function plans(run) {
      sent.length = 0;
      await run();
      const out = [];
      for (const q of sent.filter((s) => /FROM "public"\."Analysis"/.test(s.query))) {
        const rows = (await raw.query(`EXPLAIN ${q.query}`, JSON.parse(q.params))).rows;
        out.push(rows.map((r) => r['QUERY PLAN']).join(' | '));
      }
      return out;
    }
    /** one statement, reading `index` (backwards: newest first) and never sorting nor scanning the table */
    async function expectOrderedBy(index, run) {
      const [plan, ...rest] = await plans(run);
      assert.deepEqual(rest, []);
      assert.match(plan, new RegExp(`Index (Only )?Scan Backward using "${index}" on "Analysis"`), plan);
      assert.doesNotMatch(plan, /Seq Scan on "Analysis"|Sort/, plan);
    }

    it('list pages walk (createdAt, id): first and deep page, status filter, date range', async () => {
      for (const [q, skip] of [[{}, 0], [{}, 199_950], [{ status: 'rejected' }, 0], [june, 0]]) {
        await expectOrderedBy('Analysis_createdAt_id_idx', () => repo.page(q, skip, 25));
      }
    });

    it('a label filter reads (label, createdAt, id, …): pages, body part + label, its newest 5,000', async () => {
      const index = 'Analysis_label_createdAt_id_status_anatomy_code_idx';
      for (const [q, skip] of [[{ label: 'glioma' }, 0], [{ label: 'pituitary' }, 2475], [{ anatomy: 'brain', label: 'glioma' }, 25]]) {
        await expectOrderedBy(index, () => repo.page(q, skip, 25));
      }
      await expectOrderedBy(index, () => repo.recentTimings({ label: 'glioma' }, 5000));
    });

    it("a user's pages walk (userId, createdAt, id)", async () => {
      await expectOrderedBy('Analysis_userId_createdAt_id_idx', () => repo.page({ userId: 'u' }, 0, 25));
      await expectOrderedBy('Analysis_userId_createdAt_id_idx', () => repo.page({ userId: 'u', status: 'completed' }, 5000, 25));
    });

    it('cursor pages (history-cursor.ts) start in the index at the cursor row, both ways, whatever the filter', async () => {
      const at = { createdAt: new Date('2026-06-15T12:00:00Z'), id: '0b7c6f0e-3d1e-4c1a-9a55-5f2f0d6c1e2a' };
      for (const [q, index] of [
        [{}, 'Analysis_createdAt_id_idx'],
        [{ status: 'rejected' }, 'Analysis_createdAt_id_idx'],
        [june, 'Analysis_createdAt_id_idx'],
        [{ userId: 'u' }, 'Analysis_userId_createdAt_id_idx'],
        [{ userId: 'u', status: 'completed' }, 'Analysis_userId_createdAt_id_idx'],
        [{ label: 'glioma' }, 'Analysis_label_createdAt_id_status_anatomy_code_idx'],
      ]) {
        for (const [direction, scan, op] of [['older', 'Index Scan Backward', '<='], ['newer', 'Index Scan', '>=']]) {
          const [plan, ...rest] = await plans(() => repo.pageFrom(q, at, direction, 26));
          assert.deepEqual(rest, []);
          assert.match(plan, new RegExp(`${scan} using "${index}" on "Analysis"`), plan);
          assert.match(plan, new RegExp(`Index Cond: \\(.*"createdAt" ${op} `), `a range from the cursor row, not a walk from the end: ${plan}`);
          assert.doesNotMatch(plan, /Seq Scan on "Analysis"|Sort/, plan);
        }
      }
    });

    it('every CSV export batch walks (createdAt, id); the ones after the first from below the last row', async () => {
      // two batches of 1 need two rows (removed again: the other suites count their own)
      await client.analysis.createMany({ data: [1, 2, 3].map((i) => ({ userId: null, createdAt: new Date(Date.UTC(2026, 0, i)), byteSize: 1, sha256: 'plan-suite', status: 'completed' })) });
      const [first, second] = await plans(async () => {
        let n = 0;
        for await (const batch of repo.batches({}, 1)) if (batch.length && ++n === 2) break;
      });
      await client.analysis.deleteMany({ where: { sha256: 'plan-suite' } });
      for (const plan of [first, second]) {
        assert.match(plan, /Index Scan Backward using "Analysis_createdAt_id_idx"/, plan);
        assert.doesNotMatch(plan, /Seq Scan on "Analysis"|Sort/, plan);
      }
      assert.match(second, /Index Cond: \("createdAt" <= /, 'a range of the index, not a rescan from the newest row');
    });

    it("a report's record reads (userId, sha256, createdAt, id); the summary and totals read an index alone", async () => {
      for (const plan of await plans(() => repo.latestBySha('u', 'f'.repeat(64)))) {
        assert.match(plan, /Index (Only )?Scan (Backward )?using "Analysis_userId_sha256_createdAt_id_idx"/, plan);
      }
      // unfiltered, either index holding the four grouped columns answers alone (a small table takes the label one)
      const grouped = 'Analysis_(code_status_anatomy_label|label_createdAt_id_status_anatomy_code)_idx';
      for (const [run, index] of [
        [() => repo.tally({}), grouped],
        [() => repo.count({}), grouped],
        [() => repo.tally({ label: 'glioma' }), 'Analysis_label_createdAt_id_status_anatomy_code_idx'],
        [() => repo.count({ userId: 'u' }), 'Analysis_userId_\\w+_idx'], // a range of either index led by userId
        [() => repo.count(june), 'Analysis_createdAt_id_idx'],
      ]) {
        const [plan] = await plans(run);
        assert.match(plan, new RegExp(`Index Only Scan (Backward )?using "${index}"`), plan);
        assert.doesNotMatch(plan, /Seq Scan on "Analysis"/, plan);
      }
    });
  });
}
