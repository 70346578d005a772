import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import Redis from 'ioredis';

type Hit = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * One fixed window per key plus a block, atomically in Redis (one round trip, no read-modify-write
 * race between replicas). Returns [hits, ms left in the window, blocked 0|1, ms left of the block].
 * The window's count restarts when a block ends, as @nestjs/throttler's in-memory store does.
 */
const INCREMENT_LUA = `
local blockLeft = redis.call('PTTL', KEYS[2])
if blockLeft > 0 then
  return {tonumber(ARGV[2]) + 1, blockLeft, 1, blockLeft}
end
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
if hits > tonumber(ARGV[2]) then
  local blockMs = math.max(tonumber(ARGV[3]), 1)
  redis.call('SET', KEYS[2], '1', 'PX', blockMs)
  redis.call('DEL', KEYS[1])
  return {hits, left, 1, blockMs}
end
return {hits, left, 0, 0}`;

/** What this storage needs of a Redis client (ioredis in production; tests may hand in another). */
export interface RedisLike {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  quit(): Promise<unknown>;
}

/**
 * Rate-limit counters shared by every replica, in Redis (REDIS_URL). The maintained storage package
 * (@nest-lab/throttler-storage-redis 1.2) declares peer @nestjs/* ≤ 11, so installing it beside
 * Nest 12 needs --legacy-peer-deps for the whole tree; this ~40-line store on ioredis avoids that.
 *
 * Redis down (decided): **fail over to this process's own counters**, not open and not closed.
 * Closed would turn a cache outage into a full outage (every route is rate-limited per IP);
 * open would drop the brute-force limit on logins exactly while something is wrong. Per-process
 * counters keep every limit in force on each replica — at worst N× the limit across N replicas —
 * and the service answers. Commands time out after 250 ms and are not queued while disconnected,
 * so an outage costs no latency; ioredis keeps reconnecting and the shared counters resume.
 */
export class RedisThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly fallback = new ThrottlerStorageService();
  private degraded = false;
  /** Until the first connection, a fallback is the start-up race, not an outage: not logged. */
  private connectedOnce = false;
  private warned = false;

  constructor(
    private readonly redis: RedisLike,
    private readonly prefix = 'sentinel:throttle:',
  ) {}

  static fromUrl(url: string): RedisThrottlerStorage {
    const client = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 250,
      connectTimeout: 1000,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    // Connection errors surface per command (and fall back); without a listener ioredis logs each one.
    client.on('error', () => undefined);
    const storage = new RedisThrottlerStorage(client);
    client.once('ready', () => (storage.connectedOnce = true));
    return storage;
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<Hit> {
    const k = `${this.prefix}${throttlerName}:${key}`;
    let reply: unknown;
    try {
      reply = await this.redis.eval(INCREMENT_LUA, 2, `${k}:hits`, `${k}:block`, ttl, limit, blockDuration);
    } catch (err) {
      if (!this.degraded) {
        this.degraded = true;
        this.warned = this.connectedOnce;
        if (this.warned) this.logger.warn(`Redis unavailable (${err instanceof Error ? err.message : 'error'}): rate limits fall back to per-instance counters`);
      }
      return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
    }
    if (this.degraded) {
      this.degraded = false;
      if (this.warned) this.logger.log('Redis is back: rate limits are shared again');
    }
    this.connectedOnce = true;
    const [hits, left, blocked, blockLeft] = reply as [number, number, number, number];
    return {
      totalHits: hits,
      timeToExpire: Math.ceil(left / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.ceil(blockLeft / 1000),
    };
  }

  /** True while the last command failed and counters are per-instance. */
  get isDegraded(): boolean {
    return this.degraded;
  }

  onApplicationShutdown(): void {
    this.fallback.onApplicationShutdown();
    this.redis.quit().catch(() => undefined);
  }
}
