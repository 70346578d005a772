import { Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { MemoryThrottlerStorage } from './memory-throttler.storage';
import type { RateLimitBackend, ThrottlerHit } from './rate-limit.storage';

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

/**
 * Takes back one hit of INCREMENT_LUA's window (its expiry unchanged), atomically: nothing while
 * blocked or when the window is gone or empty, so a count never goes below zero.
 */
const REFUND_LUA = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
if hits > 0 then redis.call('DECR', KEYS[1]) end
return 0`;

/** What this storage needs of a Redis client (ioredis in production; tests may hand in another). */
export interface RedisLike {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  del(...keys: string[]): Promise<unknown>;
  quit(): Promise<unknown>;
  /** Close at once and stop reconnecting (ioredis). */
  disconnect(): void;
  /** ioredis' connection state: 'ready' when commands can be sent. */
  readonly status?: string;
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
export class RedisThrottlerStorage implements RateLimitBackend, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly fallback = new MemoryThrottlerStorage();
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

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerHit> {
    let reply: unknown;
    try {
      reply = await this.redis.eval(INCREMENT_LUA, 2, ...this.keys(key, throttlerName), ttl, limit, blockDuration);
    } catch (err) {
      this.failed(err);
      return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
    }
    this.succeeded();
    const [hits, left, blocked, blockLeft] = reply as [number, number, number, number];
    return {
      totalHits: hits,
      timeToExpire: Math.ceil(left / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.ceil(blockLeft / 1000),
    };
  }

  /**
   * Drops the key's window and block in Redis (every replica sees it at once) and in the
   * fallback: counts a replica made during an outage must not come back at the next one.
   * Redis unreachable: the shared count stays until its window ends — logged as an outage, no error.
   */
  async forget(key: string, throttlerName: string): Promise<void> {
    await this.fallback.forget(key, throttlerName);
    try {
      await this.redis.del(...this.keys(key, throttlerName));
    } catch (err) {
      this.failed(err);
      return;
    }
    this.succeeded();
  }

  /**
   * Takes back one shared hit. Redis unreachable: from the fallback, which is where the hit went while
   * Redis was away (a hit counted in Redis just before an outage stays: one extra failure, never one fewer).
   */
  async refund(key: string, throttlerName: string): Promise<void> {
    try {
      await this.redis.eval(REFUND_LUA, 2, ...this.keys(key, throttlerName));
    } catch (err) {
      this.failed(err);
      await this.fallback.refund(key, throttlerName);
      return;
    }
    this.succeeded();
  }

  /** The hits and block keys of INCREMENT_LUA. */
  private keys(key: string, throttlerName: string): [string, string] {
    const k = `${this.prefix}${throttlerName}:${key}`;
    return [`${k}:hits`, `${k}:block`];
  }

  private failed(err: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.warned = this.connectedOnce;
    if (this.warned) this.logger.warn(`Redis unavailable (${err instanceof Error ? err.message : 'error'}): rate limits fall back to per-instance counters`);
  }

  private succeeded(): void {
    if (this.degraded) {
      this.degraded = false;
      if (this.warned) this.logger.log('Redis is back: rate limits are shared again');
    }
    this.connectedOnce = true;
  }

  /** True while the last command failed and counters are per-instance. */
  get isDegraded(): boolean {
    return this.degraded;
  }

  onApplicationShutdown(): void {
    this.fallback.onApplicationShutdown();
    // quit() is a command: with Redis unreachable it is never sent, and ioredis goes on reconnecting,
    // which keeps the process alive after the app has closed (a replica that cannot exit while Redis is
    // down). Only a ready connection says goodbye politely; any other state, or a failed quit, is cut.
    if (this.redis.status !== undefined && this.redis.status !== 'ready') {
      this.redis.disconnect();
      return;
    }
    this.redis.quit().catch(() => this.redis.disconnect());
  }
}
