#!/usr/bin/env node
// Idempotency-Key on POST /api/v1/analyses (src/idempotency), on the production build (dist/) with
// the real models and a fresh SQLite file: (1) the time of a request without a key, of a first
// request with a key and of its repeat (the replay re-runs the analysis, records nothing), in
// interleaved rounds (median, p90); (2) --races rounds of --at-once requests with one key sent
// together: the history rows each round added and how the answers split (200 / replayed / 409).
// Prints one JSON object. The image: --image (default ../shared/samples/brain-glioma-1.jpg).
//
//   npm run build && node scripts/measure-idempotency.mjs [--rounds 30] [--races 20] [--at-once 4]
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const args = Object.fromEntries(process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1]]] : [])));
const ROUNDS = Number(args.rounds ?? 30);
const RACES = Number(args.races ?? 20);
const AT_ONCE = Number(args['at-once'] ?? 4);
const PORT = Number(args.port ?? 3913);
const BASE = `http://127.0.0.1:${PORT}`;
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const image = readFileSync(args.image ?? path.join(root, '../shared/samples/brain-glioma-1.jpg'));
const EMAIL = 'admin@measure.example';
const PASSWORD = 'measure idempotency 2026';

const server = spawn(process.execPath, ['dist/main.js'], {
  cwd: root,
  env: {
    ...process.env, NODE_ENV: 'production', PORT: String(PORT), HOST: '127.0.0.1',
    DATABASE_URL: `file:${path.join(mkdtempSync(path.join(os.tmpdir(), 'idem-')), 'sentinel.db')}`,
    SESSION_SECRET: 'x'.repeat(40), SEED_ADMIN_EMAIL: EMAIL, SEED_ADMIN_PASSWORD: PASSWORD, SEED_ADMIN_PRINT: 'false',
    RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000', RATE_LIMIT_ANALYSES_PER_MINUTE: '100000', LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const stats = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return { median: Math.round(s[s.length >> 1] * 10) / 10, p90: Math.round(s[Math.floor(s.length * 0.9)] * 10) / 10 };
};
try {
  for (let t0 = performance.now(); ; await sleep(100)) {
    if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode}) before /readyz`);
    if (await fetch(`${BASE}/readyz`).then((r) => r.ok, () => false)) break;
    if (performance.now() - t0 > 120_000) throw new Error('no /readyz within 120 s');
  }
  const tok = await fetch(`${BASE}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: EMAIL, password: PASSWORD }) });
  const auth = { authorization: `Bearer ${(await tok.json()).token}` };
  const post = async (key) => {
    const form = new FormData();
    form.append('image', new Blob([image], { type: 'image/jpeg' }), 'scan.jpg');
    const t = performance.now();
    const r = await fetch(`${BASE}/api/v1/analyses`, { method: 'POST', headers: key ? { ...auth, 'idempotency-key': key } : auth, body: form });
    const body = await r.json();
    return { ms: performance.now() - t, status: r.status, replayed: r.headers.get('idempotent-replayed') === 'true', body };
  };
  const total = async () => (await (await fetch(`${BASE}/api/v1/history?pageSize=1`, { headers: auth })).json()).total;

  for (let i = 0; i < 3; i++) await post(); // warm-up
  const times = { noKey: [], firstWithKey: [], replay: [] };
  let mismatched = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const key = randomUUID();
    const plain = await post();
    const first = await post(key);
    const again = await post(key);
    if (plain.status !== 200 || first.status !== 200 || !again.replayed || again.body.analysisId !== first.body.analysisId || again.body.label !== first.body.label || again.body.confidence !== first.body.confidence) mismatched++;
    times.noKey.push(plain.ms);
    times.firstWithKey.push(first.ms);
    times.replay.push(again.ms);
  }
  const before = await total();
  const split = { analysed: 0, replayed: 0, conflict409: 0, other: 0 };
  const rowsPerRace = [];
  for (let i = 0; i < RACES; i++) {
    const key = randomUUID();
    const n0 = await total();
    const answers = await Promise.all(Array.from({ length: AT_ONCE }, () => post(key)));
    for (const a of answers) split[a.status === 409 ? 'conflict409' : a.status !== 200 ? 'other' : a.replayed ? 'replayed' : 'analysed']++;
    rowsPerRace.push((await total()) - n0);
  }
  console.log(JSON.stringify({
    image: { bytes: image.length }, rounds: ROUNDS,
    ms: { noKey: stats(times.noKey), firstWithKey: stats(times.firstWithKey), replay: stats(times.replay) },
    replaysDifferingFromFirst: mismatched,
    races: { rounds: RACES, atOnce: AT_ONCE, rowsAdded: await total() - before, rowsPerRace: [...new Set(rowsPerRace)], answers: split },
  }, null, 1));
} finally {
  server.kill('SIGTERM');
}
