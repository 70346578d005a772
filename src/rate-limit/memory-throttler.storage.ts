import { OnApplicationShutdown } from '@nestjs/common';
import type { RateLimitBackend, ThrottlerHit } from './rate-limit.storage';

interface Entry {
  /** When each counted hit leaves the window (ms epoch), oldest first: one ttl per throttler, so appending keeps
   * the order, and the expired ones are always at the front (hits[0 .. head) are expired, not yet compacted). */
  hits: number[];
  head: number;
  /** End of the block (ms epoch); 0 when not blocked. */
  blockedUntil: number;
}

export interface MemoryThrottlerOptions {
  /** The clock; tests hand in a fake one instead of waiting. */
  now?: () => number;
  /** How often idle entries are dropped (ms). */
  sweepIntervalMs?: number;
}

/**
 * Rate-limit counters in this process's memory: the default backend, and the Redis store's
 * fallback while Redis is away. Same rules as @nestjs/throttler's ThrottlerStorageService as the
 * guard uses it (blockDuration always > 0 there): each hit counts for `ttl` ms (a sliding
 * window); the hit that takes the count over `limit` starts a block of `blockDuration` ms; hits
 * while blocked are not counted; when the block ends the count starts from zero.
 *
 * Our own rather than ThrottlerStorageService because a successful login must reset the
 * per-account counter (`forget`) and take its own hit back from the failed-login one (`refund`), and that service keeps its per-hit expiry lists private —
 * deleting from its public `storage` map leaves them behind, so the count would come back.
 */
export class MemoryThrottlerStorage implements RateLimitBackend, OnApplicationShutdown {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly sweepIntervalMs: number;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(options: MemoryThrottlerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerHit> {
    this.ensureSweep();
    const now = this.now();
    const id = entryId(key, throttlerName);
    const e = this.entries.get(id) ?? { hits: [], head: 0, blockedUntil: 0 };
    this.entries.set(id, e);
    if (e.blockedUntil !== 0 && e.blockedUntil <= now) {
      // the block is over: counting restarts (as in ThrottlerStorageService and the Redis script)
      e.hits = [];
      e.head = 0;
      e.blockedUntil = 0;
    }
    // O(1) amortised per request: a raised limit (the benches allow 10^6 a minute) keeps that many hits live, and
    // copying or spreading them on every request was quadratic and threw past ~125k (Math.min(...hits))
    while (e.head < e.hits.length && e.hits[e.head] <= now) e.head++;
    if (e.head > 0 && e.head * 2 >= e.hits.length) {
      e.hits = e.hits.slice(e.head);
      e.head = 0;
    }
    if (e.blockedUntil === 0) {
      e.hits.push(now + ttl);
      // blockDuration ≤ 0 would never block at all; at least 1 ms, as in the Redis script
      if (e.hits.length - e.head > limit) e.blockedUntil = now + Math.max(blockDuration, 1);
    }
    const live = e.hits.length - e.head;
    const isBlocked = e.blockedUntil !== 0;
    return {
      // while blocked the caller is over the limit whatever has expired since
      totalHits: isBlocked ? Math.max(live, limit + 1) : live,
      timeToExpire: Math.ceil(((live ? e.hits[e.head] : now + ttl) - now) / 1000),
      isBlocked,
      timeToBlockExpire: isBlocked ? Math.ceil((e.blockedUntil - now) / 1000) : 0,
    };
  }

  /** Drops this key's hits and block, as if it had never been seen. */
  async forget(key: string, throttlerName: string): Promise<void> {
    this.entries.delete(entryId(key, throttlerName));
  }

  /** Takes back the newest live hit (the one a request just counted); a block, or no live hit: nothing. */
  async refund(key: string, throttlerName: string): Promise<void> {
    const e = this.entries.get(entryId(key, throttlerName));
    if (!e || e.blockedUntil !== 0 || e.hits.length === e.head) return;
    const now = this.now();
    if (e.hits[e.hits.length - 1] > now) e.hits.pop();
  }

  /** Drops entries with no live hit and no live block, so one-off clients do not pile up. */
  sweep(): void {
    const now = this.now();
    for (const [id, e] of this.entries) {
      if (e.blockedUntil > now || (e.hits.length > 0 && e.hits[e.hits.length - 1] > now)) continue;
      this.entries.delete(id);
    }
  }

  /** Entries held (for tests of the sweep). */
  get size(): number {
    return this.entries.size;
  }

  onApplicationShutdown(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.entries.clear();
  }

  private ensureSweep(): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setInterval(() => this.sweep(), this.sweepIntervalMs);
    // the sweep is housekeeping: it must not keep a process (or a test run) alive
    this.sweepTimer.unref();
  }
}

/** Name and key kept apart unambiguously (a key may contain any character, ':' included). */
function entryId(key: string, throttlerName: string): string {
  return JSON.stringify([throttlerName, key]);
}
