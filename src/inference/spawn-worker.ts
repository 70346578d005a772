import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { sourceExecArgv } from '../common/source-exec-argv';

/** The worker scripts of this folder. */
export type WorkerScript = 'inference.worker' | 'prepare.worker';

/** Starts a worker running one of those scripts (spawnWorker; tests provide their own). */
export type SpawnWorker = (script: WorkerScript) => Worker;

/**
 * DI token of an optional SpawnWorker for ModelRegistry and PreparePool (from a @Global() module);
 * without one they use spawnWorker. The e2e tests put a worker that can be made to hang here.
 */
export const SPAWN_WORKER = Symbol('SPAWN_WORKER');

/**
 * A worker thread running `<baseName>.js` next to this file (the build), or its `.ts` source
 * through scripts/ts-register.cjs when run from the sources (jest, the CLI in development). Unref'd: a worker
 * never keeps the process (CLI, tests) alive on its own.
 */
export function spawnWorker(baseName: WorkerScript): Worker {
  const js = path.join(__dirname, `${baseName}.js`);
  const script = fs.existsSync(js) ? js : path.join(__dirname, `${baseName}.ts`);
  const worker = new Worker(script, { execArgv: sourceExecArgv(script) });
  worker.unref();
  return worker;
}

/**
 * Ends a worker without waiting for it: terminate() stops JavaScript at once, but a thread stuck
 * in native code (a wedged onnxruntime run, a libvips decode) may never stop, so its promise may
 * never settle — and a rejection of it must not become an unhandled one that ends the process.
 */
export function endWorker(worker: Worker): void {
  try {
    worker.terminate().catch(() => undefined);
  } catch {
    // already gone
  }
}
