import { Logger } from '@nestjs/common';
import type { Worker } from 'node:worker_threads';
import { AnalysisUnavailableError, WorkerTimeoutError } from '../common/errors';
import { setTimeout as delay } from 'node:timers/promises';
import type { RgbImage } from '../explainability/heatmap';
import type { HeatmapSource, InferenceWorkerRequest, InferenceWorkerResponse, WorkerModel } from './inference-protocol';
import type { ImageRun } from './model-provider';
import { ImageKeys, type ImageRef } from './pixel-cache';
import type { RawImage } from './preprocess';
import { placeModels } from './placement';
import { endWorker, SpawnWorker, spawnWorker } from './spawn-worker';
import { WorkerControl } from './worker-control';
import { WorkerJobs } from './worker-jobs';

export type { HeatmapSource, InferenceWorkerRequest, InferenceWorkerResponse, WorkerModel } from './inference-protocol';

type Answer = Extract<InferenceWorkerResponse, { id: number }>;

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  inFlight: number;
  /** its entry in the placement, and the models it has opened (see placeModels) */
  place: number;
  models: ReadonlySet<string>;
  /** crashed or wedged: out of the pool, its requests failed; whatever it does next is ignored */
  retired: boolean;
  /** when it was started, until it has opened its models (or failed to) */
  loadingSince: number | null;
  /** rejects `ready` (a no-op once settled): close() must not leave requests waiting on a load */
  abandon: (e: Error) => void;
  /** shared with the thread: whether it is inside session.run(), and the pool's stop */
  control: WorkerControl;
}

export interface InferenceWorkersOptions {
  /** a job not answered by then marks its worker wedged (see wedged()) */
  jobTimeoutMs: number;
  spawn?: SpawnWorker;
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
 * replaced on the next call, and so is a wedged one (a job unanswered for INFERENCE_JOB_TIMEOUT_MS:
 * 504), so a hang cannot keep the registry's model slots taken for ever.
 */
export class InferenceWorkers {
  private readonly logger = new Logger(InferenceWorkers.name);
  private readonly slots: Slot[] = [];
  private readonly placement: string[][];
  private readonly jobs: WorkerJobs<Slot, Answer>;
  private readonly imageKeys = new ImageKeys();
  /** the workers that were sent each image's pixels */
  private readonly holders = new WeakMap<RawImage, Set<Slot>>();
  private closed = false;
  /** when the last load failed (loadFailed), until one succeeds */
  private loadFailedAt: number | null = null;
  private readonly jobTimeoutMs: number;
  private readonly spawnThread: SpawnWorker;

  constructor(
    private readonly models: WorkerModel[],
    count: number,
    private readonly intraOpThreads: number,
    options: InferenceWorkersOptions,
  ) {
    this.placement = placeModels(models, count);
    this.jobTimeoutMs = options.jobTimeoutMs;
    this.jobs = new WorkerJobs(options.jobTimeoutMs);
    this.spawnThread = options.spawn ?? spawnWorker;
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

  /**
   * Replaces the workers that died: one per placement entry, each opening its models — not within a
   * deadline of a load that failed (loadFailed), so a load that keeps failing (out of memory) is
   * retried at most once a deadline, not by every request.
   */
  private respawn(): void {
    if (this.loadFailedAt !== null && Date.now() - this.loadFailedAt < this.jobTimeoutMs) return;
    this.placement.forEach((_, place) => {
      if (!this.slots.some((s) => s.place === place)) this.slots.push(this.spawn(place));
    });
  }

  /**
   * Why the models cannot answer now, or null: a worker still opening its models a deadline after
   * it started (it cannot be ended, see opened(); its requests get 504), or a load that failed less
   * than a deadline ago (503 until the retry). /readyz reports it (ModelRegistry.check), so a
   * balancer routes around this replica meanwhile; the failure's mark ends with the retry's window.
   */
  loadTrouble(now = Date.now()): string | null {
    const stuck = this.slots.filter((s) => s.loadingSince !== null && now - s.loadingSince > this.jobTimeoutMs);
    if (stuck.length) return `${stuck.length} inference worker(s) still opening their models after ${this.jobTimeoutMs} ms`;
    const failed = this.loadFailedAt === null ? null : now - this.loadFailedAt;
    return failed !== null && failed < this.jobTimeoutMs ? `an inference worker failed to open its models ${failed} ms ago; retried after ${this.jobTimeoutMs} ms` : null;
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
    // a worker still opening its models only when no opened one has the model: its inFlight stays
    // 0 while it loads, so it would otherwise take every request a busy opened worker could answer
    const opened = eligible.filter((s) => s.loadingSince === null);
    const candidates = opened.length ? opened : eligible;
    const least = Math.min(...candidates.map((s) => s.inFlight));
    const idle = candidates.filter((s) => s.inFlight === least);
    const slot = idle.find((s) => holders?.has(s)) ?? idle[0];
    await this.opened(slot);
    let res = await this.send(slot, (id) => build(id, this.imageKeys.ref(image, !holders?.has(slot))));
    if (res.kind === 'resend') res = await this.send(slot, (id) => build(id, this.imageKeys.ref(image, true)));
    if (!holders) this.holders.set(image, (holders = new Set()));
    holders.add(slot);
    if (!res.ok) {
      this.logger.error(`Inference failed in a worker: ${res.kind === 'failed' ? res.error : 'image lost'}`);
      throw new AnalysisUnavailableError('The model failed to run on this image.');
    }
    return res;
  }

  /**
   * Waits for a (replacement) worker to open its models, at most one job deadline. Past it this
   * request fails with WorkerTimeoutError, giving its model slot back, but the worker is NOT ended:
   * ending a worker inside onnxruntime's session creation aborts the whole process (see start()).
   * The start-up load is not bounded either: start() waits for it, and src/startup.ts stops the
   * process when it fails. The job's own deadline starts in send(), once the sessions are open.
   */
  private async opened(slot: Slot): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new WorkerTimeoutError(this.jobTimeoutMs, 'opening the models')), this.jobTimeoutMs);
    });
    try {
      await Promise.race([slot.ready, late]);
    } catch (err) {
      // a load that failed (loadFailed): the models cannot answer now, a 503 and not the raw error
      throw err instanceof WorkerTimeoutError ? err : new AnalysisUnavailableError();
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A worker that could not open its models: at start-up start() reports it (src/startup.ts); a
   * replacement leaves the pool and is ended (its load is over), so its waiters get 503 and the
   * next call starts another — it used to stay and fail every later request with a 500.
   */
  private loadFailed(slot: Slot, error: string, failed: (e: Error) => void): void {
    failed(new Error(error));
    this.loadFailedAt = Date.now();
    if (slot.retired) return;
    this.logger.error(`Inference worker could not open its models: ${error}`);
    this.retire(slot, new AnalysisUnavailableError());
    endWorker(slot.worker);
  }

  private send(slot: Slot, build: (id: number) => InferenceWorkerRequest): Promise<Answer> {
    if (slot.retired) return Promise.reject(new AnalysisUnavailableError());
    const id = this.jobs.nextId();
    const req = build(id);
    const kind = req.kind === 'heatmap' ? 'heatmap' : 'run';
    return this.jobs.add(id, slot, () => slot.worker.postMessage(req), () => this.wedged(slot, kind));
  }

  /**
   * A job of `slot` passed its deadline: the worker is stuck (a native run that never returns, a
   * loop in the pixel code), and every job queued behind it would wait for ever. It leaves the
   * pool, all its jobs fail with WorkerTimeoutError (each caller's semaphore slot is given back
   * as its promise settles, once), it is ended without waiting for it, and the next call starts
   * a fresh one in its place. Its late answers and its exit are ignored (one log line per hang).
   */
  private wedged(slot: Slot, kind: 'run' | 'heatmap'): void {
    if (slot.retired) return;
    const jobs = this.retire(slot, new WorkerTimeoutError(this.jobTimeoutMs, kind === 'run' ? 'a model run' : 'a heat map'));
    const now = this.stop(slot);
    this.logger.error(
      `Inference worker wedged: a ${kind} job had no answer within ${this.jobTimeoutMs} ms; worker ${now ? 'ended' : 'ends itself when its model run returns'}, ${jobs} job(s) failed, a fresh worker starts on the next call`,
    );
  }

  /**
   * Ends `slot`'s thread — at once when it is outside onnxruntime, else it ends itself when its
   * session.run() returns (terminating it inside one aborts the process: worker-control.ts). A
   * native call that never returns keeps its thread (terminate() could not stop it either). True
   * when it was ended now.
   */
  private stop(slot: Slot): boolean {
    if (!slot.control.requestStop()) return false;
    endWorker(slot.worker);
    return true;
  }

  /** Takes `slot` out of the pool and fails its pending jobs with `err`; how many there were. */
  private retire(slot: Slot, err: Error): number {
    slot.retired = true;
    slot.abandon(err);
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    return this.jobs.failAll(slot, err);
  }

  private spawn(place: number): Slot {
    const worker = this.spawnThread('inference.worker');
    let loaded!: () => void;
    let failed!: (e: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      loaded = resolve;
      failed = reject;
    });
    ready.catch(() => undefined);
    const control = new WorkerControl();
    const slot: Slot = { worker, ready, inFlight: 0, place, models: new Set(this.placement[place]), retired: false, loadingSince: Date.now(), abandon: failed, control };
    worker.on('message', (res: InferenceWorkerResponse) => {
      if (res.kind === 'loaded') {
        slot.loadingSince = null;
        if (!res.ok) return this.loadFailed(slot, res.error, failed);
        this.loadFailedAt = null;
        loaded();
        return;
      }
      this.jobs.answer(res);
    });
    worker.on('error', (err) => this.fail(slot, err, failed));
    // Any exit outside close() is a loss, code 0 included: a thread that ended itself (process.exit(0)
    // in it) with jobs unanswered left them waiting a whole job deadline, and every request sent to
    // it meanwhile too (a 504 after 30 s instead of a 503 at once). A retired slot's exit is ignored (fail()).
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(slot, new Error(`worker exited with ${code}`), failed);
    });
    const load: InferenceWorkerRequest = { kind: 'load', models: this.models.filter((m) => slot.models.has(m.name)), intraOpThreads: this.intraOpThreads, control: control.buffer };
    worker.postMessage(load);
    return slot;
  }

  private fail(slot: Slot, err: Error, failed: (e: Error) => void): void {
    failed(err);
    if (slot.retired) return; // ended for a hang: already logged, its jobs already failed
    this.logger.error(`Inference worker failed: ${err.message}`);
    this.retire(slot, new AnalysisUnavailableError());
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = [...this.slots];
    for (const slot of slots) this.retire(slot, new AnalysisUnavailableError());
    // Waits one deadline at most (a thread stuck in native code may never stop); one still loading is
    // left alone: ending it mid-load aborts the process (see opened()), and it is unref'd.
    // A thread inside a model run ends itself when the run returns (stop()); terminating it there
    // would abort the process instead of the clean exit a shutdown promises.
    const ended = Promise.all(slots.filter((s) => s.loadingSince === null).map((s) => (s.control.requestStop() ? s.worker.terminate().catch(() => undefined) : new Promise((resolve) => s.worker.once('exit', resolve)))));
    await Promise.race([ended, delay(this.jobTimeoutMs, undefined, { ref: false })]);
  }
}
