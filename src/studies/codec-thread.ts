import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AnalysisUnavailableError } from '../common/errors';
import { sourceExecArgv } from '../common/source-exec-argv';
import type { WasmCodec, WasmFrame } from './wasm-codecs';

export interface CodecRequest {
  id: number;
  codec: WasmCodec;
  bytes: Uint8Array;
}
/** `restart`: the module may be unusable (a trap, or an error other than the codec's refusal): the worker is ended. */
export type CodecResponse = { id: number; ok: true; frame: WasmFrame } | { id: number; ok: false; corrupt: boolean; restart: boolean; error: string };

/** The codec refused the stream (a 422 for the frame, not a fault of the service). */
export class CodecStreamError extends Error {}

interface Job {
  req: CodecRequest;
  /** ms the decode may take once started (frameDeadlineMs) */
  deadline: number;
  resolve: (f: WasmFrame) => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
  timer?: NodeJS.Timeout;
}

/** A worker left idle this long is ended, giving back its WebAssembly memory (which only grows). */
const IDLE_MS = 10_000;

/** The codec did not finish a frame within its deadline: the stream is taken for damaged or hostile (a 422 for the frame). */
export class CodecDeadlineError extends CodecStreamError {}

/**
 * How long a frame of `pixels` may take to decode: 2 s + 4 µs a pixel (512²: 3 s; 2048²: 19 s —
 * 35× the ~0.55 s a 2048² JPEG 2000 frame takes on a busy core). Without it, a stream on which a
 * codec spins (a cut JPEG-LS stream held CharLS ~16 s for 3,072 pixels) would hold the one codec
 * thread, and every other study's frames behind it, until its request's own timeout.
 */
export function frameDeadlineMs(pixels: number): number {
  return 2000 + Math.ceil(pixels / 250);
}

/**
 * Added to the deadline of a frame that starts a fresh worker: its start-up (the WebAssembly load;
 * the TypeScript loader under jest) is not the stream's decoding, and on a loaded 2-core box it took over 0.4 s.
 */
export const WORKER_START_ALLOWANCE_MS = 5000;

/**
 * One worker thread for the WebAssembly codecs (JPEG-LS, JPEG 2000, HTJ2K), started on first use: frames
 * are decoded one at a time in arrival order, off the event loop, each module loaded once per
 * worker and reused. Cancellable: a queued frame whose signal aborts leaves the queue; the frame
 * being decoded is stopped by ending the worker (WebAssembly cannot be interrupted otherwise; the
 * next frame starts a fresh one, ~40–100 ms). A stream on which the codec traps (rather than
 * throwing its own error) also ends the worker, since the module's state cannot be trusted after
 * it. The worker keeps the process alive while a frame is queued or decoding (a command-line run
 * must not exit before its answer) and never while idle. It is unref'd in pump, after its listeners:
 * adding a 'message' listener refs a worker again, so the unref once made before them did nothing and
 * an idle worker held the process until its idle timer ended it (10 s).
 */
export class CodecThread {
  /** `deadlineOf`: a frame's decode deadline in ms from its pixel count; `startAllowanceMs`: added where the frame
   *  starts a fresh worker (tests shorten both) */
  constructor(
    private readonly deadlineOf: (pixels: number) => number = frameDeadlineMs,
    private readonly startAllowanceMs = WORKER_START_ALLOWANCE_MS,
  ) {}

  private worker: Worker | null = null;
  private readonly queue: Job[] = [];
  private current: Job | null = null;
  private nextId = 1;
  private idle: NodeJS.Timeout | null = null;

  /** A worker is started now, busy or idle (tests). */
  get started(): boolean {
    return this.worker !== null;
  }

  /** `pixels`: the frame's declared size (checked before), which sets its deadline. */
  decode(codec: WasmCodec, bytes: Uint8Array, pixels: number, signal?: AbortSignal): Promise<WasmFrame> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<WasmFrame>((resolve, reject) => {
      // a view into the file would be cloned with all of the file's buffer: only the frame's bytes go
      const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
      const job: Job = { req: { id: this.nextId++, codec, bytes: own }, deadline: this.deadlineOf(pixels), resolve, reject, signal };
      job.onAbort = () => this.abort(job);
      signal?.addEventListener('abort', job.onAbort, { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  private pump(): void {
    if (this.current || !this.queue.length) {
      if (!this.current && this.worker && !this.idle) {
        this.worker.unref(); // idle: it never keeps the process alive
        this.idle = setTimeout(() => this.end(), IDLE_MS);
        this.idle.unref();
      }
      return;
    }
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    const job = this.queue.shift()!;
    this.current = job;
    const fresh = this.worker === null;
    const worker = this.spawn();
    worker.ref(); // a frame awaited keeps the process alive, as any pending I/O does
    worker.postMessage(job.req);
    // the worker is ended with the frame: the codec may never return from it
    const timer = setTimeout(() => {
      if (this.current !== job) return;
      this.end();
      this.settle(job, () => job.reject(new CodecDeadlineError(`its decoding did not finish within ${(job.deadline / 1000).toFixed(1)} s (a damaged or hostile stream)`)));
    }, job.deadline + (fresh ? this.startAllowanceMs : 0));
    timer.unref();
    job.timer = timer;
  }

  private settle(job: Job, answer: () => void): void {
    job.signal?.removeEventListener('abort', job.onAbort!);
    if (job.timer) clearTimeout(job.timer);
    if (this.current === job) this.current = null;
    answer();
    this.pump();
  }

  private abort(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    else if (this.current === job) this.end();
    else return;
    this.settle(job, () => job.reject(job.signal!.reason));
  }

  private spawn(): Worker {
    if (this.worker) return this.worker;
    const js = path.join(__dirname, 'codec.worker.js');
    // from the sources (jest, the scripts) the worker runs its TypeScript through scripts/ts-register.cjs
    const script = fs.existsSync(js) ? js : path.join(__dirname, 'codec.worker.ts');
    const worker = new Worker(script, { execArgv: sourceExecArgv(script) });
    worker.on('message', (res: CodecResponse) => {
      const job = this.current;
      if (!job || job.req.id !== res.id) return;
      if (!res.ok && res.restart) this.end();
      this.settle(job, () => (res.ok ? job.resolve(res.frame) : job.reject(res.corrupt ? new CodecStreamError(res.error) : new AnalysisUnavailableError(`Frame decoding failed: ${res.error}`))));
    });
    const lost = () => {
      if (this.worker !== worker) return;
      this.worker = null;
      const job = this.current;
      if (job) this.settle(job, () => job.reject(new AnalysisUnavailableError('The frame decoder stopped.')));
    };
    worker.on('error', lost);
    worker.on('exit', lost);
    this.worker = worker;
    return worker;
  }

  /** Ends the worker now (its decode, if any, with it). */
  end(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    const w = this.worker;
    this.worker = null;
    w?.terminate().catch(() => undefined);
  }
}

/** The process's one codec thread (nothing starts until a JPEG-LS, JPEG 2000 or HTJ2K frame is decoded). */
export const codecThread = new CodecThread();
