#!/usr/bin/env node
// What clients see of a SIGTERM that lands while their analyses are on their way: per round, the
// production build (dist/) is started on a fresh SQLite file, --count analyses are sent at once,
// each on its own new connection (as a load balancer or a client without keep-alive does), and the
// server gets SIGTERM --lead ms later. Each request ends as an HTTP status or a socket error
// (ECONNRESET: the client cannot tell whether its POST was processed; ECONNREFUSED: it was not).
// Prints one JSON object: the totals over --rounds and each round's outcomes, with the time after
// the signal each error came. Extra server settings: --env KEY=VALUE (repeatable, e.g.
// --env SHUTDOWN_DELAY_MS=0). The image: --image (default ../shared/samples/brain-glioma-1.jpg).
//
//   npm run build && node scripts/measure-shutdown-resets.mjs [--rounds 5] [--count 12] [--lead 150]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const extraEnv = Object.fromEntries(argv.flatMap((a, i) => (a === '--env' ? [argv[i + 1].split(/=(.*)/s).slice(0, 2)] : [])));
const ROUNDS = Number(opt('rounds', 5));
const COUNT = Number(opt('count', 12));
const LEAD = Number(opt('lead', 150));
const PORT = Number(opt('port', 3917));
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const image = readFileSync(opt('image', path.join(root, '../shared/samples/brain-glioma-1.jpg')));
const EMAIL = 'admin@measure.example';
const PASSWORD = 'measure shutdown resets 2026';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const boundary = 'measure-shutdown-boundary';
const body = Buffer.concat([
  Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="scan.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
  image,
  Buffer.from(`\r\n--${boundary}--\r\n`),
]);

async function round() {
  const server = spawn(process.execPath, ['dist/main.js'], {
    cwd: root,
    env: {
      ...process.env, NODE_ENV: 'production', PORT: String(PORT), HOST: '127.0.0.1',
      DATABASE_URL: `file:${path.join(mkdtempSync(path.join(os.tmpdir(), 'shutdown-')), 'sentinel.db')}`,
      SESSION_SECRET: 'x'.repeat(40), SEED_ADMIN_EMAIL: EMAIL, SEED_ADMIN_PASSWORD: PASSWORD, SEED_ADMIN_PRINT: 'false',
      RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000', RATE_LIMIT_ANALYSES_PER_MINUTE: '100000', LOG_LEVEL: 'log', ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  server.stdout.on('data', (d) => (log += d));
  server.stderr.on('data', (d) => (log += d));
  const exited = new Promise((resolve) => server.once('exit', (code, signal) => resolve({ code, signal })));
  try {
    for (let t0 = performance.now(); ; await sleep(100)) {
      if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode}) before /readyz:\n${log}`);
      if (await fetch(`http://127.0.0.1:${PORT}/readyz`).then((r) => r.ok, () => false)) break;
      if (performance.now() - t0 > 120_000) throw new Error('no /readyz within 120 s');
    }
    const tok = await fetch(`http://127.0.0.1:${PORT}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: EMAIL, password: PASSWORD }) });
    const token = (await tok.json()).token;
    let signalAt = Infinity;
    const post = () =>
      new Promise((resolve) => {
        const req = http.request(
          { host: '127.0.0.1', port: PORT, path: '/api/v1/analyses', method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length } },
          (res) => {
            let text = '';
            res.on('data', (d) => (text += d));
            // a refusal is named by its code (503 SERVICE_UNAVAILABLE…)
            res.on('end', () => resolve({ outcome: res.statusCode === 200 ? '200' : `${res.statusCode} ${/"code":"([A-Z_]+)"/.exec(text)?.[1] ?? ''}`.trim() }));
            res.on('error', (e) => resolve({ outcome: e.code ?? e.message, afterSignalMs: Math.round(performance.now() - signalAt) }));
          },
        );
        req.on('error', (e) => resolve({ outcome: e.code ?? e.message, afterSignalMs: Math.round(performance.now() - signalAt) }));
        req.end(body);
      });
    const answers = Array.from({ length: COUNT }, post);
    await sleep(LEAD);
    signalAt = performance.now();
    server.kill('SIGTERM');
    const results = await Promise.all(answers);
    const end = await exited;
    return { results, exit: end, exitAfterSignalMs: Math.round(performance.now() - signalAt) };
  } finally {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  }
}

const rounds = [];
for (let i = 0; i < ROUNDS; i++) rounds.push(await round());
const totals = {};
for (const r of rounds) for (const { outcome } of r.results) totals[outcome] = (totals[outcome] ?? 0) + 1;
console.log(JSON.stringify({ rounds: ROUNDS, count: COUNT, leadMs: LEAD, env: extraEnv, totals, perRound: rounds.map((r) => ({ outcomes: r.results.map((x) => (x.afterSignalMs === undefined ? x.outcome : `${x.outcome}@+${x.afterSignalMs}ms`)).join(' '), exit: r.exit, exitAfterSignalMs: r.exitAfterSignalMs })) }, null, 1));
