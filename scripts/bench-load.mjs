/** npm run bench: one concurrency level of real uploads against the running server (bench.mjs). */
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { cpuTicksByThread, multipartBody, postMultipart, readProcKb, round } from './bench-lib.mjs';
import { MIX } from './bench-setup.mjs';

// ------------------------------------------------------------------------------------------------
// load
// ------------------------------------------------------------------------------------------------
export function pct(sorted, p) {
  if (!sorted.length) return null;
  return round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);
}

export function makePicker(images) {
  let n = 0;
  const idx = { brain_mri: 0, other_mri: 0, not_mri: 0 };
  return () => {
    const cat = MIX[n++ % MIX.length];
    const list = images[cat];
    const img = list[idx[cat]++ % list.length];
    return { cat, img };
  };
}

export async function oneRequest(base, auth, pick, explain) {
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
export async function runLevel(server, auth, pick, c, seconds, explain, fwd, onSample) {
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
