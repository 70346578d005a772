/**
 * Builds the cases of scripts/fuzz-uploads.ts in a worker thread. Built on the harness's own event
 * loop, a case that takes seconds to build (a 40–110 MB ZIP bomb deflated at level 9: 2.7–9.3 s on
 * a loaded box) held it while the other worker's answers were in flight, so they were read late and
 * counted as slow: seed 10 (2026-12-07) recorded 15 "slow answers" of 20–22 s for bursts that take
 * 0.2–0.6 s when replayed, each finishing within 40 ms of the others — the moment the build ended.
 */
import * as path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Auth, Case, Kind } from './cases';

interface Job {
  n: number;
  id: number;
  auth: Auth;
}
type Reply = { n: number; c: Case } | { n: number; error: string };

/** The worker side: seeds once, then one case per message (same bytes as buildCase on the main thread). */
async function serve(): Promise<void> {
  const { buildCase } = await import('./cases');
  const { buildSeeds } = await import('./seeds');
  const { seed, kinds } = workerData as { seed: number; kinds: Kind[] };
  const seeds = await buildSeeds();
  parentPort!.on('message', (j: Job) => {
    try {
      parentPort!.postMessage({ n: j.n, c: buildCase(j.id, seed, kinds, seeds, j.auth) } satisfies Reply);
    } catch (e) {
      parentPort!.postMessage({ n: j.n, error: String((e as Error)?.stack ?? e) } satisfies Reply);
    }
  });
  parentPort!.postMessage({ ready: true });
}

export class CaseBuilder {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (c: Case) => void; reject: (e: Error) => void }>();
  private next = 0;
  readonly ready: Promise<void>;

  constructor(seed: number, kinds: Kind[]) {
    // ts-node registered in the thread too, so that it can load this .ts file's imports
    this.worker = new Worker(`require('ts-node/register/transpile-only'); require(${JSON.stringify(path.join(__dirname, 'case-builder.ts'))});`, { eval: true, workerData: { seed, kinds, builder: true } });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('error', reject);
      this.worker.on('message', (m: Reply | { ready: true }) => {
        if ('ready' in m) return resolve();
        const w = this.waiting.get(m.n);
        this.waiting.delete(m.n);
        if ('error' in m) w?.reject(new Error(m.error));
        // a Buffer crosses as a Uint8Array
        else w?.resolve({ ...m.c, body: Buffer.from(m.c.body.buffer, m.c.body.byteOffset, m.c.body.byteLength) });
      });
    });
  }

  build(id: number, auth: Auth): Promise<Case> {
    const n = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(n, { resolve, reject });
      this.worker.postMessage({ n, id, auth } satisfies Job);
    });
  }

  end(): Promise<number> {
    return this.worker.terminate();
  }
}

if (!isMainThread && (workerData as { builder?: boolean })?.builder) {
  serve().catch((e) => {
    throw e;
  });
}
