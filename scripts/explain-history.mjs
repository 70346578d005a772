#!/usr/bin/env node
// The SQL each history query sends (the repository's own methods from dist/, Prisma's query log),
// its query plan and its time on a seeded database (scripts/seed-history.mjs): SQLite's EXPLAIN
// QUERY PLAN on the file (read-only), or PostgreSQL's EXPLAIN (ANALYZE, BUFFERS) with `--pg`
// (ANALYZE runs each query once more; the history queries only read).
//
//   node scripts/explain-history.mjs --db /tmp/hist/sentinel.db
//   node scripts/explain-history.mjs --pg postgresql://postgres@127.0.0.1:5432/sentinel
import { args, DB, fromDist, PG, prismaClient, require } from './history-lib.mjs';

const { AnalysisRepository } = fromDist('repositories/analysis.repository.js');

const client = prismaClient({ log: [{ level: 'query', emit: 'event' }] });
let sql = [];
client.$on('query', (e) => sql.push({ query: e.query, params: e.params }));
const repo = new AnalysisRepository({ analysis: client.analysis });

/** `plan(sql, params)`: the plan's lines, for either engine */
const engine = PG ? await postgres() : sqlite();
function sqlite() {
  const raw = new (require('better-sqlite3'))(DB, { readonly: true });
  // Prisma's adapter sends dates as ISO text and booleans as 0/1; better-sqlite3 binds the same
  const bind = (p) => p.map((v) => (typeof v === 'boolean' ? Number(v) : v));
  return {
    plan: async (q, p) => raw.prepare(`EXPLAIN QUERY PLAN ${q}`).all(...bind(p)).map((row) => row.detail),
    end: async () => raw.close(),
  };
}
async function postgres() {
  const pg = new (require('pg').Client)({ connectionString: PG });
  await pg.connect();
  // Prisma's pg adapter sends dates as ISO text; the parameters are typed by the query's context
  return {
    plan: async (q, p) => (await pg.query(`EXPLAIN (ANALYZE, BUFFERS) ${q}`, p)).rows.map((row) => row['QUERY PLAN']),
    end: () => pg.end(),
  };
}

const someUser = (await client.user.findUnique({ where: { email: 'user1@lab.example' } })).id;
const june = { createdFrom: new Date('2026-06-01T00:00:00Z'), createdBefore: new Date('2026-07-01T00:00:00Z') };
const last = await client.analysis.findFirst({ where: { userId: someUser }, orderBy: { createdAt: 'asc' }, select: { id: true, sha256: true } });

const cases = {
  'count (admin, all)': () => repo.count({}),
  'page 1 (admin)': () => repo.page({}, 0, 25),
  'page 7999 (admin, OFFSET 199950)': () => repo.page({}, 199_950, 25),
  'page 1 status=rejected': () => repo.page({ status: 'rejected' }, 0, 25),
  'count status=rejected': () => repo.count({ status: 'rejected' }),
  'page 1 label=glioma': () => repo.page({ label: 'glioma' }, 0, 25),
  'page 100 label=pituitary': () => repo.page({ label: 'pituitary' }, 2475, 25),
  'count label=glioma': () => repo.count({ label: 'glioma' }),
  'tally label=glioma': () => repo.tally({ label: 'glioma' }),
  'recentTimings 5000 label=glioma': () => repo.recentTimings({ label: 'glioma' }, 5000),
  'page 1 bodyPart=brain label=glioma': () => repo.page({ anatomy: 'brain', label: 'glioma' }, 0, 25),
  'page 1 user': () => repo.page({ userId: someUser }, 0, 25),
  'count user': () => repo.count({ userId: someUser }),
  'page 1 June': () => repo.page(june, 0, 25),
  'export batch 2 (keyset)': async () => {
    const it = repo.batches({}, 500);
    await it.next();
    sql = [];
    await it.next();
    await it.return();
  },
  'findOne': () => repo.findOne(last.id, { userId: someUser }),
  'latestBySha': () => repo.latestBySha(someUser, last.sha256),
  'tally (admin, all)': () => repo.tally({}),
  'tally status=rejected': () => repo.tally({ status: 'rejected' }),
  'tally (user)': () => repo.tally({ userId: someUser }),
  'tally June': () => repo.tally(june),
  'recentTimings 5000 (admin, all)': () => repo.recentTimings({}, 5000),
  'recentTimings 5000 status=rejected': () => repo.recentTimings({ status: 'rejected' }, 5000),
};

const only = args.only ? new RegExp(args.only) : null;
// one query first, untimed: the first case's time included opening the file and Prisma's first use
await repo.findOne('warm-up');
for (const [name, run] of Object.entries(cases)) {
  if (only && !only.test(name)) continue;
  sql = [];
  const t = performance.now();
  await run();
  const ms = Math.round((performance.now() - t) * 10) / 10;
  console.log(`\n## ${name}: ${ms} ms`);
  for (const q of sql) {
    if (/^(BEGIN|COMMIT)/i.test(q.query)) continue;
    console.log(`  ${q.query.replace(/`main`\./g, '').replace(/"main"\./g, '').slice(0, 400)}`);
    try {
      const params = Array.isArray(q.params) ? q.params : JSON.parse(q.params);
      for (const line of await engine.plan(q.query, params)) console.log(`    plan: ${line}`);
    } catch (err) {
      console.log(`    plan: (${err.message})`);
    }
  }
}
await client.$disconnect();
await engine.end();
