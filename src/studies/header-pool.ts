import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ResourceLimits, Worker } from 'node:worker_threads';
import { AnalysisUnavailableError } from '../common/errors';
import { sourceExecArgv } from '../common/source-exec-argv';
import type { FrameRoom, NotAnImage } from './dicom';
import type { HeaderFields } from './dicom-header';
import * as studyErrors from './study-errors';
import { CorruptStudyError, FilePosition, fileLabel } from './study-errors';

/** One header to parse: `own`, the bytes are the read's own (an inflated file), moved to the worker and back instead of copied. */
export interface HeaderRequest {
  bytes: Uint8Array;
  own: boolean;
  pos: FilePosition;
  frameRoom: Omit<FrameRoom, 'entries'>;
  /** what is left of the study's header-entry budget (FrameRoom.entries) */
  roomLeft: number;
  deflatedAt?: number;
}
export type WireRequest = Omit<HeaderRequest, 'own'> & { id: number; giveBack: boolean };
/** An error as it crosses threads: its class's name, message and own fields (code, statusCode, name). */
export interface WireError {
  className: string;
  message: string;
  fields: Record<string, unknown>;
}
export type WireResponse =
  | { ready: true }
  | { id: number; ok: true; fields: HeaderFields | NotAnImage; roomLeft: number; bytes?: Uint8Array }
  | { id: number; ok: false; error: WireError };

/** The parse's answer: the budget left after it, and the request's own bytes back (`own`). */
export interface HeaderAnswer {
  fields: HeaderFields | NotAnImage;
  roomLeft: number;
  bytes?: Uint8Array;
}

interface Job {
  id: number;
  req: HeaderRequest;
  resolve: (a: HeaderAnswer) => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface Slot {
  worker: Worker;
  /** its script loaded (it said so): a later death is the file's doing, an earlier one the service's */
  ready: boolean;
  job: Job | null;
  idle: NodeJS.Timeout | null;
  /** idle on the long timer (idleMs): the one worker kept warm */
  warm: boolean;
}

/**
 * How long one idle worker is kept warm by default (HEADER_WORKER_IDLE_MS): a fresh worker per
 * burst cost ~0.2 s (script load, cold JIT and heap: 4 reads of a 200,000-entry file took 1121 ms
 * in a fresh worker, 908 in a warm one, 773 in place) and made a big-header study slower
 * than it was on the main thread; a warm one holds ~70–80 MB of RSS while it waits (docs/performance.md).
 */
export const DEFAULT_HEADER_IDLE_MS = 30_000;

/**
 * A second idle worker (one a burst needed beside the warm one) is ended after this, or idleMs if
 * that is shorter: only one worker's heap is held for the whole window.
 */
export const SPARE_HEADER_IDLE_MS = 10_000;

/**
 * A header at the per-file cap (204,800 entries) takes ~50 MB of dicom-parser's objects; a worker
 * that needs five times that is stopped (ERR_WORKER_OUT_OF_MEMORY) rather than the process.
 */
export const HEADER_WORKER_HEAP_MB = 256;

/**
 * The worker's young generation (V8's nursery), larger than the one V8 sizes for a 256 MB heap: a
 * parse builds ~50 MB of objects that all live until it ends, and in the small nursery most were
 * copied out by scavenges and then marked again and again as the capped old generation grew (34 full
 * GCs, ~1.7 s, for 33 parses of a 200,000-entry header, against 6 on the main thread for the same
 * reads in place): that, not the messages (~0.5 ms each way), made the worker's parse ~30 % slower.
 * With 64 MB: half the scavenges, GC time ~0.6 of it (docs/performance.md). Not counted in the 256.
 */
export const HEADER_WORKER_YOUNG_MB = 64;

/** One worker per core the other work leaves, at most two: the main thread keeps a core on the shared 2-core box. */
export function defaultHeaderWorkers(): number {
  return Math.max(1, Math.min(2, os.availableParallelism() - 1));
}

export interface HeaderPoolOptions {
  /** workers at most */
  size: number;
  /** how long the one warm worker waits idle before it is ended (0: as soon as it is idle) */
  idleMs: number;
  resourceLimits: ResourceLimits;
  /** the worker's module (tests give one that crashes); header.worker, compiled or from the sources */
  script: string;
}

/**
 * DI token of optional HeaderPoolOptions (from a @Global() module) laid over the ones the service
 * builds from its configuration: the e2e tests start a worker that dies on a marked file here.
 */
export const HEADER_POOL_OPTIONS = Symbol('HEADER_POOL_OPTIONS');

function workerScript(): string {
  const js = path.join(__dirname, 'header.worker.js');
  return fs.existsSync(js) ? js : path.join(__dirname, 'header.worker.ts');
}

/**
 * Worker threads that parse large DICOM headers (dicom-parser reads one in a synchronous call:
 * ~0.3 s at the per-file cap, which held the event loop), started on first use, at most `size`,
 * each one header at a time; the rest wait in arrival order, whichever study they belong to.
 * Cancellable: a queued header whose signal aborts leaves the queue; one being parsed is stopped
 * by ending its worker (a fresh one starts for the next). A worker that dies while parsing (out of
 * its heap on a hostile file) takes only that file's read with it: a 422 naming the file, and the
 * next header gets a fresh worker. One idle worker is kept warm for `idleMs`, another beside it
 * for at most SPARE_HEADER_IDLE_MS; an idle worker never keeps the process alive (unref'd, as its timer).
 */
export class HeaderPool {
  private readonly size: number;
  private readonly idleMs: number;
  private readonly resourceLimits: ResourceLimits;
  private readonly script: string;

  constructor(options: Partial<HeaderPoolOptions> = {}) {
    this.size = options.size ?? defaultHeaderWorkers();
    this.idleMs = options.idleMs ?? DEFAULT_HEADER_IDLE_MS;
    this.resourceLimits = options.resourceLimits ?? { maxOldGenerationSizeMb: HEADER_WORKER_HEAP_MB, maxYoungGenerationSizeMb: HEADER_WORKER_YOUNG_MB };
    this.script = options.script ?? workerScript();
  }

  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private spawned = 0;

  parse(req: HeaderRequest, signal?: AbortSignal): Promise<HeaderAnswer> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<HeaderAnswer>((resolve, reject) => {
      const job: Job = { id: this.nextId++, req, resolve, reject, signal };
      job.onAbort = () => this.abort(job);
      signal?.addEventListener('abort', job.onAbort, { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  /** Workers started now (tests). */
  get workers(): number {
    return this.slots.length;
  }
  /** Workers started since the pool was made, ended ones too (tests: a warm worker is reused, not replaced). */
  get started(): number {
    return this.spawned;
  }

  private pump(): void {
    while (this.queue.length) {
      const slot = this.slots.find((s) => !s.job) ?? (this.slots.length < this.size ? this.spawn() : null);
      if (!slot) return;
      this.run(slot, this.queue.shift()!);
    }
    for (const slot of this.slots) {
      if (slot.job || slot.idle) continue;
      // the first worker to go idle is kept warm; one idle beside it is a burst's spare
      slot.warm = !this.slots.some((s) => s.warm);
      slot.idle = setTimeout(() => this.end(slot), slot.warm ? this.idleMs : Math.min(this.idleMs, SPARE_HEADER_IDLE_MS));
      slot.idle.unref();
    }
  }

  /** Workers started and waiting for a header (tests). */
  get idleWorkers(): number {
    return this.slots.filter((s) => !s.job).length;
  }

  private run(slot: Slot, job: Job): void {
    if (slot.idle) clearTimeout(slot.idle);
    slot.idle = null;
    slot.warm = false;
    slot.job = job;
    slot.worker.ref(); // a parse awaited keeps the process alive, as any pending I/O does
    const { own, bytes, ...rest } = job.req;
    // a copy of the file alone, moved: a view cloned as it is would take its whole buffer along
    const sent = own && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
    const msg: WireRequest = { ...rest, bytes: sent, id: job.id, giveBack: own };
    slot.worker.postMessage(msg, [sent.buffer as ArrayBuffer]);
  }

  private settle(job: Job, answer: () => void): void {
    job.signal?.removeEventListener('abort', job.onAbort!);
    const slot = this.slots.find((s) => s.job === job);
    if (slot) {
      slot.job = null;
      slot.worker.unref();
    }
    answer();
    this.pump();
  }

  private abort(job: Job): void {
    const queued = this.queue.indexOf(job);
    const slot = this.slots.find((s) => s.job === job);
    if (queued >= 0) this.queue.splice(queued, 1);
    else if (slot) this.end(slot); // dicom-parser cannot be interrupted otherwise
    else return;
    this.settle(job, () => job.reject(job.signal!.reason));
  }

  private spawn(): Slot {
    // from the sources (jest, the scripts) the worker runs its TypeScript through scripts/ts-register.cjs
    const worker = new Worker(this.script, { execArgv: sourceExecArgv(this.script), resourceLimits: this.resourceLimits });
    const slot: Slot = { worker, ready: false, job: null, idle: null, warm: false };
    this.spawned++;
    worker.on('message', (res: WireResponse) => {
      if ('ready' in res) {
        slot.ready = true;
        return;
      }
      const job = slot.job;
      if (!job || job.id !== res.id) return;
      this.settle(job, () => (res.ok ? job.resolve({ fields: res.fields, roomLeft: res.roomLeft, bytes: res.bytes }) : job.reject(rebuildError(res.error))));
    });
    const lost = () => {
      const at = this.slots.indexOf(slot);
      if (at < 0) return;
      this.slots.splice(at, 1);
      if (slot.idle) clearTimeout(slot.idle);
      const job = slot.job;
      if (!job) return this.pump();
      // a worker that loaded and then died on this file: the file's doing, not the service's
      const err = slot.ready
        ? new CorruptStudyError(`${fileLabel(job.req.pos)} could not be read: its header stopped the header reader (a damaged or hostile file).`)
        : new AnalysisUnavailableError('The DICOM header reader could not start.');
      this.settle(job, () => job.reject(err));
    };
    worker.on('error', lost);
    worker.on('exit', lost);
    // after the listeners: adding a 'message' listener refs a worker again (codec-thread.ts), so an
    // unref made before them did nothing; the job given next refs it for as long as it runs
    worker.unref();
    this.slots.push(slot);
    return slot;
  }

  private end(slot: Slot): void {
    const at = this.slots.indexOf(slot);
    if (at >= 0) this.slots.splice(at, 1);
    if (slot.idle) clearTimeout(slot.idle);
    slot.worker.terminate().catch(() => undefined);
  }

  /**
   * Ends every worker (tests, and the app's shutdown, after its requests were answered). A parse
   * still running or queued (a read the HTTP drain did not wait for, a script's) is rejected with
   * 503 ANALYSIS_UNAVAILABLE, as a worker that could not start: left unsettled, its await hung for
   * good (the ended worker's exit finds its slot gone). Not through settle(): that starts the next.
   */
  close(): void {
    const pending = [...this.slots.flatMap((s) => (s.job ? [s.job] : [])), ...this.queue.splice(0)];
    for (const slot of [...this.slots]) this.end(slot);
    for (const job of pending) {
      job.signal?.removeEventListener('abort', job.onAbort!);
      job.reject(new AnalysisUnavailableError('The DICOM header reader was stopped: the service is shutting down.'));
    }
  }

  /** Nest's shutdown (the pool is a provider of StudiesModule): its workers end with the app. */
  onModuleDestroy(): void {
    this.close();
  }
}

/** An error thrown in the worker, as it crosses threads (the structured clone keeps neither class nor code). */
export function wireError(err: unknown): WireError {
  if (!(err instanceof Error)) return { className: 'Error', message: String(err), fields: {} };
  return { className: err.constructor.name, message: err.message, fields: { ...err } };
}

/**
 * The error as the main thread would have thrown it: the study errors (study-errors.ts) as their own
 * class with their code and status, so a refusal reads the same whichever thread parsed the file;
 * anything else (a fault of ours, never the file's) as a plain Error, answered 500 as before.
 */
export function rebuildError(w: WireError): Error {
  const cls = (studyErrors as Record<string, unknown>)[w.className];
  if (typeof cls !== 'function' || !(cls.prototype instanceof Error)) return new Error(w.message);
  // its constructor would build the message again from values the worker had: the fields it set are copied instead
  const e = Object.assign(Object.create(cls.prototype as object) as Error, w.fields);
  Object.defineProperty(e, 'message', { value: w.message, writable: true, configurable: true });
  Error.captureStackTrace(e, rebuildError);
  return e;
}

/**
 * The header workers of code that reads studies outside the app (scripts, tests calling loadStudy):
 * none starts until a header too large to parse in place is read. The app has its own (StudiesModule,
 * HEADER_WORKER_IDLE_MS). This one keeps the 10 s it always had: each jest suite has a pool of its
 * own (its own module registry), and a worker left warm by every suite would add up in one process.
 */
export const headerPool = new HeaderPool({ idleMs: SPARE_HEADER_IDLE_MS });
