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
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dicomSlice, newUid, syntheticSlice } from '../test/support/study-fixtures';
import { freePort } from '../test/support/built-app';
import { bigHeader, deflatedDicom as deflated } from '../test/support/big-header-fixtures';

const ROOT = path.resolve(__dirname, '..');
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const MAINS = (args.get('mains') ?? 'dist/main.js').split(',').map((m) => path.resolve(ROOT, m));
const LEVELS = (args.get('levels') ?? '1,4,8').split(',').map(Number);
const ROUNDS = Number(args.get('rounds') ?? 3);
const FILES = Number(args.get('files') ?? 4);
const ITEMS = Number(args.get('items') ?? 100_000);
const DEFLATE = args.get('deflate') === '1';
const ADMIN = { email: 'stall@example.org', password: 'stall-measure-password-1' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function study(): Buffer[] {
  const seriesUid = newUid();
  const transferSyntax = DEFLATE ? '1.2.840.10008.1.2.1.99' : undefined;
  return Array.from({ length: FILES }, (_, k) => {
    const file = bigHeader(dicomSlice(syntheticSlice(64, 64, (x, y) => (x * 3 + y * 5 + k * 11) % 251), { seriesUid, z: k * 5, instanceNumber: k + 1, transferSyntax }), ITEMS);
    return DEFLATE ? deflated(file) : file;
  });
}

function body(files: Buffer[], boundary: string): Buffer {
  const parts: Buffer[] = [];
  files.forEach((f, i) => {
    parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="files"; filename="IM${i}.dcm"\r\ncontent-type: application/dicom\r\n\r\n`), f, Buffer.from('\r\n'));
  });
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(parts);
}

interface Server {
  main: string;
  child: ChildProcess;
  port: number;
  token: string;
  log: string;
}

async function start(main: string): Promise<Server> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'header-stall-'));
  const port = await freePort();
  const child = spawn(process.execPath, [main], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: `file:${path.join(dir, 'db.sqlite')}`,
      MODELS_DIR: path.join(ROOT, 'test/fixtures/fake-models'),
      SESSION_SECRET: 's'.repeat(40),
      SEED_ADMIN_EMAIL: ADMIN.email,
      SEED_ADMIN_PASSWORD: ADMIN.password,
      SEED_ADMIN_PRINT: 'false',
      RATE_LIMIT_ANALYSES_PER_MINUTE: '1000000',
      RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000',
      STUDY_CONCURRENCY: String(Math.max(...LEVELS)),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const s: Server = { main, child, port, token: '', log: '' };
  child.stdout?.on('data', (d) => (s.log = (s.log + String(d)).slice(-4000)));
  child.stderr?.on('data', (d) => (s.log = (s.log + String(d)).slice(-4000)));
  process.once('exit', () => child.kill('SIGKILL'));
  for (let i = 0; i < 900; i++) {
    if (child.exitCode !== null) throw new Error(`${main} ended at start:\n${s.log}`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) {
      const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
      s.token = ((await login.json()) as { token: string }).token;
      return s;
    }
    await sleep(100);
  }
  throw new Error(`${main} not ready in 90 s`);
}

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

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] : NaN;
};

async function round(s: Server, n: number, uploads: Buffer[], boundary: string) {
  const p = probe(s.port);
  await sleep(300); // a few idle probes first
  const t0 = performance.now();
  const answers = await Promise.all(
    uploads.slice(0, n).map((b) =>
      fetch(`http://127.0.0.1:${s.port}/api/v1/studies`, { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': `multipart/form-data; boundary=${boundary}` }, body: b }).then(
        async (r) => `${r.status} ${((await r.json()) as { code?: string; status?: string }).code ?? ''}`.trim(),
        (e: unknown) => `error ${String(e)}`,
      ),
    ),
  );
  const ms = performance.now() - t0;
  await sleep(300);
  const lat = await p.stop();
  return { ms, lat, answers };
}

async function main(): Promise<void> {
  const boundary = 'header-stall-boundary';
  const maxN = Math.max(...LEVELS);
  const t = performance.now();
  const uploads = Array.from({ length: maxN }, () => body(study(), boundary));
  console.log(`${maxN} studies of ${FILES} files × ${ITEMS} private items built in ${((performance.now() - t) / 1000).toFixed(1)} s (${(uploads[0].length / 1e6).toFixed(1)} MB each)`);
  const servers: Server[] = [];
  for (const m of MAINS) servers.push(await start(m));
  const all = new Map<string, { lat: number[]; ms: number[]; answers: Set<string> }>();
  for (let r = 0; r < ROUNDS; r++) {
    for (const n of LEVELS) {
      // alternate the order of the servers each round: neither always goes first on a warm box
      const order = r % 2 ? [...servers].reverse() : servers;
      for (const s of order) {
        const res = await round(s, n, uploads, boundary);
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
