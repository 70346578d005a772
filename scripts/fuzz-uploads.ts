/**
 * Upload fuzzer: valid images and studies built in code (scripts/fuzz/seeds.ts), mutated
 * (scripts/fuzz/mutators.ts) and posted to the production build (dist/main.js, started here on a
 * free loopback port with a temp SQLite file, the real models and a seeded admin), while
 * /healthz is probed every 100 ms and the server's RSS sampled every second. Not a test (slow,
 * random): run by hand after `npm run build`:
 *
 *   node -r ts-node/register/transpile-only scripts/fuzz-uploads.ts [--seed 1] [--budget 600]
 *        [--concurrency 2] [--only CASE] [--rounds 1] [--kinds image,study,multipart,burst,studyburst] [--models DIR]
 *
 * Case i of a seed and --kinds list is always the same bytes (`--only i` with both replays it). What counts as a finding:
 * a 5xx other than 503/504; a connection reset or no answer within the deadline; the process
 * gone; a /healthz answer slower than 1 s (the cases in flight are named); a 200 `completed`
 * answer for input that is not an image at all. Findings, per-kind status counts, the health
 * probe's maximum and RSS go to artifacts/fuzz-SEED.json (artifacts/ is ignored), each finding's
 * upload to artifacts/fuzz-SEED/case-N-*.bin for a reproduction.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Auth, Case, codeOf, Kind } from './fuzz/cases';
import { CaseBuilder } from './fuzz/case-builder';
import { Answer, send } from './fuzz/multipart';
import { freePort } from '../test/support/built-app';

const ROOT = path.resolve(__dirname, '..');
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const SEED = Number(args.get('seed') ?? 1);
const BUDGET = Number(args.get('budget') ?? 600);
const CONCURRENCY = Number(args.get('concurrency') ?? 2);
const ONLY = args.has('only') ? Number(args.get('only')) : undefined;
/** the same cases again this many times on the same server: RSS at the end of each round shows growth */
const ROUNDS = Number(args.get('rounds') ?? 1);
const KINDS = (args.get('kinds') ?? 'image,study,multipart,burst').split(',') as Kind[];
const MODELS = path.resolve(ROOT, args.get('models') ?? 'models');
const OUT = path.join(ROOT, 'artifacts', `fuzz-${SEED}`);
const ADMIN = { email: 'fuzz@example.org', password: 'fuzzing is not a password' };
/** ANALYSIS_TIMEOUT_MS / STUDY_TIMEOUT_MS defaults plus slack: an answer later than this is a finding. */
const SLOW_MS = { image: 15_000, study: 70_000 };

interface Finding {
  id: number;
  kind: string;
  desc: string;
  what: string;
  status?: number;
  code?: string;
  ms?: number;
  body?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Server {
  child: ChildProcess;
  port: number;
  log: string[];
  exited?: string;
}

async function startServer(): Promise<Server> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-fuzz-'));
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/main.js')], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      MALLOC_ARENA_MAX: '2',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: `file:${path.join(dir, 'db.sqlite')}`,
      MODELS_DIR: MODELS,
      SESSION_SECRET: 'f'.repeat(40),
      SEED_ADMIN_EMAIL: ADMIN.email,
      SEED_ADMIN_PASSWORD: ADMIN.password,
      SEED_ADMIN_PRINT: 'false',
      RATE_LIMIT_ANALYSES_PER_MINUTE: '1000000',
      RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const s: Server = { child, port, log: [] };
  const keep = (d: Buffer) => {
    s.log.push(String(d));
    if (s.log.length > 400) s.log.splice(0, 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', (code, signal) => (s.exited = `exit code ${code} signal ${signal}`));
  process.once('exit', () => child.kill('SIGKILL')); // a harness that fails leaves no server behind
  for (let i = 0; i < 900; i++) {
    if (s.exited) throw new Error(`server ended at start: ${s.exited}\n${s.log.join('')}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return s;
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  throw new Error('server not ready in 90 s');
}

const cookiesOf = (r: Response) => r.headers.getSetCookie().map((c) => c.split(';')[0]);

async function login(port: number): Promise<Auth> {
  const base = `http://127.0.0.1:${port}`;
  const r = await fetch(`${base}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  const bearer = ((await r.json()) as { token: string }).token;
  const page = await fetch(`${base}/login`, { headers: { accept: 'text/html' } });
  const anon = cookiesOf(page);
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const form = new URLSearchParams({ _csrf: token, email: ADMIN.email, password: ADMIN.password, next: '/' });
  const done = await fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { cookie: anon.join('; '), 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: form });
  const jar = new Map([...anon, ...cookiesOf(done)].map((c) => [c.split('=')[0], c] as const));
  const cookie = [...jar.values()].join('; ');
  const home = await fetch(`${base}/`, { headers: { cookie, accept: 'text/html' } });
  for (const c of cookiesOf(home)) jar.set(c.split('=')[0], c);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await home.text())?.[1] ?? /name="csrf-token" content="([^"]+)"/.exec('')?.[1] ?? '';
  return { bearer, cookie: [...jar.values()].join('; '), csrf };
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function main(): Promise<void> {
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  // cases are built in a thread of their own (case-builder.ts says why)
  const builder = new CaseBuilder(SEED, KINDS);
  await builder.ready;
  let server = await startServer();
  let auth = await login(server.port);
  console.log(`server pid ${server.child.pid} on ${server.port}; seed ${SEED}, budget ${BUDGET}, concurrency ${CONCURRENCY}`);
  const findings: Finding[] = [];
  const counts: Record<string, Record<string, number>> = {};
  const inFlight = new Set<string>();
  let healthMax = 0;
  let healthSlow = 0;
  const rss: number[] = [];
  let stop = false;
  const note = (c: Case, what: string, a?: Answer) => {
    const f: Finding = { id: c.id, kind: c.kind, desc: c.desc, what, status: a?.status, code: a ? codeOf(a.body) : undefined, ms: a ? Math.round(a.ms) : undefined, body: a?.body.slice(0, 300) };
    findings.push(f);
    fs.writeFileSync(path.join(OUT, `case-${c.id}-${c.kind}.bin`), c.body);
    console.log(`FINDING #${c.id} ${what}: ${c.desc} → ${a?.status} ${f.code ?? ''} ${f.ms ?? ''} ms ${a?.error ?? ''}`);
  };
  // /healthz is probed from a process of its own: building a mutated case (a 110 MB bomb) blocks
  // this one, and must not read as the server's stall
  const probeScript = (port: number) => `const http = require('node:http'); let stop = false; process.on('message', () => (stop = true));
    (async () => { while (!stop) { const t0 = performance.now();
      await new Promise((r) => { const q = http.get({ host: '127.0.0.1', port: ${port}, path: '/healthz', timeout: 10000 }, (s) => s.resume().on('end', r)); q.on('error', r); q.on('timeout', () => q.destroy()); });
      process.send(performance.now() - t0); await new Promise((r) => setTimeout(r, 100)); } process.disconnect(); })();`;
  const startProbe = () => {
    const child = spawn(process.execPath, ['-e', probeScript(server.port)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('message', (ms: number) => {
      healthMax = Math.max(healthMax, ms);
      if (ms > 1000) {
        healthSlow++;
        console.log(`healthz ${Math.round(ms)} ms; in flight: ${[...inFlight].join(' | ')}`);
      }
    });
    return child;
  };
  let probe = startProbe();
  const sampler = setInterval(() => rss.push(rssMb(server.child.pid!)), 1000);

  const once = ONLY !== undefined ? [ONLY] : Array.from({ length: BUDGET }, (_, i) => i);
  const ids = Array.from({ length: ROUNDS }, () => once).flat();
  const roundRss: number[] = [];
  let next = 0;
  let sent = 0;
  const run = async (c: Case) => {
    const label = `#${c.id} ${c.desc}`;
    inFlight.add(label);
    const deadline = c.path === '/api/v1/studies' ? SLOW_MS.study + 30_000 : SLOW_MS.image + 30_000;
    if (ONLY !== undefined) fs.writeFileSync(path.join(OUT, `case-${c.id}-${c.kind}.bin`), c.body); // a replay keeps its input
    const a = await send(server.port, c.path, c.headers, c.body, deadline);
    inFlight.delete(label);
    sent++;
    const code = codeOf(a.body) ?? (a.error ? `error:${a.error}` : '?');
    fs.appendFileSync(`${OUT}/cases.jsonl`, JSON.stringify({ id: c.id, kind: c.kind, desc: c.desc, bytes: c.body.length, status: a.status, code, ms: Math.round(a.ms), message: a.body.startsWith('{') ? (JSON.parse(a.body) as { message?: string }).message?.slice(0, 160) : undefined }) + '\n');
    const byKind = (counts[c.kind] ??= {});
    byKind[`${a.status} ${code}`] = (byKind[`${a.status} ${code}`] ?? 0) + 1;
    if (server.exited) return;
    if (a.error === 'deadline') note(c, 'no answer within the deadline', a);
    else if (a.error && a.status === 0) {
      // a reset after an early refusal of a large body is fine only when the server is still there
      if (!['EPIPE', 'ECONNRESET'].includes(a.error) || c.body.length < 1024 * 1024) note(c, `connection error ${a.error}`, a);
    } else if (a.status >= 500 && a.status !== 503 && a.status !== 504) note(c, `${a.status} answer`, a);
    else if (a.ms > (c.path === '/api/v1/studies' ? SLOW_MS.study : SLOW_MS.image)) note(c, 'slow answer', a);
    else if (c.garbage && a.status === 200 && code.startsWith('completed')) note(c, '200 completed for garbage', a);
  };
  const worker = async () => {
    while (next < ids.length && !stop) {
      if (next > 0 && next % once.length === 0 && roundRss.length < next / once.length) roundRss.push(Math.round(rssMb(server.child.pid!)));
      const id = ids[next++];
      const c = await builder.build(id, auth);
      if (c.kind === 'burst' || c.kind === 'studyburst') {
        // eight at once: the same mutated image from eight connections
        await Promise.all(Array.from({ length: 8 }, (_, k) => run({ ...c, id: c.id, desc: `${c.desc} [burst ${k}]` })));
      } else await run(c);
      if (server.exited) {
        const f: Finding = { id, kind: c.kind, desc: c.desc, what: `process ended: ${server.exited}`, body: server.log.slice(-20).join('').slice(-2000) };
        findings.push(f);
        fs.writeFileSync(path.join(OUT, `case-${c.id}-${c.kind}.bin`), c.body);
        console.log(`FINDING #${id} process ended (${server.exited}) on ${c.desc}\n${f.body}`);
        server = await startServer();
        auth = await login(server.port);
        probe.kill();
        probe = startProbe();
      }
    }
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  stop = true;
  clearInterval(sampler);
  probe.send('stop');
  await new Promise((r) => probe.once('exit', r));
  const ready = await fetch(`http://127.0.0.1:${server.port}/readyz`).then((r) => r.status, () => 0);
  const summary = {
    seed: SEED,
    budget: BUDGET,
    requests: sent,
    seconds: Math.round((Date.now() - t0) / 1000),
    byKind: counts,
    findings,
    healthz: { maxMs: Math.round(healthMax), over1s: healthSlow },
    rssMb: { first: Math.round(rss[0]), peak: Math.round(Math.max(...rss.filter(Number.isFinite))), last: Math.round(rss[rss.length - 1]), afterRounds: [...roundRss, Math.round(rssMb(server.child.pid!))] },
    readyAfter: ready,
  };
  fs.writeFileSync(`${OUT}.json`, JSON.stringify(summary, null, 2));
  console.log(JSON.stringify({ ...summary, findings: findings.length }, null, 2));
  await builder.end();
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
