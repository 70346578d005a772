/**
 * In-process fuzzing of the parsers behind the image and study routes (scripts/fuzz/deep-cases.ts),
 * with a watchdog: the cases run one after another in a child process; the parent kills it when a
 * case runs past --timeout seconds (a hang) or its RSS passes --rss MB (a memory blow-up), records
 * that, and starts a fresh child at the next case. A child that dies on its own is a crash. An
 * error without a 4xx status is what the service would answer 500. Not a test (random, slow):
 *
 *   nice -n 15 node -r ts-node/register/transpile-only scripts/fuzz/deep-fuzz.ts
 *        [--cases 2000] [--seed 1] [--from 0] [--timeout 30] [--rss 3000] [--only N] [--light 1] [--seeds REGEX]
 *
 * `--seeds REGEX`: only the seeds whose name matches (e.g. `multiframe|baseline16|extended` for the DICOM
 * syntaxes of codec-seeds.ts); the case numbers then give other bytes.
 *
 * `--only N` replays case N in this process and writes its files to artifacts/deep-SEED-N-*.bin.
 * Exit code 1 when anything was found.
 */
import { ChildProcess, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildDeepCase, deepSeeds, runDeepCase } from './deep-cases';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const CASES = Number(args.get('cases') ?? 2000);
const SEED = Number(args.get('seed') ?? 1);
const FROM = Number(args.get('from') ?? 0);
const TIMEOUT_MS = Number(args.get('timeout') ?? 30) * 1000;
const RSS_MB = Number(args.get('rss') ?? 3000);
/** without the costly mutations, as test/unit/upload-fuzz.spec.ts runs them (seed 20261207) */
const LIGHT = { light: args.get('light') === '1' };
const ONLY_SEEDS = args.has('seeds') ? new RegExp(args.get('seeds')!) : undefined;
const seedsOf = async () => (await deepSeeds()).filter((s) => !ONLY_SEEDS || ONLY_SEEDS.test(s.name));

interface Result { i: number; kind: string; detail: string; stack?: string; ms: number; seed: string; how: string }

async function child(): Promise<void> {
  const seeds = await seedsOf();
  process.send!({ ready: true });
  process.on('message', async (m: { i: number }) => {
    const c = buildDeepCase(seeds, SEED, m.i, LIGHT);
    const t0 = performance.now();
    const o = await runDeepCase(c);
    process.send!({ i: m.i, ...o, ms: Math.round(performance.now() - t0), seed: c.seed, how: c.how } satisfies Result);
  });
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function parent(): Promise<void> {
  const counts = new Map<string, number>();
  const findings = new Map<string, Result[]>();
  const hows = new Map<string, number>();
  const accepted = new Map<string, number>();
  /** the five longest cases (wall time in the child, a loaded box included) */
  const slowest: Result[] = [];
  let next = FROM;
  const end = FROM + CASES;
  const t0 = Date.now();
  let peak = 0;
  const note = (r: Result) => {
    counts.set(r.kind === 'named' ? `named ${r.detail}` : r.kind, (counts.get(r.kind === 'named' ? `named ${r.detail}` : r.kind) ?? 0) + 1);
    // per mutation: cases, and how many of them were accepted (ok): an accepted damaged file is worth a look
    const h = `${r.seed} ${r.how.split('+')[0]}`;
    hows.set(h, (hows.get(h) ?? 0) + 1);
    if (r.kind === 'ok') accepted.set(h, (accepted.get(h) ?? 0) + 1);
    slowest.push(r);
    slowest.sort((a, b) => b.ms - a.ms).splice(5);
    if (r.kind === 'ok' || r.kind === 'named') return;
    const key = `${r.kind}: ${r.detail.replace(/\d+/g, 'N')}`;
    if (!findings.has(key)) console.log(`case ${r.i} (${r.seed} ${r.how}) ${r.kind}: ${r.detail}${r.stack ? `\n${r.stack}` : ''}`);
    findings.set(key, [...(findings.get(key) ?? []), r]);
  };
  while (next < end) {
    await new Promise<void>((done) => {
      const c: ChildProcess = fork(__filename, [...process.argv.slice(2), '--child', '1'], { execArgv: ['-r', 'ts-node/register/transpile-only', '--max-old-space-size=2048'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      let current = -1;
      let started = 0;
      let timer: NodeJS.Timeout | undefined;
      let finished = false;
      const stop = (kind: string, detail: string) => {
        if (finished) return;
        finished = true;
        clearInterval(poll);
        clearTimeout(timer);
        if (current >= 0) {
          note({ i: current, kind, detail, ms: Date.now() - started, seed: '?', how: '?' });
          next = current + 1;
        }
        c.kill('SIGKILL');
        done();
      };
      const send = () => {
        if (next >= end) return stop('done', '');
        current = next;
        started = Date.now();
        clearTimeout(timer);
        timer = setTimeout(() => stop('hang', `over ${TIMEOUT_MS} ms`), TIMEOUT_MS);
        c.send({ i: current });
      };
      const poll = setInterval(() => {
        const mb = rssMb(c.pid!);
        if (current >= 0) peak = Math.max(peak, mb);
        if (mb > RSS_MB) stop('memory', `RSS ${Math.round(mb)} MB`);
      }, 100);
      c.on('message', (m: Result | { ready: true }) => {
        if ('ready' in m) return send();
        note(m);
        if (m.i % 200 === 199) console.log(`… ${m.i + 1} cases, ${Math.round((Date.now() - t0) / 1000)} s`);
        next = m.i + 1;
        current = -1;
        send();
      });
      c.on('exit', (code, sig) => stop('crash', `child exited ${code ?? sig}`));
    });
  }
  console.log(JSON.stringify({ seed: SEED, from: FROM, cases: CASES, seconds: Math.round((Date.now() - t0) / 1000), peakRssMb: Math.round(peak), slowest: slowest.map((r) => `case ${r.i} ${r.seed} ${r.how}: ${r.ms} ms (${r.kind})`), outcomes: Object.fromEntries([...counts].sort()), mutations: Object.fromEntries([...hows].sort().map(([k, n]) => [k, `${accepted.get(k) ?? 0}/${n} accepted`])), findings: Object.fromEntries([...findings].map(([k, v]) => [k, v.map((x) => x.i)])) }, null, 1));
  process.exit(findings.size ? 1 : 0);
}

async function replay(i: number): Promise<void> {
  const c = buildDeepCase(await seedsOf(), SEED, i, LIGHT);
  const dir = path.resolve(__dirname, '../../artifacts');
  fs.mkdirSync(dir, { recursive: true });
  c.files.forEach((f, k) => fs.writeFileSync(path.join(dir, `deep-${SEED}-${i}-${k}.bin`), f));
  console.log(c.route, c.seed, c.how, c.files.map((f) => f.length));
  console.log(await runDeepCase(c));
  process.exit(0);
}

const main = args.has('child') ? child() : args.has('only') ? replay(Number(args.get('only'))) : parent();
main.catch((e) => {
  console.error(e);
  process.exit(2);
});
