import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { sourceExecArgv } from '../../src/common/source-exec-argv';
import type { SpawnWorker, WorkerScript } from '../../src/inference/spawn-worker';

/**
 * Workers that can be told to wedge on their next job (for the INFERENCE_JOB_TIMEOUT_MS tests):
 * SPIN loops in JavaScript for ever (a stuck preprocessing or heat-map loop), SILENT drops the
 * job and answers nothing (a native call that never returns while the thread stays alive). The
 * switch is shared memory, read and reset by whichever worker takes the next job, so only one
 * job wedges and the replacement worker answers normally.
 */
export const SPIN = 1;
export const SILENT = 2;
/** the thread dies on its next job: an uncaught exception (exit code 1), or process.exit(0) with the job unanswered */
export const THROW = 3;
export const EXIT_CLEAN = 4;

export class WedgeSwitch {
  /** [0]: how the next job wedges; [1]: 1 while fake workers never answer their 'load', 2 while they answer it failed */
  readonly flag = new Int32Array(new SharedArrayBuffer(8));
  next(mode: typeof SPIN | typeof SILENT | typeof THROW | typeof EXIT_CLEAN): void {
    Atomics.store(this.flag, 0, mode);
  }
  /** fake workers started from now on never finish opening their models (until set back) */
  loadsHang(on: boolean): void {
    Atomics.store(this.flag, 1, on ? 1 : 0);
  }
  /** fake workers started from now on answer that they could not open their models (until set back) */
  loadsFail(on: boolean): void {
    Atomics.store(this.flag, 1, on ? 2 : 0);
  }
}

export interface Spawned {
  worker: Worker;
  /** settles when the thread has ended */
  exited: Promise<number>;
}

/** What the fake answers: either protocol (inference: `kind`, preparation: `op`), plausible shapes, no model. */
const FAKE_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const mode = new Int32Array(workerData.flag);
const post = (m) => parentPort.postMessage(m);
parentPort.on('message', (m) => {
  if (m.kind === 'load') {
    const load = Atomics.load(mode, 1);
    return load === 1 ? undefined : post(load === 2 ? { kind: 'loaded', ok: false, error: 'out of memory (fake)' } : { kind: 'loaded', ok: true });
  }
  const wedge = Atomics.exchange(mode, 0, 0);
  if (wedge === ${SPIN}) for (;;) {}
  if (wedge === ${SILENT}) return;
  if (wedge === ${THROW}) throw new Error('worker crashed (fake)');
  if (wedge === ${EXIT_CLEAN}) process.exit(0);
  if (m.kind === 'run') return post({ kind: 'run', id: m.id, ok: true, run: { logits: new Float32Array([1, 0]), embedding: new Float32Array(2), cam: new Float32Array(4), camH: 2, camW: 2, geometry: { size: 8, nw: 8, nh: 8, x0: 0, y0: 0 }, preprocessMs: 0, borderMean: null } });
  if (m.kind === 'heatmap') return post({ kind: 'heatmap', id: m.id, ok: true, heat: { width: 1, height: 1, data: new Uint8Array(3) } });
  if (m.op === 'decode') {
    const prepared = m.sizes ? { boxes: [], display: { width: 1, height: 1, luma: new Uint8Array(1) } } : undefined;
    return post({ id: m.id, ok: true, op: 'decode', image: { width: m.header.width, height: m.header.height, channels: 1, format: m.header.format, data: new Uint8Array(0), prepared } });
  }
  if (m.op === 'figure') return post({ id: m.id, ok: true, op: 'figure', png: new Uint8Array(1) });
  if (m.op === 'inputs') return post({ id: m.id, ok: true, op: 'inputs', inputs: [] });
  return post({ id: m.id, ok: true, op: 'display', display: { width: 1, height: 1, luma: new Uint8Array(1) } });
});
`;

/** Every worker these spawners started, for `endAll` (the pools leave one still loading alone on close()). */
const started = new Set<Worker>();

/** Ends every worker started here: a fake left loading would keep jest from exiting. */
export async function endAll(): Promise<void> {
  const all = [...started];
  started.clear();
  await Promise.all(all.map((w) => w.terminate().catch(() => undefined)));
}

function track(worker: Worker, spawned: Spawned[]): Worker {
  worker.unref();
  started.add(worker);
  spawned.push({ worker, exited: new Promise((resolve) => worker.once('exit', resolve)) });
  return worker;
}

/** A SpawnWorker of fakes (no model, no sharp: milliseconds to start), and every worker it started. */
export function fakeSpawn(wedge: WedgeSwitch): { spawn: SpawnWorker; spawned: Spawned[] } {
  const spawned: Spawned[] = [];
  const spawn = () => track(new Worker(FAKE_WORKER, { eval: true, workerData: { flag: wedge.flag.buffer } }), spawned);
  return { spawn, spawned };
}

/**
 * A SpawnWorker of the real worker scripts (src/inference/<script>.ts through scripts/ts-register.cjs, as
 * spawnWorker does under jest), each behind wedgeable.worker.ts: the e2e tests' wedged worker.
 */
export function wedgeableSpawn(wedge: WedgeSwitch): { spawn: SpawnWorker; spawned: Spawned[] } {
  const spawned: Spawned[] = [];
  const spawn = (script: WorkerScript) =>
    track(
      new Worker(path.join(__dirname, 'wedgeable.worker.ts'), {
        execArgv: sourceExecArgv('wedgeable.worker.ts'),
        workerData: { script: path.resolve(__dirname, '../../src/inference', `${script}.ts`), flag: wedge.flag.buffer },
      }),
      spawned,
    );
  return { spawn, spawned };
}

/**
 * The promise's value or error, or 'still pending' after `guardMs`: tells a hang (the bug these
 * tests are about) from an answer with a plain assertion instead of jest's test timeout. Not a
 * speed check: the guard is far above any deadline the tests set.
 */
export async function outcome<T>(p: Promise<T>, guardMs = 15_000): Promise<T | Error | 'still pending'> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<'still pending'>((resolve) => (timer = setTimeout(() => resolve('still pending'), guardMs)));
  try {
    return await Promise.race([p.catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))), guard]);
  } finally {
    clearTimeout(timer);
  }
}
