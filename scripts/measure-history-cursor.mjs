#!/usr/bin/env node
// Cursor (keyset) against offset paging of GET /api/v1/history, on the production build (dist/)
// over a seeded history (scripts/seed-history.mjs): (1) a user's whole history walked page by
// page, pageSize 100, with a real analysis POSTed by that user before every page after the
// first — the ids seen against the list as it was before the walk (repeats, skips); once by
// nextCursor, once by page=N; (2) the time of a deep page reached by offset and by cursor
// (median of --runs). Prints one JSON object. With `--pg` the server runs on that database.
//
//   node scripts/measure-history-cursor.mjs --db /tmp/hist/sentinel.db [--user user29@lab.example] [--runs 5]
import { spawn } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { args, DB as SEEDED_DB, fromDist, PG, prismaClient, require } from './history-lib.mjs';

const RUNS = Number(args.runs ?? 5);
const PORT = Number(args.port ?? 3912);
const USER = args.user ?? 'user29@lab.example';
const SIZE = 100;
const BASE = `http://127.0.0.1:${PORT}`;
const PASSWORD = 'history at scale 2026';
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

const DB = `${SEEDED_DB}.cursor.db`;
const scratch = PG ? [] : [DB, `${DB}-wal`, `${DB}-shm`];
for (const f of scratch) rmSync(f, { force: true });
if (!PG) copyFileSync(SEEDED_DB, DB);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];

const server = spawn(process.execPath, ['dist/main.js'], {
  cwd: root,
  env: {
    ...process.env, NODE_ENV: 'production', PORT: String(PORT), HOST: '127.0.0.1', DATABASE_URL: PG ?? `file:${DB}`,
    SESSION_SECRET: 'x'.repeat(40), RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000', RATE_LIMIT_ANALYSES_PER_MINUTE: '100000',
    LOG_LEVEL: 'warn', INFERENCE_WORKERS: '0',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const out = { db: PG ? PG.replace(/:[^:@/]*@/, ':***@') : SEEDED_DB, user: USER, pageSize: SIZE, runs: RUNS };
// the snapshot reads the database the server writes: the copy, not the seeded file
const prisma = PG
  ? prismaClient()
  : new (fromDist('generated/prisma/client.js').PrismaClient)({ adapter: new (require('@prisma/adapter-better-sqlite3').PrismaBetterSqlite3)({ url: DB }) });
try {
  for (let t0 = performance.now(); ; await sleep(50)) {
    if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode}) before /readyz`);
    if (await fetch(`${BASE}/readyz`).then((r) => r.ok, () => false)) break;
    if (performance.now() - t0 > 60_000) throw new Error('no /readyz within 60 s');
  }
  const token = async (email) => (await (await fetch(`${BASE}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) })).json()).token;
  const user = { authorization: `Bearer ${await token(USER)}` };
  const admin = { authorization: `Bearer ${await token('admin0@lab.example')}` };
  const get = async (who, q) => {
    const r = await fetch(`${BASE}/api/v1/history?${q}`, { headers: who });
    if (!r.ok) throw new Error(`${q}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  const sharp = require('sharp');
  let shade = 0;
  /** one analysis through the whole pipeline, recorded now (a different image each time) */
  const analyse = async () => {
    const png = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: shade++ % 256, g: 90, b: 120 } } }).png().toBuffer();
    const form = new FormData();
    form.append('image', new Blob([png], { type: 'image/png' }), 'mid-walk.png');
    const r = await fetch(`${BASE}/api/v1/analyses`, { method: 'POST', headers: user, body: form });
    if (r.status !== 200) throw new Error(`analysis: ${r.status}`);
  };
  /** the user's ids as the list orders them, read from the database */
  const snapshot = async () => {
    const u = await prisma.user.findUnique({ where: { email: USER } });
    return (await prisma.analysis.findMany({ where: { userId: u.id }, select: { id: true }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] })).map((r) => r.id);
  };
  const compare = (before, seen) => {
    const seenSet = new Set(seen);
    const beforeSet = new Set(before);
    return {
      rowsBefore: before.length,
      rowsSeen: seen.length,
      repeats: seen.length - seenSet.size,
      skipped: before.filter((id) => !seenSet.has(id)).length,
      inOrder: seen.filter((id) => beforeSet.has(id)).join() === before.filter((id) => seenSet.has(id)).join(),
    };
  };

  // (1) the walks
  {
    const before = await snapshot();
    const seen = [];
    let inserted = 0;
    let body = await get(user, `pageSize=${SIZE}`);
    const t = performance.now();
    for (;;) {
      seen.push(...body.items.map((i) => i.id));
      if (!body.nextCursor) break;
      await analyse();
      inserted++;
      body = await get(user, `cursor=${encodeURIComponent(body.nextCursor)}`);
    }
    out.cursorWalk = { ...compare(before, seen), inserted, pages: inserted + 1, lastTotal: body.total, ms: Math.round(performance.now() - t) };
  }
  {
    const before = await snapshot();
    const seen = [];
    let inserted = 0;
    const pages = Math.ceil(before.length / SIZE);
    const t = performance.now();
    for (let page = 1; page <= pages; page++) {
      if (page > 1) {
        await analyse();
        inserted++;
      }
      seen.push(...(await get(user, `pageSize=${SIZE}&page=${page}`)).items.map((i) => i.id));
    }
    out.offsetWalk = { ...compare(before, seen), inserted, pages, ms: Math.round(performance.now() - t) };
  }

  // (2) a deep page, by offset and by cursor (the cursor of the page just above it)
  const time = async (who, q) => {
    const ms = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await get(who, q);
      ms.push(performance.now() - t);
    }
    return Math.round(median(ms) * 10) / 10;
  };
  const total = (await get(admin, 'pageSize=25')).total;
  const deep = Math.floor(total / 25) - 1;
  out.deep = [];
  for (const [who, name, filters, page] of [
    [admin, 'admin', '', deep],
    [admin, 'admin', 'label=pituitary&', 100],
    [admin, 'admin', 'status=rejected&', 200],
    [user, USER, '', 30],
  ]) {
    const above = await get(who, `${filters}pageSize=25&page=${page - 1}`);
    const byOffset = await get(who, `${filters}pageSize=25&page=${page}`);
    const byCursor = await get(who, `cursor=${encodeURIComponent(above.nextCursor)}`);
    const same = byOffset.items.map((i) => i.id).join() === byCursor.items.map((i) => i.id).join();
    out.deep.push({
      who: name, filters: filters.replace(/&$/, ''), page, sameRows: same,
      offsetMs: await time(who, `${filters}pageSize=25&page=${page}`),
      cursorMs: await time(who, `cursor=${encodeURIComponent(above.nextCursor)}`),
    });
  }
} finally {
  await prisma.$disconnect();
  server.kill('SIGTERM');
  await new Promise((r) => (server.exitCode !== null ? r() : server.once('exit', r)));
  for (const f of scratch) rmSync(f, { force: true });
}
console.log(JSON.stringify(out, null, 1));
