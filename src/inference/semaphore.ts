import { AnalysisUnavailableError } from '../common/errors';

/**
 * Bounds concurrent model runs. Requests beyond `limit` wait in FIFO order; beyond
 * `queueLimit` waiting requests are refused at once (503) instead of piling up.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

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

  async use<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.queueLimit) {
      return Promise.reject(new AnalysisUnavailableError('The service is busy; please retry in a moment.'));
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight to the next waiter
    else this.active--;
  }
}
