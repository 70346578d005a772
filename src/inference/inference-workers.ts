import { Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AnalysisUnavailableError } from '../common/errors';
import type { ModelOutputs } from './model-provider';

/** What a worker needs to open one model: the verified bytes and the session options. */
export interface WorkerModel {
  name: string;
  bytes: Uint8Array;
  inputName: string;
  size: number;
}

export type InferenceWorkerRequest =
  | { kind: 'load'; models: WorkerModel[]; intraOpThreads: number }
  | { kind: 'run'; id: number; model: string; tensor: Float32Array };

export type InferenceWorkerResponse =
  | { kind: 'loaded'; ok: true }
  | { kind: 'loaded'; ok: false; error: string }
  | { kind: 'result'; id: number; ok: true; outputs: ModelOutputs }
  | { kind: 'result'; id: number; ok: false; error: string };

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  inFlight: number;
}

interface Pending {
  resolve: (o: ModelOutputs) => void;
  reject: (e: Error) => void;
  slot: Slot;
}

/**
 * onnxruntime-node's session.run() is synchronous on the calling thread (its "async" API only
 * defers the call with setImmediate), so in-process inference blocks the event loop and uses one
 * core however large INFERENCE_POOL_SIZE is. This pool runs the models in worker threads (each
 * with its own sessions, opened from the bytes the registry already verified), so runs proceed
 * in parallel on every core and the main thread stays free for HTTP, decoding and heat maps.
 * Enabled by INFERENCE_WORKERS > 0; a crashed worker fails its own requests (503) and is
 * replaced on the next call.
 */
export class InferenceWorkers {
  private readonly logger = new Logger(InferenceWorkers.name);
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly models: WorkerModel[],
    private readonly count: number,
    private readonly intraOpThreads: number,
  ) {}

  /** Starts every worker and waits until each has opened its sessions. */
  async start(): Promise<void> {
    while (this.slots.length < this.count) this.slots.push(this.spawn());
    await Promise.all(this.slots.map((s) => s.ready));
  }

  async run(model: string, tensor: Float32Array): Promise<ModelOutputs> {
    if (this.closed) throw new AnalysisUnavailableError();
    while (this.slots.length < this.count) this.slots.push(this.spawn());
    // least busy worker; the registry's semaphore bounds the total in flight
    const slot = this.slots.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    await slot.ready;
    const id = this.nextId++;
    slot.inFlight++;
    return new Promise<ModelOutputs>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot });
      // copied, not transferred: one preprocessed tensor can feed two models
      const req: InferenceWorkerRequest = { kind: 'run', id, model, tensor };
      slot.worker.postMessage(req);
    });
  }

  private spawn(): Slot {
    const js = path.join(__dirname, 'inference.worker.js');
    const worker = fs.existsSync(js)
      ? new Worker(js)
      : new Worker(path.join(__dirname, 'inference.worker.ts'), { execArgv: ['-r', 'ts-node/register/transpile-only'] });
    worker.unref(); // never keeps the process (CLI, tests) alive on its own
    let loaded!: () => void;
    let failed!: (e: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      loaded = resolve;
      failed = reject;
    });
    ready.catch(() => undefined);
    const slot: Slot = { worker, ready, inFlight: 0 };
    worker.on('message', (res: InferenceWorkerResponse) => {
      if (res.kind === 'loaded') {
        if (res.ok) loaded();
        else failed(new Error(res.error));
        return;
      }
      const p = this.pending.get(res.id);
      this.pending.delete(res.id);
      if (!p) return;
      p.slot.inFlight--;
      if (res.ok) p.resolve(res.outputs);
      else {
        this.logger.error(`Inference failed in a worker: ${res.error}`);
        p.reject(new AnalysisUnavailableError('The model failed to run on this image.'));
      }
    });
    worker.on('error', (err) => this.fail(slot, err, failed));
    worker.on('exit', (code) => {
      if (!this.closed && code !== 0) this.fail(slot, new Error(`worker exited with ${code}`), failed);
    });
    const load: InferenceWorkerRequest = { kind: 'load', models: this.models, intraOpThreads: this.intraOpThreads };
    worker.postMessage(load);
    return slot;
  }

  private fail(slot: Slot, err: Error, failed: (e: Error) => void): void {
    this.logger.error(`Inference worker failed: ${err.message}`);
    failed(err);
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    for (const [id, p] of this.pending) {
      if (p.slot !== slot) continue;
      p.reject(new AnalysisUnavailableError());
      this.pending.delete(id);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }
}
