#!/usr/bin/env node
/**
 * npm run bench — end-to-end load benchmark of the built app (issue 5).
 *
 *   npm run bench                          # levels 1,4,16,32 × 20 s each
 *   npm run bench -- --duration 30 --levels 1,16
 *   npm run bench -- --soak 30             # 16 clients for 30 min; RSS growth after warm-up
 *   npm run bench -- --explain false       # the explain=false fast path (no heat map)
 *   INFERENCE_POOL_SIZE=1 npm run bench    # any app env var is passed through (tuning)
 *   npm run bench -- --cluster 1,2,3       # through HAProxy to 1, 2, 3 replicas (scripts/bench-cluster.mjs)
 *
 * Starts `node dist/main.js` in production mode on a free port with a temp SQLite database,
 * measures cold start to /readyz, signs in when the app has accounts (seeded admin), then drives
 * real uploads (a fixed mix of brain MRI, other MRI and not-MRI from ../shared/samples and
 * ../shared/data) at each concurrency level for a fixed duration. Per level: analyses/s, latency
 * p50/p95/p99, errors by HTTP status/code, outcome mix, peak RSS of the server process, and the
 * share of the machine's compute limit used — from each model's single-thread forward time,
 * measured in this run with onnxruntime-node before the load starts. Writes JSON to artifacts/.
 *
 * The load generator runs on the same machine and takes a little CPU from the server; its
 * share is reported (client CPU %) so that figures can be read with that in mind.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { cpuTicksByThread, freePort, multipartBody, postMultipart, readProcKb } from './bench-lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = path.resolve(ROOT, '..', 'shared');

// ------------------------------------------------------------------------------------------------
// arguments
// ------------------------------------------------------------------------------------------------
function parseArgs(argv) {
  const a = { duration: 20, levels: [1, 4, 16, 32], soak: 0, warmup: 3, explain: true, out: null, forwardRuns: 40, images: 48, clientsSoak: 16 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => argv[++i];
    if (k === '--duration') a.duration = Number(v());
    else if (k === '--levels') a.levels = v().split(',').map(Number);
    else if (k === '--soak') a.soak = Number(v());
    else if (k === '--warmup') a.warmup = Number(v());
    else if (k === '--explain') a.explain = !['false', '0', 'no'].includes(String(v()));
    else if (k === '--out') a.out = v();
    else if (k === '--forward-runs') a.forwardRuns = Number(v());
    else if (k === '--images') a.images = Number(v());
    else if (k === '--allow-fake-models') a.allowFake = true;
    else if (k === '--markdown') a.markdown = v();
    else if (k === '--node-args') a.nodeArgs = v().split(' ').filter(Boolean); // e.g. "--cpu-prof --cpu-prof-dir=artifacts/prof"
    else if (k === '--help' || k === '-h') {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 20).join('\n'));
      process.exit(0);
    } else throw new Error(`unknown argument ${k}`);
  }
  if (!(a.duration > 0) || a.levels.some((n) => !(n >= 1))) throw new Error('bad --duration or --levels');
  return a;
}

// ------------------------------------------------------------------------------------------------
// the image mix
// ------------------------------------------------------------------------------------------------
/** RFC 4180-ish CSV (quoted fields with commas). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') q = false;
      else field += c;
    } else if (c === '"') q = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else if (c !== '\r') field += c;
  }
  if (field || row.length) row.push(field), rows.push(row);
  const [head, ...body] = rows;
  return body.filter((r) => r.length === head.length).map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}

/** Category of an image: brain MRI, other MRI (spine, knee, unsupported anatomy), not MRI. */
function category(r) {
  if (r.is_mri !== '1') return 'not_mri';
  return r.body_part === 'brain' ? 'brain_mri' : 'other_mri';
}

/** Fixed mix: per 8 requests, 4 brain MRI, 2 other MRI, 2 not-MRI. Deterministic picks. */
const MIX = ['brain_mri', 'not_mri', 'brain_mri', 'other_mri', 'brain_mri', 'not_mri', 'brain_mri', 'other_mri'];

function loadImages(total) {
  const byCat = { brain_mri: [], other_mri: [], not_mri: [] };
  const samplesCsv = path.join(SHARED, 'samples', 'SAMPLES.csv');
  for (const r of parseCsv(fs.readFileSync(samplesCsv, 'utf8'))) {
    byCat[category(r)].push({ file: path.join(SHARED, 'samples', r.file), source: `samples/${r.file}` });
  }
  const manifest = path.join(SHARED, 'data', 'MANIFEST.csv');
  if (fs.existsSync(manifest)) {
    const rows = parseCsv(fs.readFileSync(manifest, 'utf8'));
    // deterministic spread over sources: order by sha256, round-robin over sources per category
    const perCat = { brain_mri: Math.ceil(total / 2), other_mri: Math.ceil(total / 4), not_mri: Math.ceil(total / 4) };
    for (const cat of Object.keys(byCat)) {
      const bySource = new Map();
      for (const r of rows.filter((x) => category(x) === cat).sort((x, y) => (x.sha256 < y.sha256 ? -1 : 1))) {
        if (!bySource.has(r.source)) bySource.set(r.source, []);
        bySource.get(r.source).push(r);
      }
      const lists = [...bySource.values()];
      for (let i = 0; byCat[cat].length < perCat[cat] && lists.some((l) => l.length > i); i++) {
        for (const l of lists) if (l[i] && byCat[cat].length < perCat[cat]) byCat[cat].push({ file: path.join(SHARED, 'data', l[i].path), source: `data/${l[i].path}` });
      }
    }
  }
  const out = {};
  for (const [cat, list] of Object.entries(byCat)) {
    if (!list.length) throw new Error(`no ${cat} images found under ${SHARED}`);
    out[cat] = list.map((x) => ({ ...x, bytes: fs.readFileSync(x.file), type: x.file.endsWith('.png') ? 'image/png' : 'image/jpeg' }));
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// the server process
// ------------------------------------------------------------------------------------------------
async function startServer(env, nodeArgs = []) {
  const main = path.join(ROOT, 'dist', 'main.js');
  if (!fs.existsSync(main)) throw new Error('dist/main.js missing: run `npm run build` (npm run bench does)');
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, main], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logTail = [];
  const keep = (d) => {
    logTail.push(...String(d).split('\n').filter(Boolean));
    if (logTail.length > 200) logTail.splice(0, logTail.length - 200);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const base = `http://127.0.0.1:${env.PORT}`;
  let listening = null;
  for (;;) {
    if (exited) throw new Error(`server exited during start (${JSON.stringify(exited)}):\n${logTail.join('\n')}`);
    if (performance.now() - t0 > 120_000) throw new Error(`server not ready after 120 s:\n${logTail.join('\n')}`);
    try {
      const r = await fetch(`${base}/readyz`);
      listening ??= performance.now() - t0;
      if (r.status === 200) break;
      await r.arrayBuffer();
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const readyMs = performance.now() - t0;
  return { child, base, readyMs, listeningMs: listening, logTail, exited: () => exited };
}

// ------------------------------------------------------------------------------------------------
// signing in (when the app has accounts)
// ------------------------------------------------------------------------------------------------
function cookieJar() {
  const jar = new Map();
  return {
    take(res) {
      for (const c of res.headers.getSetCookie?.() ?? []) {
        const [kv] = c.split(';');
        const i = kv.indexOf('=');
        jar.set(kv.slice(0, i).trim(), kv.slice(i + 1).trim());
      }
    },
    header: () => [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
    get: (k) => jar.get(k),
  };
}

/**
 * Returns the headers that authenticate an analysis request, or {} when the app has no accounts
 * (anonymous analyses are then allowed). Prefers a bearer token from the token API, else a
 * browser session through the login form (cookie + CSRF token).
 */
async function signIn(base, email, password) {
  const probe = await fetch(`${base}/api/v1/analyses`, { method: 'POST' });
  await probe.arrayBuffer();
  if (probe.status !== 401 && probe.status !== 403) return { headers: {}, how: 'none (the app has no login yet)' };
  for (const p of ['/api/v1/auth/token', '/api/v1/auth/tokens', '/api/v1/tokens']) {
    const r = await fetch(`${base}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    const body = await r.json().catch(() => ({}));
    const token = body.token ?? body.accessToken ?? body.access_token;
    if (r.ok && typeof token === 'string') return { headers: { authorization: `Bearer ${token}` }, how: `bearer token (${p})` };
  }
  const jar = cookieJar();
  const page = await fetch(`${base}/login`, { redirect: 'manual' });
  jar.take(page);
  const html = await page.text();
  const csrf = html.match(/name="_csrf"\s+value="([^"]+)"/)?.[1] ?? html.match(/name="csrf-token"\s+content="([^"]+)"/)?.[1];
  const form = new URLSearchParams({ email, password, ...(csrf ? { _csrf: csrf } : {}) });
  const r = await fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, body: form });
  jar.take(r);
  await r.arrayBuffer();
  if (r.status >= 400) throw new Error(`login failed: HTTP ${r.status}`);
  const home = await fetch(`${base}/`, { headers: { cookie: jar.header() } });
  jar.take(home);
  const homeHtml = await home.text();
  const token = homeHtml.match(/name="csrf-token"\s+content="([^"]+)"/)?.[1] ?? homeHtml.match(/name="_csrf"\s+value="([^"]+)"/)?.[1];
  return { headers: { cookie: jar.header(), ...(token ? { 'x-csrf-token': token } : {}) }, how: 'session cookie (login form)' };
}

// ------------------------------------------------------------------------------------------------
// model forward times (single thread, this process, before any load)
// ------------------------------------------------------------------------------------------------
async function forwardTimes(modelsDir, runs) {
  const ort = await import('onnxruntime-node');
  const out = {};
  const dirs = fs.existsSync(modelsDir) ? fs.readdirSync(modelsDir).filter((d) => fs.existsSync(path.join(modelsDir, d, 'model_card.json'))) : [];
  for (const d of dirs.sort()) {
    const card = JSON.parse(fs.readFileSync(path.join(modelsDir, d, 'model_card.json'), 'utf8'));
    const session = await ort.InferenceSession.create(path.join(modelsDir, d, card.onnx.file), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    const s = card.input.size;
    const data = new Float32Array(3 * s * s);
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37); // deterministic, image-like range
    const feeds = { [card.input.name]: new ort.Tensor('float32', data, [1, 3, s, s]) };
    for (let i = 0; i < 5; i++) await session.run(feeds);
    const t = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await session.run(feeds);
      t.push(performance.now() - t0);
    }
    t.sort((a, b) => a - b);
    out[card.name] = { version: card.version, inputSize: s, medianMs: round(t[Math.floor(t.length / 2)], 3), minMs: round(t[0], 3), runs };
    await session.release?.();
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// load
// ------------------------------------------------------------------------------------------------
function pct(sorted, p) {
  if (!sorted.length) return null;
  return round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);
}
const round = (x, d = 1) => (x == null ? null : Math.round(x * 10 ** d) / 10 ** d);

function makePicker(images) {
  let n = 0;
  const idx = { brain_mri: 0, other_mri: 0, not_mri: 0 };
  return () => {
    const cat = MIX[n++ % MIX.length];
    const list = images[cat];
    const img = list[idx[cat]++ % list.length];
    return { cat, img };
  };
}

async function oneRequest(base, auth, pick, explain) {
  const { cat, img } = pick();
  const body = multipartBody(img, explain);
  const t0 = performance.now();
  try {
    const r = await postMultipart(`${base}/api/v1/analyses`, { accept: 'application/json', ...auth.headers }, body);
    let json = {};
    try {
      json = JSON.parse(r.text);
    } catch {
      /* not JSON: counted by status */
    }
    const ms = performance.now() - t0;
    return { ms, cat, http: r.status, status: json.status ?? null, code: json.code ?? null, models: Object.keys(json.modelVersions ?? {}), heatmap: !!json.explanation?.heatmapPng };
  } catch (err) {
    return { ms: performance.now() - t0, cat, http: 0, status: null, code: `NETWORK:${err.code ?? err.message}`, models: [] };
  }
}

/** c clients in closed loop for `seconds`; samples server RSS and CPU every 100 ms. */
async function runLevel(server, auth, pick, c, seconds, explain, fwd, onSample) {
  const pid = server.child.pid;
  const results = [];
  let peakRssKb = 0;
  const rssSamples = [];
  const sampler = setInterval(() => {
    const kb = readProcKb(pid, 'VmRSS');
    if (kb) {
      peakRssKb = Math.max(peakRssKb, kb);
      rssSamples.push({ t: performance.now(), kb });
      onSample?.(kb);
    }
  }, 100);
  const cpu0 = cpuTicksByThread(pid);
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  // responsiveness: /healthz (no DB, no models) every 100 ms while the analyses run
  const health = [];
  const prober = (async () => {
    while (performance.now() < end) {
      const h0 = performance.now();
      try {
        const r = await fetch(`${server.base}/healthz`);
        await r.arrayBuffer();
        health.push(performance.now() - h0);
      } catch {
        health.push(Infinity);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (performance.now() < end) {
        const r = await oneRequest(server.base, auth, pick, explain);
        if (performance.now() <= end || r.http) results.push(r);
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  await prober;
  health.sort((a, b) => a - b);
  const cpu1 = cpuTicksByThread(pid);
  const self = process.cpuUsage(self0);
  const ok = results.filter((r) => r.http === 200);
  const lat = ok.map((r) => r.ms).sort((a, b) => a - b);
  const errors = {};
  for (const r of results.filter((x) => x.http !== 200)) {
    const k = `${r.http}${r.code ? ` ${r.code}` : ''}`;
    errors[k] = (errors[k] ?? 0) + 1;
  }
  const outcomes = {};
  for (const r of ok) outcomes[r.status] = (outcomes[r.status] ?? 0) + 1;
  // compute actually needed: the single-thread forward time of every model each answer ran
  const modelMs = ok.reduce((s, r) => s + r.models.reduce((m, name) => m + (fwd[name]?.medianMs ?? 0), 0), 0);
  const cores = os.availableParallelism();
  const limitPerSec = ok.length ? (cores * 1000) / (modelMs / ok.length) : null;
  const throughput = ok.length / wall;
  return {
    clients: c,
    seconds: round(wall, 2),
    requests: results.length,
    ok: ok.length,
    analysesPerSec: round(throughput, 2),
    latencyMs: { p50: pct(lat, 50), p95: pct(lat, 95), p99: pct(lat, 99), max: round(lat[lat.length - 1]) },
    errors,
    errorCount: results.length - ok.length,
    outcomes,
    heatmaps: ok.filter((r) => r.heatmap).length,
    modelMsPerAnalysis: ok.length ? round(modelMs / ok.length, 2) : null,
    computeLimitPerSec: round(limitPerSec, 2),
    fractionOfComputeLimit: limitPerSec ? round(throughput / limitPerSec, 3) : null,
    peakRssMb: round(peakRssKb / 1024),
    healthzMs: { p50: pct(health, 50), p99: pct(health, 99), n: health.length },
    serverCpuPercent: cpu0 && cpu1 ? round(((cpu1.total - cpu0.total) / 100 / wall) * 100) : null,
    clientCpuPercent: round(((self.user + self.system) / 1e6 / wall) * 100),
    // CPU per analysis: unlike analyses/s, hardly moved by other processes sharing the cores
    // (ticks are 10 ms; over a level of thousands of analyses the rounding is negligible)
    serverCpuMsPerAnalysis: cpu0 && cpu1 && ok.length ? round(((cpu1.total - cpu0.total) * 10) / ok.length, 2) : null,
    serverCpuMsPerAnalysisByThread:
      cpu0 && cpu1 && ok.length
        ? {
            main: round(((cpu1.main - cpu0.main) * 10) / ok.length, 2),
            libvips: round(((cpu1.vips - cpu0.vips) * 10) / ok.length, 2),
            other: round(((cpu1.total - cpu1.main - cpu1.vips - (cpu0.total - cpu0.main - cpu0.vips)) * 10) / ok.length, 2),
          }
        : null,
    clientCpuMsPerAnalysis: ok.length ? round((self.user + self.system) / 1000 / ok.length, 2) : null,
    loadAvg1AtEnd: round(os.loadavg()[0], 2),
    rssSamples,
  };
}

// ------------------------------------------------------------------------------------------------
// main
// ------------------------------------------------------------------------------------------------
/** "15.2 (9.1 · 1.3 · 4.8)": server CPU ms per analysis, then by thread group. */
function cpuMsCell(l) {
  if (l.serverCpuMsPerAnalysis == null) return '—';
  const t = l.serverCpuMsPerAnalysisByThread;
  return t ? `${l.serverCpuMsPerAnalysis} (${t.main} · ${t.libvips} · ${t.other})` : String(l.serverCpuMsPerAnalysis);
}

/** The README table from a bench JSON file: `node scripts/bench.mjs --markdown artifacts/bench-latest.json`. */
function markdown(file) {
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  const fwd = Object.entries(r.forwardMs).map(([n, f]) => `${n} ${f.medianMs} ms`).join(', ');
  const lines = [
    `Measured ${r.when.slice(0, 16).replace('T', ' ')} UTC on ${r.machine.cores} cores (${r.machine.cpu}), ${r.machine.node}; models: ${r.modelsDir}; ` +
      `explain=${r.explain}; tuning: ${Object.entries(r.tuning).map(([k, v]) => `${k}=${v}`).join(' ') || 'defaults'}.`,
    `Single-thread forward time (median): ${fwd}. Cold start to /readyz: ${Math.round(r.coldStart.readyMs)} ms.`,
    '',
    '| clients | analyses/s | p50 ms | p95 ms | p99 ms | errors | % of compute limit | peak RSS MB | server CPU % | server CPU ms / analysis (main · libvips · other) | /healthz p99 ms |',
    '|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|',
    ...r.levels.map(
      (l) =>
        `| ${l.clients} | ${l.analysesPerSec} | ${l.latencyMs.p50} | ${l.latencyMs.p95} | ${l.latencyMs.p99} | ${Object.entries(l.errors).map(([k, v]) => `${v}× ${k}`).join(', ') || '0'} | ${round((l.fractionOfComputeLimit ?? 0) * 100)} | ${l.peakRssMb} | ${l.serverCpuPercent} | ${cpuMsCell(l)} | ${l.healthzMs?.p99 ?? '—'} |`,
    ),
  ];
  console.log(lines.join('\n'));
}

async function main() {
  if (process.argv.includes('--cluster')) {
    const { benchCluster } = await import('./bench-cluster.mjs');
    return benchCluster(process.argv.slice(2));
  }
  const args = parseArgs(process.argv.slice(2));
  if (args.markdown) return markdown(args.markdown);
  const cores = os.availableParallelism();
  let modelsDir = path.resolve(ROOT, process.env.MODELS_DIR ?? 'models');
  if (args.allowFake && !fs.existsSync(path.join(modelsDir, 'triage', 'model_card.json'))) {
    // smoke runs (CI) before trained models exist: the tool is exercised, the figures mean nothing
    modelsDir = path.join(ROOT, 'test', 'fixtures', 'fake-models');
    console.log(`NOTE: no trained models in models/; using the FAKE test models (${modelsDir}) — figures are not meaningful`);
  }
  const images = loadImages(args.images);
  const pick = makePicker(images);

  console.log(`MRI Sentinel bench — ${new Date().toISOString()} — ${cores} cores, ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
  console.log(`images: ${Object.entries(images).map(([k, v]) => `${k} ${v.length}`).join(', ')}; mix per 8 requests: 4 brain MRI, 2 other MRI, 2 not-MRI; explain=${args.explain}`);

  console.log('measuring single-thread forward time of each model (onnxruntime-node, idle machine)…');
  const fwd = await forwardTimes(modelsDir, args.forwardRuns);
  if (!Object.keys(fwd).length) throw new Error(`no models in ${modelsDir}`);
  for (const [n, f] of Object.entries(fwd)) console.log(`  ${n}@${f.version}: ${f.medianMs} ms median (min ${f.minMs}) at ${f.inputSize}px`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-bench-'));
  const email = 'bench-admin@example.org';
  const password = `bench-${createHash('sha256').update(tmp).digest('hex').slice(0, 20)}`;
  const port = await freePort();
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: `file:${path.join(tmp, 'bench.db')}`,
    MODELS_DIR: modelsDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    // as `npm start` sets it: glibc's per-thread malloc arenas held ~110 MB more RSS at 16 clients
    MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
    SESSION_SECRET: process.env.SESSION_SECRET ?? createHash('sha256').update(`bench${tmp}`).digest('hex'),
    SEED_ADMIN_EMAIL: email,
    SEED_ADMIN_PASSWORD: password,
    SEED_ADMIN_PRINT: 'false',
    // the bench measures the engine, not the per-user limits
    RATE_LIMIT_ANALYSES_PER_MINUTE: process.env.RATE_LIMIT_ANALYSES_PER_MINUTE ?? '1000000',
    RATE_LIMIT_REQUESTS_PER_MINUTE: process.env.RATE_LIMIT_REQUESTS_PER_MINUTE ?? '1000000',
  };
  const tuning = Object.fromEntries(Object.entries(env).filter(([k]) => /^(INFERENCE_|SHARP_|VIPS_|UV_THREADPOOL|ANALYSIS_TIMEOUT|ORT_|MALLOC_)/.test(k)));

  const server = await startServer(env, args.nodeArgs);
  console.log(`cold start: listening after ${round(server.listeningMs)} ms, /readyz 200 after ${round(server.readyMs)} ms`);
  const report = {
    when: new Date().toISOString(),
    machine: { cores, cpu: os.cpus()[0]?.model, memGb: round(os.totalmem() / 2 ** 30), node: process.version, loadAvgAtStart: os.loadavg() },
    tuning,
    modelsDir: path.relative(ROOT, modelsDir),
    explain: args.explain,
    mix: { perEight: { brain_mri: 4, other_mri: 2, not_mri: 2 }, images: Object.fromEntries(Object.entries(images).map(([k, v]) => [k, v.map((x) => x.source)])) },
    forwardMs: fwd,
    coldStart: { listeningMs: round(server.listeningMs), readyMs: round(server.readyMs) },
    levels: [],
    soak: null,
  };
  try {
    const auth = await signIn(server.base, email, password);
    report.auth = auth.how;
    console.log(`sign-in: ${auth.how}`);

    // warm-up: JIT, sharp and onnxruntime first-run costs out of the measured levels
    await runLevel(server, auth, pick, 2, args.warmup, args.explain, fwd);

    if (args.soak > 0) {
      report.soak = await soak(server, auth, pick, args, fwd);
    } else {
      console.log('\nclients | analyses/s | p50 ms | p95 ms | p99 ms | errors | % of compute limit | peak RSS MB | server CPU % | CPU ms/analysis (main · libvips · other) | /healthz p99 ms');
      for (const c of args.levels) {
        const r = await runLevel(server, auth, pick, c, args.duration, args.explain, fwd);
        const { rssSamples, ...level } = r;
        report.levels.push(level);
        const errs = Object.entries(r.errors).map(([k, v]) => `${v}×${k}`).join(' ') || '0';
        console.log(
          `${String(c).padStart(7)} | ${String(r.analysesPerSec).padStart(10)} | ${String(r.latencyMs.p50).padStart(6)} | ${String(r.latencyMs.p95).padStart(6)} | ${String(r.latencyMs.p99).padStart(6)} | ${errs.padStart(6)} | ${String(round((r.fractionOfComputeLimit ?? 0) * 100)).padStart(18)} | ${String(r.peakRssMb).padStart(11)} | ${String(r.serverCpuPercent).padStart(12)} | ${cpuMsCell(r).padStart(41)} | ${r.healthzMs.p99}`,
        );
      }
      console.log(`\nCPU ms/analysis: the server process's utime+stime over the level ÷ answered analyses (load generator: ${report.levels.map((l) => l.clientCpuMsPerAnalysis).join(' / ')} ms)`);
      console.log(`compute limit = ${cores} cores ÷ summed single-thread forward time of the models each answer ran (mean ${report.levels[0]?.modelMsPerAnalysis} ms)`);
    }
    report.peakRssMbLifetime = round((readProcKb(server.child.pid, 'VmHWM') ?? 0) / 1024);
    const ready = await fetch(`${server.base}/readyz`);
    report.readyAfter = ready.status;
    await ready.arrayBuffer();
    console.log(`server peak RSS over the whole run (VmHWM): ${report.peakRssMbLifetime} MB; /readyz after: ${ready.status}`);
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => (server.exited() ? r() : server.child.once('exit', r)));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const outDir = path.join(ROOT, 'artifacts');
  fs.mkdirSync(outDir, { recursive: true });
  const file = args.out ?? path.join(outDir, `bench-${args.soak ? 'soak-' : ''}${report.when.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(report, null, 2));
  if (!args.out) fs.writeFileSync(path.join(outDir, `bench-${args.soak ? 'soak-' : ''}latest.json`), JSON.stringify(report, null, 2));
  console.log(`wrote ${path.relative(ROOT, file)}`);
}

/** 16 clients for MIN minutes; RSS every 100 ms, per-minute summary; growth after warm-up. */
async function soak(server, auth, pick, args, fwd) {
  const minutes = args.soak;
  const warmupMin = Math.min(2, Math.max(0.5, minutes / 5));
  console.log(`soak: ${args.clientsSoak} clients for ${minutes} min (warm-up ${warmupMin} min)`);
  const perMinute = [];
  for (let m = 0; m < Math.ceil(minutes); m++) {
    const secs = Math.min(60, (minutes - m) * 60);
    const r = await runLevel(server, auth, pick, args.clientsSoak, secs, args.explain, fwd);
    const kbs = r.rssSamples.map((s) => s.kb);
    const meanRss = kbs.reduce((a, b) => a + b, 0) / Math.max(1, kbs.length) / 1024;
    perMinute.push({ minute: m + 1, analysesPerSec: r.analysesPerSec, p99: r.latencyMs.p99, errors: r.errorCount, meanRssMb: round(meanRss), peakRssMb: r.peakRssMb });
    console.log(`  min ${m + 1}: ${r.analysesPerSec}/s p99 ${r.latencyMs.p99} ms errors ${r.errorCount} RSS mean ${round(meanRss)} MB peak ${r.peakRssMb} MB`);
  }
  const warmIdx = Math.max(0, Math.ceil(warmupMin) - 1);
  const base = perMinute[warmIdx]?.meanRssMb;
  const last = perMinute[perMinute.length - 1]?.meanRssMb;
  const growth = base ? (last - base) / base : null;
  console.log(`soak: RSS after warm-up ${base} MB → end ${last} MB: growth ${round((growth ?? 0) * 100)} % (target ≤ 10 %)`);
  return { minutes, clients: args.clientsSoak, warmupMin, perMinute, rssAfterWarmupMb: base, rssEndMb: last, growth: round(growth, 4) };
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
