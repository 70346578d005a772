import { AnalysisUnavailableError } from '../common/errors';

/**
 * Images of at most this many pixels never take from the budget (uploads decode them inline: a
 * ~256² scan costs less than a worker round trip; study JPEG frames too): only larger ones wait.
 */
export const LARGE_IMAGE_PIXELS = 1_000_000;

interface Waiter {
  weight: number;
  resolve: (release: () => void) => void;
  reject: (err: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * A budget on pixels in flight (a weighted semaphore): a large image takes its pixel count
 * (capped at the budget, so one image larger than it still runs alone) until its analysis ends.
 * Beyond the budget requests wait in FIFO order; beyond `queueLimit` waiting ones are refused at
 * once (503). A waiter whose AbortSignal fires leaves the queue with the signal's reason.
 */
export class PixelBudget {
  private used = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    readonly limit: number,
    readonly queueLimit: number,
  ) {}

  get inUse(): number {
    return this.used;
  }
  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves with the function that gives the pixels back (idempotent). */
  acquire(pixels: number, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const weight = Math.max(1, Math.min(pixels, this.limit));
    if (!this.waiting.length && this.used + weight <= this.limit) {
      this.used += weight;
      return Promise.resolve(this.releaser(weight));
    }
    if (this.waiting.length >= this.queueLimit) {
      return Promise.reject(new AnalysisUnavailableError('The service is busy with large images; please retry in a moment.'));
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = { weight, resolve, reject, signal };
      if (signal) {
        w.onAbort = () => {
          const i = this.waiting.indexOf(w);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal.reason);
          this.drain(); // the head may have been the one blocking smaller waiters
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.waiting.push(w);
    });
  }

  private releaser(weight: number): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.used -= weight;
      this.drain();
    };
  }

  private drain(): void {
    while (this.waiting.length && this.used + this.waiting[0].weight <= this.limit) {
      const w = this.waiting.shift()!;
      if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
      this.used += w.weight;
      w.resolve(this.releaser(w.weight));
    }
  }
}
