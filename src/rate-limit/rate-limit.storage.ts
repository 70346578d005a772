import { Global, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { AppConfig } from '../config/config.service';
import { MemoryThrottlerStorage } from './memory-throttler.storage';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/** What a store answers per hit (@nestjs/throttler does not export the record type from its index). */
export type ThrottlerHit = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * A counter store the app can also reset: a successful login forgets the account's short-window
 * attempts and refunds its own hit on the failed-login counter (README "Rate limits"). A backend
 * without them would quietly bring back the lock-out of users who merely log in often, so the
 * type requires both.
 */
export interface RateLimitBackend extends ThrottlerStorage {
  /** Drops the counter and block of `key` under this throttler; resolves once done. */
  forget(key: string, throttlerName: string): Promise<void>;
  /**
   * Takes back one counted hit of `key` (none left: nothing); a block stays. A successful login
   * refunds the hit the guard counted for it on the failed-login counter, so that counter holds
   * failures only while a success leaves earlier failures — other IPs' guesses — in place.
   */
  refund(key: string, throttlerName: string): Promise<void>;
}

/**
 * Where rate-limit counters live. Default: this process's memory (memory-throttler.storage.ts) —
 * right for one instance. With several instances behind a load balancer the counters must be
 * shared: REDIS_URL selects redis-throttler.storage.ts, and `useBackend()` takes any other
 * RateLimitBackend at bootstrap, before the app listens (test/e2e/rate-limit.e2e.spec.ts does it
 * with a fake shared store and two app instances).
 */
@Injectable()
export class RateLimitStore implements RateLimitBackend, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private backend: RateLimitBackend = new MemoryThrottlerStorage();

  useBackend(backend: RateLimitBackend): void {
    this.shutdown(this.backend);
    this.backend = backend;
  }

  increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerHit> {
    return this.backend.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  /** Never throws: a counter left standing is a lesser harm than a correct login answered with 500. */
  async forget(key: string, throttlerName: string): Promise<void> {
    try {
      await this.backend.forget(key, throttlerName);
    } catch (err) {
      this.logger.warn(`Could not reset the ${throttlerName} counter: ${err instanceof Error ? err.message : 'error'}`);
    }
  }

  /** Never throws, as forget: the cost of a failure is one extra counted attempt, not a 500 on a correct login. */
  async refund(key: string, throttlerName: string): Promise<void> {
    try {
      await this.backend.refund(key, throttlerName);
    } catch (err) {
      this.logger.warn(`Could not take back a ${throttlerName} hit: ${err instanceof Error ? err.message : 'error'}`);
    }
  }

  onApplicationShutdown(): void {
    this.shutdown(this.backend);
  }

  /** The in-memory store keeps a timer and Redis a connection; let them go with the app. */
  private shutdown(b: ThrottlerStorage): void {
    (b as Partial<OnApplicationShutdown>).onApplicationShutdown?.();
  }
}

export const RATE_LIMIT_STORAGE = RateLimitStore;

/** REDIS_URL set: counters shared through Redis (redis-throttler.storage.ts); else this process's memory. */
function rateLimitStoreFor(config: AppConfig): RateLimitStore {
  const store = new RateLimitStore();
  if (config.redisUrl) store.useBackend(RedisThrottlerStorage.fromUrl(config.redisUrl));
  return store;
}

@Global()
@Module({ providers: [{ provide: RateLimitStore, inject: [AppConfig], useFactory: rateLimitStoreFor }], exports: [RateLimitStore] })
export class RateLimitStorageModule {}
