/**
 * The model queue (src/inference/semaphore.ts) in virtual time: every run takes one tick, the pool
 * runs 8 at once; single-image users send triage then diagnosis (rank 0) again and again, studies
 * (ranks 1, 2, …; STUDY_CONCURRENCY 4) run 24 slices, 8 at a time, each slice two runs. Prints, for
 * each maxPassed, the tick each study finished (blank: not within 5000 ticks, i.e. starved) and the
 * images' latency p50 / p95 in ticks. Deterministic: no timers, no models.
 * Run: `TS_NODE_PROJECT=tsconfig.json npx ts-node --transpile-only scripts/measure-queue-aging.ts`
 */
import { Semaphore } from '../src/inference/semaphore';

const turn = () => new Promise<void>((r) => setImmediate(r));
const settle = async () => {
  for (let i = 0; i < 20; i++) await turn();
};

async function simulate(maxPassed: number, users: number, studies: number) {
  const pool = new Semaphore(8, 1000, maxPassed);
  const slots = new Semaphore(4, 100);
  let gates: (() => void)[] = [];
  let tick = 0;
  const run = (rank: number) => pool.use(() => new Promise<void>((r) => gates.push(r)), undefined, rank);
  const step = async () => {
    await settle();
    const due = gates;
    gates = [];
    tick++;
    due.forEach((r) => r());
  };
  let stop = false;
  const latency: number[] = [];
  const user = async () => {
    while (!stop) {
      const t0 = tick;
      await run(0);
      await run(0);
      latency.push(tick - t0);
    }
  };
  const done: number[] = [];
  const study = async (rank: number) => {
    await slots.use(async () => {
      let next = 0;
      const lane = async () => {
        while (next < 24) {
          next++;
          await run(rank);
          await run(rank);
        }
      };
      await Promise.all(Array.from({ length: 8 }, lane));
    });
    done[rank - 1] = tick;
  };
  const userRuns = Promise.all(Array.from({ length: users }, user));
  let finished = false;
  void Promise.all(Array.from({ length: studies }, (_, i) => study(i + 1))).then(() => (finished = true));
  while (!finished && tick < 5000) await step();
  stop = true;
  let drained = false;
  void userRuns.then(() => (drained = true));
  while (!drained) await step();
  latency.sort((a, b) => a - b);
  const q = (p: number) => latency[Math.min(latency.length - 1, Math.floor(p * latency.length))];
  return `done ${done.join(' ') || '-'}; images ${latency.length}, p50 ${q(0.5) ?? '-'}, p95 ${q(0.95) ?? '-'}`;
}

async function main(): Promise<void> {
  const cases: [string, number, number][] = [
    ['10 studies, no images', 0, 10],
    ['1 study, 10 image users', 10, 1],
    ['10 studies, 10 image users', 10, 10],
    ['1 study, 16 image users (a flood)', 16, 1],
    ['1 study, 32 image users', 32, 1],
    ['4 studies, 16 image users', 16, 4],
  ];
  for (const [name, users, studies] of cases) {
    for (const k of [Infinity, 256, 128, 64]) console.log(`${name}, maxPassed ${k}: ${await simulate(k, users, studies)}`);
  }
}

void main();
