import { Inject, Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { availableParallelism } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import { AnalysisUnavailableError, CorruptImageError, WorkerTimeoutError } from '../common/errors';
import { AppConfig } from '../config/config.service';
import type { ColourParams } from './colour-share';
import type { DecodedImage, DecodeLimits, ImageHeader } from './image-decoder';
import { DISPLAY_MAX_SIDE, DisplayLuma, displayFromLuma, InputSpec, inputsFromLuma, inputsFromPrepared } from './prepare';
import { Preprocessed, RawImage, toLuma } from './preprocess';
import { endWorker, SPAWN_WORKER, type SpawnWorker, spawnWorker } from './spawn-worker';

export type PrepareRequest =
  | { id: number; op: 'inputs'; image: RawImage; specs: InputSpec[] }
  | { id: number; op: 'display'; image: RawImage; maxSide: number }
  /** `sizes`: reduce the decoded image to these letterboxes and the display (RawImage.prepared); `colour`: measure it too */
  | { id: number; op: 'decode'; bytes: Uint8Array; header: ImageHeader; limits: DecodeLimits; sizes?: number[]; colour?: ColourParams }
  /** the PDF figure of an upload (image-encoder.ts's reportFigurePng) */
  | { id: number; op: 'figure'; bytes: Uint8Array; maxPixels: number };
export type PrepareResponse =
  | { id: number; ok: true; op: 'inputs'; inputs: Preprocessed[] }
  | { id: number; ok: true; op: 'display'; display: DisplayLuma }
  | { id: number; ok: true; op: 'decode'; image: DecodedImage }
  | { id: number; ok: true; op: 'figure'; png: Uint8Array }
  /** `corrupt`: the bytes could not be decoded (a 422, not a service fault) */
  | { id: number; ok: false; error: string; corrupt?: boolean };
type Done = Extract<PrepareResponse, { ok: true }>;

interface Pending {
  resolve: (p: Done) => void;
  reject: (e: unknown) => void;
  /** the job's deadline (INFERENCE_JOB_TIMEOUT_MS); kept after its caller aborted */
  timer: NodeJS.Timeout;
}

/** What each job is, in the words of a WorkerTimeoutError. */
const JOB_WORDS: Record<PrepareRequest['op'], string> = {
  inputs: 'preparing the model inputs',
  display: 'preparing the display image',
  decode: 'decoding the image',
  figure: "making the report's figure",
};

/** Images below this many pixels are prepared inline: a worker round trip would cost more. */
const INLINE_MAX_PIXELS = 512 * 512;

/**
 * Worker threads for the CPU-heavy pixel work (luma, PIL-exact resampling, display image) when
 * the models run on the main thread (INFERENCE_WORKERS=0; with inference workers that work is
 * done there), so a 40-megapixel upload cannot freeze the event loop for everyone else. Small
 * images are prepared inline. Under jest the worker runs the TypeScript source through scripts/ts-register.cjs.
 * A job unanswered for INFERENCE_JOB_TIMEOUT_MS fails with 504 and its worker is ended as wedged
 * (a decode's pixel budget waits for the job to settle, so a hang would hold it for ever).
 */
@Injectable()
export class PreparePool implements OnModuleDestroy {
  private readonly logger = new Logger(PreparePool.name);
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly owner = new Map<number, Worker>();
  /** single-job workers (large decodes), ended when their job is */
  private readonly transient = new Set<Worker>();
  private nextId = 1;
  private turn = 0;
  private closed = false;
  /** pooled workers ended as wedged: their exit and late answers are ignored */
  private readonly retired = new WeakSet<Worker>();
  private readonly spawnThread: SpawnWorker;

  constructor(
    private readonly config: AppConfig,
    @Optional() @Inject(SPAWN_WORKER) spawn?: SpawnWorker,
  ) {
    this.spawnThread = spawn ?? spawnWorker;
  }

  /** Each spec's model input (contract preprocessing), in spec order. */
  async inputs(image: RawImage, specs: InputSpec[]): Promise<Preprocessed[]> {
    if (image.prepared) return inputsFromPrepared(image.prepared, specs);
    if (this.inline(image)) return inputsFromLuma(toLuma(image), image.width, image.height, specs);
    const res = await this.send({ id: this.nextId++, op: 'inputs', image, specs });
    if (res.op !== 'inputs') throw new AnalysisUnavailableError();
    return res.inputs;
  }

  /** The heat map's background: the image's luma at display size. */
  async display(image: RawImage, maxSide = DISPLAY_MAX_SIDE): Promise<DisplayLuma> {
    if (image.prepared && maxSide === DISPLAY_MAX_SIDE) return image.prepared.display;
    if (this.inline(image)) return displayFromLuma(toLuma(image), image.width, image.height, maxSide);
    const res = await this.send({ id: this.nextId++, op: 'display', image, maxSide });
    if (res.op !== 'display') throw new AnalysisUnavailableError();
    return res.display;
  }

  /**
   * Decodes large image bytes in a worker (libvips there, and the 16-bit / alpha loops in that
   * worker's JS, not the event loop). An aborted request is answered at once; the worker's result,
   * when it comes, is dropped.
   */
  async decode(
    bytes: Uint8Array,
    header: ImageHeader,
    limits: DecodeLimits,
    signal?: AbortSignal,
    sizes?: number[],
    colour?: ColourParams,
  ): Promise<DecodedImage> {
    const req: PrepareRequest = { id: this.nextId++, op: 'decode', bytes, header, limits, sizes, colour };
    const res = await (sizes ? this.inFreshWorker(req, signal) : this.send(req, signal));
    if (res.op !== 'decode') throw new AnalysisUnavailableError();
    return res.image;
  }

  /**
   * The PDF figure (reportFigurePng) of a large upload, 8- or 16-bit, made in a worker of its own
   * (ImageDecodeService.figure, under the pixel budget): a 16-bit grey upload's pixels
   * are scaled in JS there (40 MP held the event loop for 0.25–0.38 s on the main thread), and
   * its ~120 MB of decoded and scaled pixels end with that worker.
   */
  async figure(bytes: Uint8Array, maxPixels: number): Promise<Buffer> {
    const res = await this.inFreshWorker({ id: this.nextId++, op: 'figure', bytes, maxPixels });
    if (res.op !== 'figure') throw new AnalysisUnavailableError();
    return Buffer.from(res.png.buffer, res.png.byteOffset, res.png.byteLength);
  }

  /**
   * One job in a worker of its own, ended as soon as it answers (or its signal aborts): a 40-MP
   * decode leaves ~0.4 GB of garbage (decoded RGBA, RGB, luma) that a long-lived worker keeps
   * until its next collection — beside the next large decode. Ending the thread gives it all
   * back at once; the ~30 ms start is nothing beside such a decode. A crash is that job's 503.
   */
  private inFreshWorker(req: PrepareRequest, signal?: AbortSignal): Promise<Done> {
    if (this.closed) return Promise.reject(new AnalysisUnavailableError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    const worker = this.spawnThread('prepare.worker');
    this.transient.add(worker);
    const ms = this.config.inferenceJobTimeoutMs;
    return new Promise<Done>((resolve, reject) => {
      let settled = false;
      const end = (settle: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.transient.delete(worker);
        endWorker(worker);
        settle();
      };
      const onAbort = () => end(() => reject(signal!.reason));
      // past the deadline the thread is wedged (ended: libvips's native threads may still finish
      // their part, but the budget must not wait for ever on a thread that may never answer)
      const timer = setTimeout(
        () =>
          end(() => {
            this.logger.error(`Decode worker wedged: ${req.op} had no answer within ${ms} ms; worker ended`);
            reject(new WorkerTimeoutError(ms, JOB_WORDS[req.op]));
          }),
        ms,
      );
      timer.unref();
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.once('message', (res: PrepareResponse) =>
        end(() => {
          if (res.ok) resolve(res);
          else reject(res.corrupt ? new CorruptImageError() : new AnalysisUnavailableError(`Image preparation failed: ${res.error}`));
        }),
      );
      worker.once('error', (err) => end(() => (this.logger.error(`Decode worker failed: ${err.message}`), reject(new AnalysisUnavailableError()))));
      worker.once('exit', () => end(() => reject(new AnalysisUnavailableError())));
      worker.postMessage(req);
    });
  }

  private inline(image: RawImage): boolean {
    return image.width * image.height <= INLINE_MAX_PIXELS;
  }

  /**
   * A job for a pooled worker. Its caller is answered once: at its signal's abort, or by the
   * worker, or at the deadline. After an abort the job stays tracked (the worker is still on it),
   * so its deadline still finds a worker that wedged on it.
   */
  private send(req: PrepareRequest, signal?: AbortSignal): Promise<Done> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const worker = this.pick();
    return new Promise<Done>((resolve, reject) => {
      let settled = false;
      const settle = (answer: () => void) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        answer();
      };
      const onAbort = () => settle(() => reject(signal!.reason));
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => this.wedged(worker, req.op), this.config.inferenceJobTimeoutMs);
      timer.unref();
      this.pending.set(req.id, {
        resolve: (r) => settle(() => resolve(r)),
        reject: (e) => settle(() => reject(e)),
        timer,
      });
      this.owner.set(req.id, worker);
      worker.postMessage(req);
    });
  }

  /** A pooled worker's job passed its deadline: out of the pool, its jobs failed, ended (see inFreshWorker). */
  private wedged(worker: Worker, op: PrepareRequest['op']): void {
    if (this.retired.has(worker)) return;
    const ms = this.config.inferenceJobTimeoutMs;
    const jobs = this.retire(worker, new WorkerTimeoutError(ms, JOB_WORDS[op]));
    this.logger.error(`Preparation worker wedged: ${op} had no answer within ${ms} ms; worker ended, ${jobs} job(s) failed, a fresh one starts on the next call`);
    endWorker(worker);
  }

  private pick(): Worker {
    if (this.closed) throw new AnalysisUnavailableError();
    // no more threads than cores: the work is CPU-bound (the pool size counts queued model runs)
    const size = Math.max(1, Math.min(this.config.inferencePoolSize, availableParallelism()));
    while (this.workers.length < size) this.workers.push(this.spawn());
    this.turn = (this.turn + 1) % this.workers.length;
    return this.workers[this.turn];
  }

  private spawn(): Worker {
    const worker = this.spawnThread('prepare.worker');
    worker.on('message', (res: PrepareResponse) => {
      const p = this.pending.get(res.id);
      if (!p) return; // failed already (its worker wedged)
      this.pending.delete(res.id);
      this.owner.delete(res.id);
      clearTimeout(p.timer);
      if (res.ok) p.resolve(res);
      else if (res.corrupt) p.reject(new CorruptImageError());
      else p.reject(new AnalysisUnavailableError(`Image preparation failed: ${res.error}`));
    });
    worker.on('error', (err) => this.fail(worker, err));
    // any exit outside close() is a loss, code 0 included: a thread that ended itself left its jobs
    // (and those sent to it later) waiting a whole job deadline; a retired worker's exit is ignored (fail())
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(worker, new Error(`worker exited with ${code}`));
    });
    return worker;
  }

  /** A crashed worker fails its own requests (503) and is replaced on the next call. */
  private fail(worker: Worker, err: Error): void {
    if (this.retired.has(worker)) return; // ended as wedged: logged and failed already
    this.logger.error(`Preparation worker failed: ${err.message}`);
    this.retire(worker, new AnalysisUnavailableError());
  }

  /** Takes a pooled worker out and fails its jobs with `err`; how many there were. */
  private retire(worker: Worker, err: Error): number {
    this.retired.add(worker);
    const i = this.workers.indexOf(worker);
    if (i >= 0) this.workers.splice(i, 1);
    let jobs = 0;
    for (const [id, w] of this.owner) {
      if (w !== worker) continue;
      const p = this.pending.get(id);
      if (p) clearTimeout(p.timer);
      p?.reject(err);
      this.pending.delete(id);
      this.owner.delete(id);
      jobs++;
    }
    return jobs;
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    const pooled = [...this.workers];
    for (const w of pooled) this.retire(w, new AnalysisUnavailableError());
    const all = [...pooled, ...this.transient];
    this.transient.clear();
    // a thread stuck in native code may never stop: shutdown waits for it one job deadline at most
    const ended = Promise.all(all.map((w) => w.terminate().catch(() => undefined)));
    await Promise.race([ended, delay(this.config.inferenceJobTimeoutMs, undefined, { ref: false })]);
  }
}
