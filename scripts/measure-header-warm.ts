/**
 * What keeping a DICOM header worker warm (HEADER_WORKER_IDLE_MS, src/studies/header-pool.ts) does
 * to big-header studies: each server given (--mains: built dist/main.js of the builds compared)
 * gets studies of --files files × ~2·--items header entries (scripts/header-bench-lib.ts), one
 * server at a time so that they never share the CPU, each server's next study sent --gap ms after
 * its last answer (the others' studies run meanwhile, so the idle gap printed may be longer):
 *   --gaps 3000,15000   spaced single studies, --studies of them per server for each gap;
 *   --burst 4 --burst-gap 15000 --bursts 3   bursts of --burst studies at once, after such a gap;
 *   --rss 1             then, per server, one more study and its resident memory and threads
 *                       2 s, 12 s and 32 s after it (a warm worker is a thread and its heap).
 * Each server reads one study first (not counted): its main thread's code is warm, as in service.
 * Study wall time (client) and the answer's timingsMs.decode (the files read, headers parsed) are
 * printed per study and as medians; the ratio of each server's to the first's. Not a test (timings
 * are never asserted): run by hand after `npm run build`,
 *   node -r ts-node/register/transpile-only scripts/measure-header-warm.ts --mains /tmp/before/dist/main.js,dist/main.js
 */
import * as path from 'node:path';
import { bigHeaderStudy, cliArgs, multipart, postStudy, quantile, residentOf, ROOT, Server, sleep, startServer } from './header-bench-lib';

const args = cliArgs();
const MAINS = (args.get('mains') ?? 'dist/main.js').split(',').map((m) => path.resolve(ROOT, m));
const GAPS = (args.get('gaps') ?? '3000,15000').split(',').filter(Boolean).map(Number);
const STUDIES = Number(args.get('studies') ?? 5);
const BURST = Number(args.get('burst') ?? 4);
const BURST_GAP = Number(args.get('burst-gap') ?? 15_000);
const BURSTS = Number(args.get('bursts') ?? 3);
const RSS = args.get('rss') !== '0';
const FILES = Number(args.get('files') ?? 4);
const ITEMS = Number(args.get('items') ?? 100_000);

interface Seen {
  wall: number[];
  decode: number[];
  idle: number[];
  answers: Set<string>;
}

const label = (s: Server) => (path.relative(ROOT, s.main).startsWith('..') ? s.main : path.relative(ROOT, s.main));
const med = (xs: number[]) => Math.round(quantile(xs, 0.5));

/**
 * `events` events per server of `n` studies at once, each server's next event due `gap` ms after its
 * last answer; one event at a time over all servers, the earliest due first.
 */
async function schedule(servers: Server[], gap: number, events: number, n: number, bodies: Buffer[], name: string): Promise<Map<Server, Seen>> {
  const seen = new Map(servers.map((s) => [s, { wall: [], decode: [], idle: [], answers: new Set<string>() } as Seen]));
  const lastEnd = new Map(servers.map((s) => [s, performance.now()]));
  const left = new Map(servers.map((s) => [s, events]));
  for (;;) {
    const next = servers.filter((s) => left.get(s)! > 0).sort((a, b) => lastEnd.get(a)! - lastEnd.get(b)!)[0];
    if (!next) break;
    const due = lastEnd.get(next)! + gap;
    await sleep(Math.max(0, due - performance.now()));
    const t0 = performance.now();
    const idle = t0 - lastEnd.get(next)!;
    const res = await Promise.all(bodies.slice(0, n).map((b) => postStudy(next, b)));
    const end = performance.now();
    const e = seen.get(next)!;
    e.wall.push(end - t0);
    e.idle.push(idle);
    res.forEach((r) => {
      e.answers.add(r.answer);
      if (r.decodeMs !== null) e.decode.push(r.decodeMs);
    });
    lastEnd.set(next, end);
    left.set(next, left.get(next)! - 1);
    console.log(`${name} ${label(next)}: idle ${(idle / 1000).toFixed(1)} s before, ${n} at once answered in ${Math.round(end - t0)} ms, decode ${res.map((r) => r.decodeMs).join('/')} ms: ${res.map((r) => r.answer).join(', ')}`);
  }
  return seen;
}

function summary(name: string, servers: Server[], seen: Map<Server, Seen>): void {
  const base = seen.get(servers[0])!;
  console.log(`\n${name}: server, events, idle before (median s), wall median ms (× first server's), decode median ms (× first's), answers`);
  for (const s of servers) {
    const e = seen.get(s)!;
    const ratio = (a: number[], b: number[]) => (quantile(a, 0.5) / quantile(b, 0.5)).toFixed(2);
    console.log(`  ${label(s)}\t${e.wall.length}\t${(quantile(e.idle, 0.5) / 1000).toFixed(1)}\t${med(e.wall)} (×${ratio(e.wall, base.wall)})\t${med(e.decode)} (×${ratio(e.decode, base.decode)})\t${[...e.answers].join(', ')}`);
  }
}

async function main(): Promise<void> {
  const t = performance.now();
  const bodies = Array.from({ length: Math.max(1, BURST) }, () => multipart(bigHeaderStudy(FILES, ITEMS, false)));
  console.log(`${bodies.length} studies of ${FILES} files × ${ITEMS} private items built in ${((performance.now() - t) / 1000).toFixed(1)} s (${(bodies[0].length / 1e6).toFixed(1)} MB each)`);
  const servers: Server[] = [];
  for (const m of MAINS) servers.push(await startServer(m, { STUDY_CONCURRENCY: String(Math.max(1, BURST)) }));
  for (const s of servers) console.log(`warm-up ${label(s)}: ${(await postStudy(s, bodies[0])).answer}`);
  for (const gap of GAPS) summary(`spaced, ${gap / 1000} s apart`, servers, await schedule(servers, gap, STUDIES, 1, bodies, `gap ${gap / 1000} s`));
  if (BURSTS > 0) summary(`bursts of ${BURST}, ${BURST_GAP / 1000} s apart`, servers, await schedule(servers, BURST_GAP, BURSTS, BURST, bodies, `burst`));
  if (RSS) {
    console.log('\nresident memory after one more study: server, at +2 s, +12 s, +32 s (MB, threads)');
    const ends: number[] = [];
    for (const s of servers) {
      await postStudy(s, bodies[0]);
      ends.push(performance.now());
    }
    const at = await Promise.all(
      servers.map(async (s, i) => {
        const out: string[] = [];
        for (const after of [2_000, 12_000, 32_000]) {
          await sleep(Math.max(0, ends[i] + after - performance.now()));
          const r = residentOf(s);
          out.push(`${r.rssMb} MB, ${r.threads} threads`);
        }
        return `  ${label(s)}\t${out.join('\t')}`;
      }),
    );
    at.forEach((l) => console.log(l));
  }
  for (const s of servers) s.child.kill('SIGTERM');
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
