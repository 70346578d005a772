import { AnalysisUnavailableError } from '../common/errors';

/**
 * Passes a waiter takes before it is served next: above what studies do to each other, below what
 * starves one. A 24-slice study puts ~48 runs on the pool (triage + diagnosis a slice), so with
 * STUDY_CONCURRENCY 4 the later studies worked on are passed ~48–144 times by the earlier ones'
 * runs. scripts/measure-queue-aging.ts (virtual time, a tick = one run, pool 8): ten studies finish
 * in the same ticks as without aging at 128 and 256, not at 64; a study under a flood of 16 image
 * users, never done without aging, is done in 114 ticks (a study alone: 6; 256: 210; 64: 66); the
 * images' p95 goes from 4 to 5 ticks while studies run (64: 6) and is unchanged with none, since
 * images alone are one rank and nobody is passed.
 */
export const MAX_PASSED = 128;

/**
 * Bounds concurrent model runs. Requests beyond `limit` wait in FIFO order within their rank, a
 * lower rank first; beyond `queueLimit` waiting requests are refused at once (503) instead of
 * piling up. Ranks let the model pool serve ten studies one after another instead of all at once
 * (each keeps INFERENCE_POOL_SIZE runs queued, so in FIFO order they shared the models evenly and
 * all finished near the end): a study's runs carry its arrival number, a single image's rank 0.
 *
 * Aging bounds every wait: a waiter passed over by `maxPassed` grants to waiters that arrived after it
 * with a lower rank is served next (the earliest such first), so an endless stream of single images
 * cannot hold a study's runs back until its timeout. Counted in grants, not time: deterministic.
 */
export class Semaphore {
  private active = 0;
  private arrivals = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    private readonly limit: number,
    private readonly queueLimit: number,
    private readonly maxPassed = MAX_PASSED,
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
      const entry: Waiter = { rank, seq: this.arrivals++, passed: 0, grant };
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
    if (this.waiting.length === 0) {
      this.active--;
      return;
    }
    // the head, unless someone has been passed over enough (the queue is at most queueLimit long)
    let aged = -1;
    for (let i = 0; i < this.waiting.length; i++) {
      const w = this.waiting[i];
      if (w.passed >= this.maxPassed && (aged < 0 || w.seq < this.waiting[aged].seq)) aged = i;
    }
    const [next] = this.waiting.splice(Math.max(aged, 0), 1);
    // overtaking at the same rank or by an earlier arrival is just the order, not a pass
    for (const w of this.waiting) if (w.seq < next.seq && w.rank > next.rank) w.passed++;
    next.grant(); // the slot passes straight to the next waiter
  }
}

interface Waiter {
  rank: number;
  /** arrival number: passes are counted against it */
  seq: number;
  /** grants to later arrivals of a lower rank while this one waited */
  passed: number;
  grant: () => void;
}

