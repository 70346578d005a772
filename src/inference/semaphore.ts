import { AnalysisUnavailableError } from '../common/errors';

/**
 * Bounds concurrent model runs. Requests beyond `limit` wait in FIFO order within their rank, a
 * lower rank first; beyond `queueLimit` waiting requests are refused at once (503) instead of
 * piling up. Ranks let the model pool serve ten studies one after another instead of all at once
 * (each keeps INFERENCE_POOL_SIZE runs queued, so in FIFO order they shared the models evenly and
 * all finished near the end): a study's runs carry its arrival number, a single image's rank 0.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: { rank: number; grant: () => void }[] = [];

  constructor(
    private readonly limit: number,
    private readonly queueLimit: number,
  ) {}

  get inUse(): number {
    return this.active;
  }
  get queued(): number {
    return this.waiting.length;
  }

  /** Runs `fn` in a slot; an aborted signal takes a waiting caller out of the queue (its reason is thrown). */
  async use<T>(fn: () => Promise<T>, signal?: AbortSignal, rank = 0): Promise<T> {
    await this.acquire(signal, rank);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(signal: AbortSignal | undefined, rank: number): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.queueLimit) {
      return Promise.reject(new AnalysisUnavailableError('The service is busy; please retry in a moment.'));
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const entry = { rank, grant };
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      // behind every waiter of the same or a lower rank (the queue is at most queueLimit long)
      let at = this.waiting.length;
      while (at > 0 && this.waiting[at - 1].rank > rank) at--;
      this.waiting.splice(at, 0, entry);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next.grant(); // the slot passes straight to the next waiter
    else this.active--;
  }
}
