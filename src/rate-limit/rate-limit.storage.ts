import { Global, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { AppConfig } from '../config/config.service';
import { RedisThrottlerStorage } from './redis-throttler.storage';

type Record = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Where rate-limit counters live. Default: this process's memory (@nestjs/throttler's
 * ThrottlerStorageService) — right for one instance. With several instances behind a load
 * balancer the counters must be shared: hand any ThrottlerStorage implementation (for example
 * a Redis-backed one such as @nest-lab/throttler-storage-redis) to `useBackend()` at bootstrap,
 * before the app listens (README "Rate limits"; test/e2e/rate-limit.e2e.spec.ts does it with a
 * fake shared store and two app instances).
 */
@Injectable()
export class RateLimitStore implements ThrottlerStorage, OnApplicationShutdown {
  private backend: ThrottlerStorage = new ThrottlerStorageService();

  useBackend(backend: ThrottlerStorage): void {
    this.shutdown(this.backend);
    this.backend = backend;
  }

  increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<Record> {
    return this.backend.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  onApplicationShutdown(): void {
    this.shutdown(this.backend);
  }

  /** The in-memory store keeps timers; let them go with the app. */
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
