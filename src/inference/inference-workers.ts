import { Logger } from '@nestjs/common';
import type { Worker } from 'node:worker_threads';
import { AnalysisUnavailableError } from '../common/errors';
import type { RgbImage } from '../explainability/heatmap';
import type { ImageRun } from './model-provider';
import type { ContractShape } from './model-outputs';
import type { ImageRef } from './pixel-cache';
import type { LetterboxGeometry, Normalization, RawImage } from './preprocess';
import { spawnWorker } from './spawn-worker';

/** What a worker needs to open one model and prepare its input: the verified bytes, the card's input. */
export interface WorkerModel {
  name: string;
  /** the triage model (placed in a worker of its own when there are several) */
  triage: boolean;
  bytes: Uint8Array;
  inputName: string;
  size: number;
  normalization: Normalization;
  /** the card's background-gate ring width (fraction), when it has the gate */
  backgroundBand: number | null;
  /** what the card says the graph's tensors are; checked when the session opens */
  contract: ContractShape;
}


/** One class plane of a run's cam and where the image sat in that model's input. */
export interface HeatmapSource {
  cam: Float32Array;
  camH: number;
  camW: number;
  geometry: LetterboxGeometry;
}

export type InferenceWorkerRequest =
  | { kind: 'load'; models: WorkerModel[]; intraOpThreads: number }
  | { kind: 'run'; id: number; model: string; image: ImageRef }
  | { kind: 'heatmap'; id: number; image: ImageRef; source: HeatmapSource };

export type InferenceWorkerResponse =
  | { kind: 'loaded'; ok: true }
  | { kind: 'loaded'; ok: false; error: string }
  | { kind: 'run'; id: number; ok: true; run: ImageRun }
  | { kind: 'heatmap'; id: number; ok: true; heat: RgbImage }
  | { kind: 'failed'; id: number; ok: false; error: string }
  /** the image was sent without pixels and the worker no longer has it: send them */
  | { kind: 'resend'; id: number; ok: false };

type Answer = Extract<InferenceWorkerResponse, { id: number }>;

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  inFlight: number;
  /** its entry in the placement, and the models it has opened (see placeModels) */
  place: number;
  models: ReadonlySet<string>;
}

/**
 * Which models each of `count` workers opens. One worker opens them all. With more, each model
 * lives in one worker, the triage model (run on every upload) alone in the first and the
 * diagnosis models spread over the rest, so a second worker adds a thread without a second copy
 * of every session (~190 MB, which put 2 replicated workers over the RSS target) and the two
 * halves of an analysis run on both cores. Workers beyond one per model open every model.
 */
export function placeModels(models: { name: string; triage: boolean }[], count: number): string[][] {
  const all = models.map((m) => m.name);
  const triage = models.filter((m) => m.triage).map((m) => m.name);
  const rest = models.filter((m) => !m.triage).map((m) => m.name);
  if (count <= 1 || !triage.length || !rest.length) return Array.from({ length: Math.max(1, count) }, () => all);
  const slots: string[][] = [triage, ...Array.from({ length: Math.min(count - 1, rest.length) }, () => [] as string[])];
  rest.forEach((name, i) => slots[1 + (i % (slots.length - 1))].push(name));
  while (slots.length < count) slots.push(all);
  return slots;
}

interface Pending {
  resolve: (o: Answer) => void;
  reject: (e: Error) => void;
  slot: Slot;
}

/**
 * onnxruntime-node's session.run() is synchronous on the calling thread (its "async" API only
 * defers the call with setImmediate), so in-process inference blocks the event loop and uses one
 * core however large INFERENCE_POOL_SIZE is. This pool runs the models in worker threads (each
 * with its own sessions, opened from the bytes the registry already verified), so runs proceed
 * in parallel on every core and the main thread stays free for HTTP and decoding. The workers
 * also do the pixel work around the models (contract preprocessing, heat map): the image goes
 * in, small outputs come back, so the ~2 MB of short-lived arrays an analysis needs never reach
 * the main thread's large heap (whose garbage collections they used to drive).
 * Enabled by INFERENCE_WORKERS > 0; a crashed worker fails its own requests (503) and is
 * replaced on the next call.
 */
export class InferenceWorkers {
  private readonly logger = new Logger(InferenceWorkers.name);
  private readonly slots: Slot[] = [];
  private readonly placement: string[][];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly imageKeys = new WeakMap<RawImage, number>();
  /** the workers that were sent each image's pixels */
  private readonly holders = new WeakMap<RawImage, Set<Slot>>();
  private nextImageKey = 1;
  private closed = false;

  constructor(
    private readonly models: WorkerModel[],
    count: number,
    private readonly intraOpThreads: number,
  ) {
    this.placement = placeModels(models, count);
  }

  /**
   * Starts every worker and waits until each has opened its sessions. When one fails, the others
   * still finish opening theirs before this rejects: terminating a worker inside onnxruntime's
   * session creation aborts the whole process (a native "terminate called after throwing
   * Napi::Error"), so a model that does not match its card crashed `npm start` instead of naming it.
   */
  async start(): Promise<void> {
    this.respawn();
    const loads = await Promise.allSettled(this.slots.map((s) => s.ready));
    const failed = loads.find((l): l is PromiseRejectedResult => l.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Replaces the workers that died: one per placement entry, each opening its models. */
  private respawn(): void {
    this.placement.forEach((_, place) => {
      if (!this.slots.some((s) => s.place === place)) this.slots.push(this.spawn(place));
    });
  }

  /** Prepares `image` for `model` (contract preprocessing) and runs it, in a worker. */
  async run(model: string, image: RawImage): Promise<ImageRun> {
    const res = await this.request(image, model, (id, ref) => ({ kind: 'run', id, model, image: ref }));
    if (res.kind !== 'run') throw new AnalysisUnavailableError();
    return res.run;
  }

  /** Renders the heat map of `source` over `image` at display size, in a worker. */
  async heatmap(image: RawImage, source: HeatmapSource): Promise<RgbImage> {
    const res = await this.request(image, null, (id, ref) => ({ kind: 'heatmap', id, image: ref, source }));
    if (res.kind !== 'heatmap') throw new AnalysisUnavailableError();
    return res.heat;
  }

  /**
   * One request about `image` to a worker that has `model` (any worker for null). The pixels go
   * only to a worker that has not had them yet (it keeps what it needs of them, see
   * pixel-cache.ts); if that worker has dropped them meanwhile it answers `resend` and they go again.
   */
  private async request(image: RawImage, model: string | null, build: (id: number, ref: ImageRef) => InferenceWorkerRequest): Promise<Answer> {
    if (this.closed) throw new AnalysisUnavailableError();
    this.respawn();
    const eligible = model === null ? this.slots : this.slots.filter((s) => s.models.has(model));
    if (!eligible.length) throw new AnalysisUnavailableError();
    // The least busy worker (the registry's semaphore bounds the total in flight); on a tie one
    // that already has this image.
    let holders = this.holders.get(image);
    const least = Math.min(...eligible.map((s) => s.inFlight));
    const idle = eligible.filter((s) => s.inFlight === least);
    const slot = idle.find((s) => holders?.has(s)) ?? idle[0];
    await slot.ready;
    let res = await this.send(slot, (id) => build(id, this.toImageRef(image, !holders?.has(slot))));
    if (res.kind === 'resend') res = await this.send(slot, (id) => build(id, this.toImageRef(image, true)));
    if (!holders) this.holders.set(image, (holders = new Set()));
    holders.add(slot);
    if (!res.ok) {
      this.logger.error(`Inference failed in a worker: ${res.kind === 'failed' ? res.error : 'image lost'}`);
      throw new AnalysisUnavailableError('The model failed to run on this image.');
    }
    return res;
  }

  private send(slot: Slot, build: (id: number) => InferenceWorkerRequest): Promise<Answer> {
    const id = this.nextId++;
    slot.inFlight++;
    return new Promise<Answer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot });
      slot.worker.postMessage(build(id));
    });
  }

  /**
   * The image as a worker gets it: a key that stays the same for every message about this image
   * object, and the pixels when asked. A view into a larger buffer (a slice of a DICOM volume)
   * is cut out first: structured cloning copies a view's whole underlying buffer.
   */
  private toImageRef(image: RawImage, withPixels: boolean): ImageRef {
    let key = this.imageKeys.get(image);
    if (key === undefined) this.imageKeys.set(image, (key = this.nextImageKey++));
    const ref: ImageRef = { key, width: image.width, height: image.height, channels: image.channels };
    if (!withPixels) return ref;
    if (image.prepared) return { ...ref, prepared: image.prepared };
    const d = image.data;
    return { ...ref, data: d.byteOffset === 0 && d.byteLength === d.buffer.byteLength ? d : d.slice() };
  }

  private spawn(place: number): Slot {
    const worker = spawnWorker('inference.worker');
    let loaded!: () => void;
    let failed!: (e: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      loaded = resolve;
      failed = reject;
    });
    ready.catch(() => undefined);
    const slot: Slot = { worker, ready, inFlight: 0, place, models: new Set(this.placement[place]) };
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
      p.resolve(res);
    });
    worker.on('error', (err) => this.fail(slot, err, failed));
    worker.on('exit', (code) => {
      if (!this.closed && code !== 0) this.fail(slot, new Error(`worker exited with ${code}`), failed);
    });
    const load: InferenceWorkerRequest = { kind: 'load', models: this.models.filter((m) => slot.models.has(m.name)), intraOpThreads: this.intraOpThreads };
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
