#!/usr/bin/env node
// Seeds a scratch SQLite database (or an empty PostgreSQL one) with a year of a lab's history,
// through the app's own migrations, password hashing and record → row mapping (dist/, so
// `npm run build` first):
//
//   node scripts/seed-history.mjs --db /tmp/hist/sentinel.db [--rows 200000] [--users 30] [--days 400]
//   node scripts/seed-history.mjs --pg postgresql://postgres@127.0.0.1:5432/sentinel [--rows …]
//   node scripts/seed-history.mjs --help     # every option and its range (a bad one: exit 2 before anything is opened)
//
// Every status / stage / code / body part / label / file type / kind (image, study) occurs, and only
// in combinations the pipeline gives (seed-records.mjs, checked by test/unit/seed-history-outcomes.spec.ts);
// rows are spread over `days` days before now, users drawn with a skew (a few heavy users).
// Users: admin0@lab.example (admin) and user1..N-1@lab.example, all with password SEED_PASSWORD.
// Deterministic (seeded PRNG), so figures taken on two seeded files compare.
import { randomUUID } from 'node:crypto';
import { benchOptions } from './bench-args.mjs';
import { DB, fromDist, migrate, PG, prismaClient } from './history-lib.mjs';
import { seeder } from './seed-records.mjs';

const { hashPassword } = fromDist('accounts/password.js');
const { toRow } = fromDist('repositories/analysis.repository.js');

const USAGE = `Usage: node scripts/seed-history.mjs [--db FILE | --pg postgresql://…] [options]   (after \`npm run build\`)
  --db FILE              the SQLite file to seed (default /tmp/hist/sentinel.db)
  --pg URL               an empty PostgreSQL database to seed instead
  --rows N               analysis rows, 0 to 10000000 (default 200000)
  --users N              users, 1 to 100000 (default 30)
  --days N               days before now the rows are spread over, 1 to 10000 (default 400)
Exit 2: a bad option, said before the database is opened.`;

// through the commands' one strict parser: Number() took --users 1e3 as 1000 users, and --users abc
// as NaN — no user, every row's owner undefined
const { ROWS, USERS, DAYS } = benchOptions(
  process.argv.slice(2),
  { db: { type: 'string' }, pg: { type: 'string' }, rows: { type: 'string' }, users: { type: 'string' }, days: { type: 'string' } },
  USAGE,
  (v, p) => {
    if (v.db !== undefined && v.pg !== undefined) throw new Error('--db and --pg name two databases: give one');
    return {
      ROWS: p.integer('rows', v.rows, { min: 0, max: 10_000_000 }) ?? 200_000,
      USERS: p.integer('users', v.users, { min: 1, max: 100_000 }) ?? 30,
      DAYS: p.integer('days', v.days, { min: 1, max: 10_000 }) ?? 400,
    };
  },
);
export const SEED_PASSWORD = 'history at scale 2026';

const { rnd, record, study } = seeder();

async function main() {
  const t0 = Date.now();
  await migrate();
  const db = prismaClient();
  const hash = await hashPassword(SEED_PASSWORD);
  const users = [];
  for (let i = 0; i < USERS; i++) {
    const id = randomUUID();
    users.push(id);
    await db.user.create({ data: { id, email: `${i === 0 ? 'admin' : 'user'}${i}@lab.example`, passwordHash: hash, role: i === 0 ? 'admin' : 'user' } });
  }
  const now = Date.now();
  const BATCH = 2000;
  for (let done = 0; done < ROWS; done += BATCH) {
    const data = [];
    for (let j = 0; j < Math.min(BATCH, ROWS - done); j++) {
      // rnd()^2: user 0..3 do most of the work, as in a lab with a few heavy users
      const uid = users[Math.floor(rnd() ** 2 * USERS)];
      const rec = record(rnd() < 0.01 ? null : uid); // a few rows of deleted users (userId SET NULL)
      const row = rnd() < 1 / 12 ? toRow(...study(rec)) : toRow(rec);
      if (rnd() < 0.02) row.thresholdsJson = null; // rows older than the thresholds column
      data.push({ ...row, createdAt: new Date(now - Math.floor(rnd() * DAYS * 86_400_000)) });
    }
    await db.analysis.createMany({ data });
  }
  await db.$disconnect();
  console.log(JSON.stringify({ db: PG ? PG.replace(/:[^:@/]*@/, ':***@') : DB, rows: ROWS, users: USERS, days: DAYS, seconds: (Date.now() - t0) / 1000 }));
}

await main();
