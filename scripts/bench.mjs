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
 *   npm run bench -- --help                # every option and its range (a bad one: exit 2 before anything starts)
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
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, readProcKb, round } from './bench-lib.mjs';
import { ROOT, loadImages, startServer, signIn, forwardTimes } from './bench-setup.mjs';
import { makePicker, runLevel } from './bench-load.mjs';
import { benchOptions } from './bench-args.mjs';


// ------------------------------------------------------------------------------------------------
// arguments
// ------------------------------------------------------------------------------------------------
const USAGE = `Usage: npm run bench [-- options]   (or node scripts/bench.mjs after \`npm run build\`)
  --levels N,N,…         clients at each level, whole numbers 1 to 256 (default 1,4,16,32)
  --duration S           seconds per level, a whole number 1 to 3600 (default 20)
  --warmup S             warm-up seconds before the first level, 0 to 600 (default 3)
  --soak MIN             instead of the levels, 16 clients for MIN minutes: 0 to 1440, a fraction
                         such as 0.5 allowed (default 0: no soak)
  --explain true|false   heat maps (default true)
  --images N             images in the mix, 1 to 10000 (default 48)
  --forward-runs N       timed single-thread forward runs per model, 1 to 10000 (default 40)
  --out FILE             the JSON report (default artifacts/bench-<time>.json and bench-latest.json)
  --markdown FILE        print the README table of a bench JSON report, and nothing else
  --node-args="…"        the server's node flags, e.g. --node-args="--cpu-prof --cpu-prof-dir=artifacts/prof"
  --allow-fake-models    the test models when models/ has none (smoke runs: the figures mean nothing)
  --cluster N,N,…        through HAProxy to N replicas instead (npm run bench -- --cluster 1 --help)
Any app variable in the environment (INFERENCE_POOL_SIZE=1 …) is passed to the server.
Exit 2: a bad option, said before anything starts.`;

const OPTIONS = {
  levels: { type: 'string' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  soak: { type: 'string' },
  explain: { type: 'string' },
  images: { type: 'string' },
  'forward-runs': { type: 'string' },
  out: { type: 'string' },
  markdown: { type: 'string' },
  'node-args': { type: 'string' },
  'allow-fake-models': { type: 'boolean' },
};

function parseArgs(argv) {
  return benchOptions(argv, OPTIONS, USAGE, (v, p) => ({
    levels: p.integerList('levels', v.levels, { min: 1, max: 256 }) ?? [1, 4, 16, 32],
    duration: p.integer('duration', v.duration, { min: 1, max: 3600 }) ?? 20,
    warmup: p.integer('warmup', v.warmup, { min: 0, max: 600 }) ?? 3,
    soak: p.decimal('soak', v.soak, { min: 0, max: 1440 }) ?? 0,
    explain: p.boolean('explain', v.explain) ?? true,
    images: p.integer('images', v.images, { min: 1, max: 10_000 }) ?? 48,
    forwardRuns: p.integer('forward-runs', v['forward-runs'], { min: 1, max: 10_000 }) ?? 40,
    out: v.out ?? null,
    markdown: v.markdown,
    nodeArgs: v['node-args']?.split(' ').filter(Boolean),
    allowFake: v['allow-fake-models'] ?? false,
    clientsSoak: 16,
  }));
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
  if (process.argv.slice(2).some((a) => a === '--cluster' || a.startsWith('--cluster='))) {
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
