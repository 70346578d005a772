#!/usr/bin/env node
// The history at a deployment's scale, measured against the production build (dist/) on a seeded
// SQLite file (scripts/seed-history.mjs). Starts `node dist/main.js` on a copy of that file, times
// the start to /readyz, then each history route as an admin and as a user (median of --runs), the
// summary and the CSV export with /healthz probed beside them (event-loop stalls), and the
// server's RSS during the export. Prints one JSON object. With `--pg` the server runs on that
// seeded PostgreSQL database itself (its sessions are written there).
//
//   node scripts/measure-history.mjs --db /tmp/hist/sentinel.db [--runs 5] [--port 3911]
//   node scripts/measure-history.mjs --pg postgresql://postgres@127.0.0.1:5432/sentinel
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { args, DB as SEEDED_DB, PG } from './history-lib.mjs';

const SRC_DB = SEEDED_DB;
const RUNS = Number(args.runs ?? 5);
const PORT = Number(args.port ?? 3911);
const BASE = `http://127.0.0.1:${PORT}`;
const PASSWORD = 'history at scale 2026';
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

// a copy: the start-up migrates it and the run writes sessions into it
const DB = `${SRC_DB}.run.db`;
const scratch = PG ? [] : [DB, `${DB}-wal`, `${DB}-shm`];
for (const f of scratch) rmSync(f, { force: true });
if (!PG) copyFileSync(SRC_DB, DB);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

const t0 = performance.now();
const server = spawn(process.execPath, ['dist/main.js'], {
  cwd: root,
  env: {
    ...process.env, NODE_ENV: 'production', PORT: String(PORT), HOST: '127.0.0.1', DATABASE_URL: PG ?? `file:${DB}`,
    SESSION_SECRET: 'x'.repeat(40), RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000', LOG_LEVEL: 'warn', INFERENCE_WORKERS: '0',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const out = { db: PG ? PG.replace(/:[^:@/]*@/, ':***@') : SRC_DB, runs: RUNS };
try {
  for (;;) {
    // another server on that port would answer /readyz for this one (EADDRINUSE: use --port)
    if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode}) before /readyz`);
    const ok = await fetch(`${BASE}/readyz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (performance.now() - t0 > 60_000) throw new Error('no /readyz within 60 s');
    await sleep(25);
  }
  out.startToReadyMs = Math.round(performance.now() - t0);
  out.rssAfterStartMb = Math.round(rss(server.pid));

  const token = async (email) => (await (await fetch(`${BASE}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) })).json()).token;
  const cookie = async (email) => {
    // the login form's CSRF token and its cookie first
    const form = await fetch(`${BASE}/login`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
    const jar = form.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const r = await fetch(`${BASE}/login`, { method: 'POST', redirect: 'manual', headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, email, password: PASSWORD, next: '/' }) });
    if (r.status !== 303) throw new Error(`login ${email}: ${r.status}`);
    return r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  };
  const as = {
    admin: { api: { authorization: `Bearer ${await token('admin0@lab.example')}` }, page: { cookie: await cookie('admin0@lab.example') } },
    user: { api: { authorization: `Bearer ${await token('user1@lab.example')}` }, page: { cookie: await cookie('user1@lab.example') } },
  };

  /** median ms of RUNS requests, and the largest /healthz answer time seen meanwhile */
  async function time(who, kind, url) {
    const ms = [];
    let status = 0;
    let bytes = 0;
    const probe = probeHealth();
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const r = await fetch(`${BASE}${url}`, { headers: as[who][kind] });
      bytes = (await r.arrayBuffer()).byteLength;
      status = r.status;
      ms.push(performance.now() - t);
    }
    const healthzMaxMs = await probe.stop();
    return { who, url, status, bytes, medianMs: Math.round(median(ms)), maxMs: Math.round(Math.max(...ms)), healthzMaxMs };
  }

  /**
   * /healthz every 10 ms from another process (its own event loop, a new connection each time,
   * so neither this script's reading of a 100 MB body nor a shared socket delays a probe) until
   * stopped: the longest answer is the longest event-loop stall of the server seen meanwhile
   */
  function probeHealth() {
    const child = spawn(process.execPath, ['-e', `
      const http = require('node:http'); let max = 0, failed = 0, run = true;
      process.stdin.on('data', () => { run = false; });
      (async () => {
        while (run) {
          const t = performance.now();
          const ok = await new Promise((r) => http.get('${BASE}/healthz', { agent: false }, (res) => { res.resume(); res.on('end', () => r(res.statusCode === 200)); }).on('error', () => r(false)));
          if (!ok) failed++;
          max = Math.max(max, performance.now() - t);
          await new Promise((r) => setTimeout(r, 10));
        }
        console.log(JSON.stringify({ max: Math.round(max), failed }));
      })();`], { stdio: ['pipe', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    return {
      stop: async () => {
        child.stdin.end('stop');
        await new Promise((r) => child.once('exit', r));
        const { max, failed } = JSON.parse(text);
        return failed ? `${max} (${failed} failed)` : max;
      },
    };
  }

  const api = await (await fetch(`${BASE}/api/v1/history?pageSize=1`, { headers: as.admin.api })).json();
  const id = api.items[0].id;
  const ownId = (await (await fetch(`${BASE}/api/v1/history?pageSize=1`, { headers: as.user.api })).json()).items[0].id;
  out.total = api.total;
  const deep = Math.floor(api.total / 25) - 1;
  const cases = [
    ['admin', 'page', '/history'],
    ['admin', 'page', `/history?page=${deep}`],
    ['admin', 'page', '/history?status=rejected'],
    ['admin', 'page', '/history?bodyPart=knee'],
    ['admin', 'page', '/history?label=glioma'],
    ['admin', 'page', '/history?user=user1%40lab.example'],
    ['admin', 'page', '/history?from=2026-06-01&to=2026-06-30'],
    ['admin', 'page', '/history?status=completed&label=glioma&from=2026-01-01&to=2026-03-31'],
    ['user', 'page', '/history'],
    ['user', 'page', '/history?page=500'],
    ['user', 'page', '/history?label=glioma'],
    ['admin', 'api', '/api/v1/history'],
    ['admin', 'api', '/api/v1/history?pageSize=100'],
    ['admin', 'api', `/api/v1/history?page=${Math.floor(deep / 4)}&pageSize=100`],
    ['admin', 'api', `/api/v1/history?page=${deep}`],
    ['admin', 'api', '/api/v1/history?status=inconclusive&bodyPart=brain'],
    ['admin', 'api', '/api/v1/history?label=pituitary&page=100'],
    ['user', 'api', '/api/v1/history'],
    ['user', 'api', '/api/v1/history?page=500'],
    ['admin', 'api', '/api/v1/history/summary'],
    ['admin', 'api', '/api/v1/history/summary?status=rejected'],
    ['admin', 'api', '/api/v1/history/summary?user=user1%40lab.example'],
    ['admin', 'api', '/api/v1/history/summary?from=2026-06-01&to=2026-06-30'],
    ['user', 'api', '/api/v1/history/summary'],
    ['admin', 'page', `/history/${id}`],
    ['admin', 'api', `/api/v1/history/${id}`],
    ['admin', 'api', `/api/v1/history/${id}/report.pdf`],
    ['user', 'page', `/history/${ownId}`],
  ];
  const only = args.only ? new RegExp(args.only) : null;
  out.requests = [];
  for (const [who, kind, url] of cases) if (!only || only.test(url)) out.requests.push(await time(who, kind, url));

  // the whole history as CSV: time to first byte, total, bytes, server RSS peak, /healthz beside it
  if (!args['skip-export']) {
    const base = rss(server.pid);
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, rss(server.pid))), 20);
    const probe = probeHealth();
    const t = performance.now();
    const r = await fetch(`${BASE}/api/v1/history/export.csv`, { headers: as.admin.api });
    let first = 0;
    let bytes = 0;
    let lines = 0;
    for await (const chunk of r.body) {
      if (!first) first = performance.now() - t;
      bytes += chunk.byteLength;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    }
    const total = performance.now() - t;
    clearInterval(sampler);
    out.export = {
      status: r.status, lines, mb: Math.round(bytes / 1e5) / 10, firstByteMs: Math.round(first), totalMs: Math.round(total),
      rssBeforeMb: Math.round(base), rssPeakMb: Math.round(peak), healthzMaxMs: await probe.stop(),
    };
  }
} catch (err) {
  out.error = String(err?.cause ?? err);
} finally {
  out.serverExit = server.exitCode ?? server.signalCode;
  if (server.exitCode === null && server.signalCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  for (const f of scratch) rmSync(f, { force: true });
}
console.log(JSON.stringify(out, null, 1));
