import { Global, Module } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';

/**
 * Where rate-limit counters live. Default: this process's memory (@nestjs/throttler's
 * ThrottlerStorageService) — right for one instance. With several instances behind a load
 * balancer, provide a shared implementation of ThrottlerStorage under this token (for example
 * a Redis-backed one such as @nest-lab/throttler-storage-redis); test/e2e/rate-limit.e2e.spec.ts
 * shows the switch with a fake shared store. See README "Rate limits".
 */
export const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');

@Global()
@Module({
  providers: [{ provide: RATE_LIMIT_STORAGE, useFactory: (): ThrottlerStorage => new ThrottlerStorageService() }],
  exports: [RATE_LIMIT_STORAGE],
})
export class RateLimitStorageModule {}
