#!/usr/bin/env node
/**
 * npm run bench -- --cluster 1,2,3 [--clients 16] [--duration 20] [--warmup 3]
 *
 * The same uploads as `npm run bench` (brain MRI, other MRI and not-MRI from ../shared/samples,
 * heat maps on), sent through HAProxy to a cluster of 1, then 2, then 3 replicas (PostgreSQL +
 * Redis, scripts/cluster/lib.mjs), one fresh cluster per replica count, closed-loop clients for a
 * fixed time. Per count: analyses/s, latency percentiles, errors, peak RSS per replica, CPU ms per
 * analysis of the replicas and of HAProxy. Replicas take their other settings from the
 * environment (INFERENCE_WORKERS…). JSON → artifacts/bench-cluster-<time>.json.
 * On a machine with few cores the replicas share them: the figures measure that honestly.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { cpuTicks, multipartBody, postMultipart, readProcKb } from './bench-lib.mjs';
import { ROOT, startCluster } from './cluster/lib.mjs';
import { benchOptions } from './bench-args.mjs';

const SHARED = path.resolve(ROOT, '..', 'shared');

const USAGE = `Usage: npm run bench -- --cluster N,N,… [options]
  --cluster N,N,…        replicas of each run, whole numbers 1 to 8 (default 1,2,3), one fresh cluster each
  --clients N            closed-loop clients, 1 to 256 (default 16)
  --duration S           measured seconds per run, a whole number 1 to 3600 (default 20)
  --warmup S             warm-up seconds per run, 0 to 600 (default 3)
  --explain true|false   heat maps (default true)
Exit 2: a bad option, said before PostgreSQL, Redis or any replica starts.`;

const OPTIONS = { cluster: { type: 'string' }, clients: { type: 'string' }, duration: { type: 'string' }, warmup: { type: 'string' }, explain: { type: 'string' } };

export async function benchCluster(argv) {
  const a = benchOptions(argv, OPTIONS, USAGE, (v, p) => ({
    counts: p.integerList('cluster', v.cluster, { min: 1, max: 8 }) ?? [1, 2, 3],
    clients: p.integer('clients', v.clients, { min: 1, max: 256 }) ?? 16,
    duration: p.integer('duration', v.duration, { min: 1, max: 3600 }) ?? 20,
    warmup: p.integer('warmup', v.warmup, { min: 0, max: 600 }) ?? 3,
    explain: p.boolean('explain', v.explain) ?? true,
  }));

  const images = fs
    .readFileSync(path.join(SHARED, 'samples', 'SAMPLES.csv'), 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.split(',')[0])
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .map((f) => ({ file: path.join(SHARED, 'samples', f), bytes: fs.readFileSync(path.join(SHARED, 'samples', f)), type: /png$/i.test(f) ? 'image/png' : 'image/jpeg' }));
  if (!images.length) throw new Error('no images in ../shared/samples');

  const report = { when: new Date().toISOString(), machine: { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model, node: process.version }, clients: a.clients, duration: a.duration, explain: a.explain, images: images.length, tuning: pickTuning(), runs: [] };
  for (const n of a.counts) {
    const cluster = await startCluster({ replicas: n, env: { RATE_LIMIT_ANALYSES_PER_MINUTE: '1000000', RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000', LOG_LEVEL: 'error' }, log: (m) => console.log(`  [${n}] ${m}`) });
    try {
      const r = await fetch(`${cluster.url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: cluster.env.SEED_ADMIN_EMAIL, password: cluster.env.SEED_ADMIN_PASSWORD }) });
      const auth = { authorization: `Bearer ${(await r.json()).token}` };
      await load(cluster.url, auth, images, a.clients, a.warmup, a.explain); // warm-up, not counted
      const pids = cluster.replicas.map((x) => x.pid);
      const cpu0 = pids.map(cpuTicks);
      const t0 = performance.now();
      const res = await load(cluster.url, auth, images, a.clients, a.duration, a.explain);
      const wall = (performance.now() - t0) / 1000;
      const cpu1 = pids.map(cpuTicks);
      const ok = res.filter((x) => x.status === 200);
      const lat = ok.map((x) => x.ms).sort((x, y) => x - y);
      const errors = {};
      for (const x of res.filter((y) => y.status !== 200)) errors[x.status] = (errors[x.status] ?? 0) + 1;
      const served = {};
      for (const x of ok) served[x.by] = (served[x.by] ?? 0) + 1;
      const run = {
        replicas: n,
        analysesPerSec: round(ok.length / wall, 1),
        latencyMs: { p50: pct(lat, 50), p95: pct(lat, 95), p99: pct(lat, 99) },
        errors,
        servedBy: served,
        peakRssMbPerReplica: pids.map((p) => round((readProcKb(p, 'VmHWM') ?? 0) / 1024)),
        replicaCpuMsPerAnalysis: ok.length ? round((cpu1.reduce((s, c, i) => s + (c - cpu0[i]), 0) * 10) / ok.length, 2) : null,
        loadAvg1AtEnd: round(os.loadavg()[0], 2),
      };
      report.runs.push(run);
      console.log(`${n} replica(s): ${run.analysesPerSec} analyses/s, p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms, errors ${JSON.stringify(errors)}, ` + `RSS ${run.peakRssMbPerReplica.join('/')} MB, replica CPU ${run.replicaCpuMsPerAnalysis} ms/analysis, served ${JSON.stringify(served)}`);
    } finally {
      await cluster.stop();
    }
  }
  fs.mkdirSync(path.join(ROOT, 'artifacts'), { recursive: true });
  const out = path.join(ROOT, 'artifacts', `bench-cluster-${report.when.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(out, JSON.stringify(report, null, 2));
  console.log(`\n| replicas | analyses/s | p50 ms | p95 ms | p99 ms | errors | peak RSS MB per replica | replica CPU ms / analysis |\n|---:|---:|---:|---:|---:|---|---|---:|`);
  for (const r of report.runs) console.log(`| ${r.replicas} | ${r.analysesPerSec} | ${r.latencyMs.p50} | ${r.latencyMs.p95} | ${r.latencyMs.p99} | ${Object.keys(r.errors).length ? JSON.stringify(r.errors) : 0} | ${r.peakRssMbPerReplica.join(' / ')} | ${r.replicaCpuMsPerAnalysis} |`);
  console.log(`\n→ ${out}`);
}

function pickTuning() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(INFERENCE_|MALLOC_|UV_)/.test(k)));
}

async function load(base, auth, images, clients, seconds, explain) {
  const out = [];
  const end = performance.now() + seconds * 1000;
  let next = 0;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < end) {
      const img = images[next++ % images.length];
      const t0 = performance.now();
      try {
        const r = await postMultipart(`${base}/api/v1/analyses`, { accept: 'application/json', ...auth }, multipartBody(img, explain));
        out.push({ status: r.status, ms: performance.now() - t0, by: r.headers?.['x-served-by'] ?? '?' });
      } catch {
        out.push({ status: 0, ms: performance.now() - t0 });
      }
    }
  }));
  return out;
}

function pct(sorted, p) {
  return sorted.length ? round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)], 1) : null;
}
function round(x, d = 0) {
  return x == null ? null : Math.round(x * 10 ** d) / 10 ** d;
}
