#!/usr/bin/env node
/**
 * Issue 11 — the red team's F2 attack against the production build at default settings, with
 * the figures the targets name: one account posts N concurrent 40-megapixel 16-bit RGBA
 * PNGs (~0.3 MB each) while /healthz is probed every 100 ms and another user runs normal
 * analyses one after another. Reports peak server RSS (VmHWM and sampled), /healthz latency,
 * the other user's analysis latency, every status code, and whether the process survived.
 *
 *   npm run build && node scripts/attack-bench.mjs [--uploads 20] [--out artifacts/attack-bench.json]
 *
 * Inputs are generated here (sharp) or read from ../shared/samples; nothing is written but the
 * JSON report. Not a test: it measures, it asserts nothing.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { freePort, multipartBody, postMultipart, readProcKb } from './bench-lib.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const UPLOADS = Number(arg('uploads', '20'));
const OUT = path.resolve(ROOT, arg('out', 'artifacts/attack-bench.json'));
const WIDTH = 6400;
const HEIGHT = 6250; // 40.0 megapixels, the default MAX_INPUT_PIXELS

function pct(values, p) {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 10) / 10;
}

async function hostilePng() {
  // a smooth 16-bit RGBA gradient with alpha: compresses to a few hundred KB, decodes to 320 MB
  const tile = Buffer.alloc(64 * 64 * 4);
  for (let i = 0; i < tile.length; i++) tile[i] = (i >> 2) % 251;
  const base = await sharp({ create: { width: WIDTH, height: HEIGHT, channels: 4, background: { r: 40, g: 90, b: 160, alpha: 0.7 } } })
    .composite([{ input: tile, raw: { width: 64, height: 64, channels: 4 }, tile: true, blend: 'over' }])
    .raw()
    .toBuffer();
  return sharp(base, { raw: { width: WIDTH, height: HEIGHT, channels: 4 } }).toColourspace('rgb16').png({ compressionLevel: 9 }).toBuffer();
}

function normalImage() {
  const dir = path.resolve(ROOT, '../shared/samples');
  const file = fs.readdirSync(dir).find((f) => /brain|glioma|mri/i.test(f) && /\.(jpe?g|png)$/i.test(f)) ?? fs.readdirSync(dir).find((f) => /\.(jpe?g|png)$/i.test(f));
  return { file, bytes: fs.readFileSync(path.join(dir, file)), type: file.endsWith('.png') ? 'image/png' : 'image/jpeg' };
}

async function startServer(env) {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/main.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  child.stdout.on('data', (d) => log.push(String(d)));
  child.stderr.on('data', (d) => log.push(String(d)));
  let exit = null;
  child.on('exit', (code, signal) => (exit = { code, signal }));
  const base = `http://127.0.0.1:${env.PORT}`;
  for (const t0 = performance.now(); performance.now() - t0 < 120_000; await new Promise((r) => setTimeout(r, 50))) {
    if (exit) throw new Error(`server exited: ${JSON.stringify(exit)}\n${log.join('')}`);
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return { child, base, log, exit: () => exit };
    } catch {
      /* not yet */
    }
  }
  throw new Error('server not ready');
}

async function token(base, email, password) {
  const r = await fetch(`${base}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  const b = await r.json();
  if (!b.token) throw new Error(`login failed: ${JSON.stringify(b)}`);
  return { authorization: `Bearer ${b.token}` };
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-attack-'));
  const admin = { email: 'attack-admin@example.org', password: `adm-${createHash('sha256').update(tmp).digest('hex').slice(0, 16)}` };
  const port = await freePort();
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: `file:${path.join(tmp, 'attack.db')}`,
    LOG_LEVEL: 'warn',
    MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
    SESSION_SECRET: createHash('sha256').update(`attack${tmp}`).digest('hex'),
    SEED_ADMIN_EMAIL: admin.email,
    SEED_ADMIN_PASSWORD: admin.password,
    SEED_ADMIN_PRINT: 'false',
  };
  console.log('building the hostile PNG…');
  const png = await hostilePng();
  console.log(`hostile PNG: ${WIDTH}×${HEIGHT} 16-bit RGBA, ${(png.length / 1024).toFixed(0)} KB`);
  const server = await startServer(env);
  const pid = server.child.pid;
  const attacker = await token(server.base, admin.email, admin.password);
  const victimUser = { email: 'victim@example.org', password: 'victim passphrase 2026' };
  await fetch(`${server.base}/api/v1/users`, { method: 'POST', headers: { ...attacker, 'content-type': 'application/json' }, body: JSON.stringify(victimUser) });
  // an admin-created user must choose their own password before any analysis (403 PASSWORD_CHANGE_REQUIRED)
  const changed = await fetch(`${server.base}/api/v1/auth/password`, {
    method: 'POST',
    headers: { ...(await token(server.base, victimUser.email, victimUser.password)), 'content-type': 'application/json' },
    body: JSON.stringify({ current: victimUser.password, password: `${victimUser.password} own` }),
  });
  const own = await changed.json();
  if (!own.token) throw new Error(`victim password change failed: ${JSON.stringify(own)}`);
  const victim = { authorization: `Bearer ${own.token}` };
  const normal = normalImage();

  const rssBefore = readProcKb(pid, 'VmRSS');
  let rssPeakSampled = rssBefore;
  let running = true;
  const sampler = (async () => {
    while (running) {
      rssPeakSampled = Math.max(rssPeakSampled, readProcKb(pid, 'VmRSS') ?? 0);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const health = [];
  const healthFailures = [];
  const prober = (async () => {
    while (running) {
      const t = performance.now();
      try {
        const r = await fetch(`${server.base}/healthz`, { signal: AbortSignal.timeout(30_000) });
        await r.arrayBuffer();
        if (r.status !== 200) healthFailures.push(r.status);
      } catch (e) {
        healthFailures.push(String(e));
      }
      health.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const victimTimes = [];
  const victimStatuses = {};
  const victimLoop = (async () => {
    await new Promise((r) => setTimeout(r, 300)); // once the attack is in flight
    while (running) {
      const t = performance.now();
      const r = await postMultipart(`${server.base}/api/v1/analyses`, victim, multipartBody(normal, false));
      victimTimes.push(performance.now() - t);
      victimStatuses[r.status] = (victimStatuses[r.status] ?? 0) + 1;
      await new Promise((res) => setTimeout(res, 700)); // stays within the default 20 analyses a minute
    }
  })();

  const t0 = performance.now();
  const attackImg = { file: 'attack.png', bytes: png, type: 'image/png' };
  const attack = await Promise.all(
    Array.from({ length: UPLOADS }, async () => {
      const t = performance.now();
      const r = await postMultipart(`${server.base}/api/v1/analyses`, attacker, multipartBody(attackImg, true));
      let code = null;
      try {
        code = JSON.parse(r.text).code ?? JSON.parse(r.text).status;
      } catch {
        /* not JSON */
      }
      return { status: r.status, code, ms: performance.now() - t };
    }),
  );
  const attackMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 1000)); // the victim's and prober's last rounds
  running = false;
  await Promise.all([sampler, prober, victimLoop]);

  const alive = !server.exit();
  const ready = alive ? (await fetch(`${server.base}/readyz`)).status : null;
  const report = {
    when: new Date().toISOString(),
    machine: { cores: os.cpus().length, loadAvg: os.loadavg(), node: process.version },
    attack: { uploads: UPLOADS, pngKb: Math.round(png.length / 1024), megapixels: (WIDTH * HEIGHT) / 1e6, seconds: Math.round(attackMs) / 1000 },
    statuses: attack.reduce((m, a) => ((m[`${a.status} ${a.code ?? ''}`.trim()] = (m[`${a.status} ${a.code ?? ''}`.trim()] ?? 0) + 1), m), {}),
    attackLatencyMs: { p50: pct(attack.map((a) => a.ms), 50), max: pct(attack.map((a) => a.ms), 100) },
    server5xx: attack.filter((a) => a.status >= 500 && a.status !== 503 && a.status !== 504).length,
    rssMb: { before: Math.round(rssBefore / 1024), peakSampled: Math.round(rssPeakSampled / 1024), vmHwm: Math.round((readProcKb(pid, 'VmHWM') ?? 0) / 1024) },
    healthzMs: { n: health.length, p50: pct(health, 50), p99: pct(health, 99), max: pct(health, 100), failures: healthFailures.length },
    otherUser: { n: victimTimes.length, p50: pct(victimTimes, 50), p95: pct(victimTimes, 95), max: pct(victimTimes, 100), statuses: victimStatuses },
    processAlive: alive,
    readyzAfter: ready,
  };
  server.child.kill('SIGTERM');
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(report, null, 2));
  console.log(JSON.stringify(report, null, 2));
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
