/**
 * How long DICOM header parsing holds the event loop of the built server: dicom-parser reads a
 * header in one synchronous call on the main thread (dicom.ts parseDicomHeader), ~0.24 s for a
 * file at the per-file cap (MAX_HEADER_ENTRIES_PER_FILE, 204,800 entries). Each server given
 * (dist/main.js, started as test/support/built-app.ts starts it: temp SQLite, fake models) gets N
 * concurrent POST /api/v1/studies of big-header studies, for each N of --levels, while /healthz
 * is probed every 100 ms from a process of its own (this one builds and sends the uploads).
 * Several servers (--mains, e.g. main's build and a branch's) are measured in one run, their
 * rounds interleaved, so they see the same box and the same load. Not a test (timings are never
 * asserted): run by hand after `npm run build`,
 *   node -r ts-node/register/transpile-only scripts/measure-header-stall.ts
 *        [--mains dist/main.js,/other/dist/main.js] [--levels 1,4,8] [--rounds 3] [--files 4] [--items 100000] [--deflate 1]
 * Each study: --files slices (64², one series), each with a private sequence of --items items
 * of one element (2 entries an item: 100,000 → ~200,000 entries, just under the per-file cap;
 * 4 such files spend the default 400-slice study's 819,200). STUDY_CONCURRENCY is set to the
 * highest level so that no study waits in the service's own queue. `--deflate 1`: every file in Deflated
 * Explicit VR Little Endian (the dataset after the meta group deflated), inflated by the server before its header is read.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { bigHeaderStudy, cliArgs, multipart, postStudy, quantile as q, ROOT, Server, sleep, startServer } from './header-bench-lib';

const args = cliArgs();
const MAINS = (args.get('mains') ?? 'dist/main.js').split(',').map((m) => path.resolve(ROOT, m));
const LEVELS = (args.get('levels') ?? '1,4,8').split(',').map(Number);
const ROUNDS = Number(args.get('rounds') ?? 3);
const FILES = Number(args.get('files') ?? 4);
const ITEMS = Number(args.get('items') ?? 100_000);
const DEFLATE = args.get('deflate') === '1';

/** /healthz every 100 ms from a child process; stop() gives the latencies (ms) seen meanwhile. */
function probe(port: number): { stop: () => Promise<number[]> } {
  const script = `const http = require('node:http'); let stop = false; process.on('message', () => (stop = true));
    (async () => { while (!stop) { const t0 = performance.now();
      await new Promise((r) => { const q = http.get({ host: '127.0.0.1', port: ${port}, path: '/healthz', timeout: 20000 }, (s) => s.resume().on('end', r)); q.on('error', r); q.on('timeout', () => q.destroy()); });
      process.send(performance.now() - t0); await new Promise((r) => setTimeout(r, 100)); } process.disconnect(); })();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const seen: number[] = [];
  child.on('message', (ms: number) => seen.push(ms));
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve(seen));
        child.send('stop');
      }),
  };
}

async function round(s: Server, n: number, uploads: Buffer[]) {
  const p = probe(s.port);
  await sleep(300); // a few idle probes first
  const t0 = performance.now();
  const answers = (await Promise.all(uploads.slice(0, n).map((b) => postStudy(s, b)))).map((a) => a.answer);
  const ms = performance.now() - t0;
  await sleep(300);
  const lat = await p.stop();
  return { ms, lat, answers };
}

async function main(): Promise<void> {
  const maxN = Math.max(...LEVELS);
  const t = performance.now();
  const uploads = Array.from({ length: maxN }, () => multipart(bigHeaderStudy(FILES, ITEMS, DEFLATE)));
  console.log(`${maxN} studies of ${FILES} files × ${ITEMS} private items built in ${((performance.now() - t) / 1000).toFixed(1)} s (${(uploads[0].length / 1e6).toFixed(1)} MB each)`);
  const servers: Server[] = [];
  // every level's studies at once, none waiting in the service's own queue
  for (const m of MAINS) servers.push(await startServer(m, { STUDY_CONCURRENCY: String(maxN) }));
  const all = new Map<string, { lat: number[]; ms: number[]; answers: Set<string> }>();
  for (let r = 0; r < ROUNDS; r++) {
    for (const n of LEVELS) {
      // alternate the order of the servers each round: neither always goes first on a warm box
      const order = r % 2 ? [...servers].reverse() : servers;
      for (const s of order) {
        const res = await round(s, n, uploads);
        const key = `${s.main}\t${n}`;
        const e = all.get(key) ?? { lat: [], ms: [], answers: new Set<string>() };
        e.lat.push(...res.lat);
        e.ms.push(res.ms);
        res.answers.forEach((a) => e.answers.add(a));
        all.set(key, e);
        console.log(`round ${r + 1} N=${n} ${s.main}: /healthz max ${Math.round(Math.max(...res.lat))} ms p99 ${Math.round(q(res.lat, 0.99))} ms (${res.lat.length} probes); studies answered in ${Math.round(res.ms)} ms: ${res.answers.join(', ')}`);
      }
    }
  }
  console.log('\nsummary (all rounds pooled): server, N, /healthz max, p99, p50 ms, probes, study wall ms (median), answers');
  for (const [key, e] of all) {
    const [main, n] = key.split('\t');
    console.log(`${main}\tN=${n}\tmax ${Math.round(Math.max(...e.lat))}\tp99 ${Math.round(q(e.lat, 0.99))}\tp50 ${Math.round(q(e.lat, 0.5))}\t${e.lat.length}\t${Math.round(q(e.ms, 0.5))}\t${[...e.answers].join(', ')}`);
  }
  for (const s of servers) s.child.kill('SIGTERM');
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
