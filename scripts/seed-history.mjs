#!/usr/bin/env node
// Seeds a scratch SQLite database (or an empty PostgreSQL one) with a year of a lab's history,
// through the app's own migrations, password hashing and record → row mapping (dist/, so
// `npm run build` first):
//
//   node scripts/seed-history.mjs --db /tmp/hist/sentinel.db [--rows 200000] [--users 30] [--days 400]
//   node scripts/seed-history.mjs --pg postgresql://postgres@127.0.0.1:5432/sentinel [--rows …]
//
// Every status / stage / code / body part / label / file type / kind (image, study) occurs, and only
// in combinations the pipeline gives (seed-records.mjs, checked by test/unit/seed-history-outcomes.spec.ts);
// rows are spread over `days` days before now, users drawn with a skew (a few heavy users).
// Users: admin0@lab.example (admin) and user1..N-1@lab.example, all with password SEED_PASSWORD.
// Deterministic (seeded PRNG), so figures taken on two seeded files compare.
import { randomUUID } from 'node:crypto';
import { args, DB, fromDist, migrate, PG, prismaClient } from './history-lib.mjs';
import { seeder } from './seed-records.mjs';

const { hashPassword } = fromDist('accounts/password.js');
const { toRow } = fromDist('repositories/analysis.repository.js');

const ROWS = Number(args.rows ?? 200_000);
const USERS = Number(args.users ?? 30);
const DAYS = Number(args.days ?? 400);
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
