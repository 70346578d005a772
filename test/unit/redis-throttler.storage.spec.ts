import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as net from 'node:net';
import Redis from 'ioredis';
import { RedisLike, RedisThrottlerStorage } from '../../src/rate-limit/redis-throttler.storage';
import { tempDir } from '../support/app';

/**
 * The Redis-backed rate-limit store against a real redis-server (Debian's; .ci/run installs it —
 * skipped where it is missing): two stores (two replicas) share one count, a block holds for both,
 * and with Redis gone each falls back to its own counters (limits still enforced, no error), then
 * shares again once Redis is back.
 */
const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
const maybe = hasRedis ? describe : describe.skip;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolve(a.port));
    });
  });
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tempDir()], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (up) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not start');
}

async function stop(child: ChildProcess): Promise<void> {
  // a child killed by a signal keeps exitCode null (signalCode is set): waiting for 'exit' again
  // would hang afterAll whenever a test failed between its own stop() and the restart
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

const MIN = 60_000;

maybe('RedisThrottlerStorage (real redis-server)', () => {
  let port: number;
  let redis: ChildProcess;
  let a: RedisThrottlerStorage;
  let b: RedisThrottlerStorage;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    a = RedisThrottlerStorage.fromUrl(`redis://127.0.0.1:${port}`);
    b = RedisThrottlerStorage.fromUrl(`redis://127.0.0.1:${port}`);
    // wait until both clients are connected (commands are not queued while connecting)
    for (let i = 0; i < 100 && ((await a.increment('warm', MIN, 100, MIN, 'w'), a.isDegraded) || (await b.increment('warm', MIN, 100, MIN, 'w'), b.isDegraded)); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(async () => {
    a.onApplicationShutdown();
    b.onApplicationShutdown();
    if (redis) await stop(redis);
  });

  it('two replicas share one window: the limit holds across them and blocks on both', async () => {
    const hits = [];
    for (let i = 0; i < 3; i++) hits.push(await (i % 2 ? b : a).increment('user-1', MIN, 3, MIN, 'analyses'));
    expect(hits.map((h) => h.totalHits)).toEqual([1, 2, 3]);
    expect(hits.every((h) => !h.isBlocked && h.timeToExpire > 0 && h.timeToExpire <= 60)).toBe(true);
    const fourth = await b.increment('user-1', MIN, 3, MIN, 'analyses');
    expect(fourth.isBlocked).toBe(true);
    expect(fourth.timeToBlockExpire).toBeGreaterThan(0);
    expect((await a.increment('user-1', MIN, 3, MIN, 'analyses')).isBlocked).toBe(true);
    // another key and another throttler name are separate windows
    expect((await a.increment('user-2', MIN, 3, MIN, 'analyses')).totalHits).toBe(1);
    expect((await a.increment('user-1', MIN, 3, MIN, 'ip')).totalHits).toBe(1);
    expect(a.isDegraded || b.isDegraded).toBe(false);
  });

  it('a window expires and counting restarts', async () => {
    await a.increment('short', 300, 1, 300, 'login');
    expect((await b.increment('short', 300, 1, 300, 'login')).isBlocked).toBe(true);
    await new Promise((r) => setTimeout(r, 700));
    const again = await a.increment('short', 300, 1, 300, 'login');
    expect(again).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('forget on one replica drops the shared count and block for both; other keys and names keep theirs', async () => {
    for (let i = 0; i < 2; i++) await a.increment('login-f', MIN, 3, MIN, 'login-account');
    await b.increment('keep', MIN, 3, MIN, 'login-account');
    await b.increment('login-f', MIN, 3, MIN, 'login-ip');
    await b.forget('login-f', 'login-account');
    expect(await a.increment('login-f', MIN, 3, MIN, 'login-account')).toMatchObject({ totalHits: 1, isBlocked: false });
    expect((await a.increment('keep', MIN, 3, MIN, 'login-account')).totalHits).toBe(2);
    expect((await a.increment('login-f', MIN, 3, MIN, 'login-ip')).totalHits).toBe(2);
    // a block goes too
    for (let i = 0; i < 3; i++) await b.increment('login-f', MIN, 3, MIN, 'login-account');
    expect((await a.increment('login-f', MIN, 3, MIN, 'login-account')).isBlocked).toBe(true);
    await a.forget('login-f', 'login-account');
    expect(await b.increment('login-f', MIN, 3, MIN, 'login-account')).toMatchObject({ totalHits: 1, isBlocked: false });
    expect(a.isDegraded || b.isDegraded).toBe(false);
  });

  it('refund on one replica takes one shared hit back for both: never below zero, never a block', async () => {
    for (let i = 0; i < 3; i++) await a.increment('fail-r', MIN, 3, MIN, 'login-failures');
    await b.refund('fail-r', 'login-failures');
    expect(await a.increment('fail-r', MIN, 3, MIN, 'login-failures')).toMatchObject({ totalHits: 3, isBlocked: false });
    expect((await b.increment('fail-r', MIN, 3, MIN, 'login-failures')).isBlocked).toBe(true);
    await a.refund('fail-r', 'login-failures');
    expect((await b.increment('fail-r', MIN, 3, MIN, 'login-failures')).isBlocked).toBe(true);
    // nothing to take back: no key is made, and the next hit is the first
    for (let i = 0; i < 3; i++) await b.refund('fail-none', 'login-failures');
    expect(await a.increment('fail-none', MIN, 3, MIN, 'login-failures')).toMatchObject({ totalHits: 1, isBlocked: false });
    await b.refund('fail-none', 'login-failures');
    await b.refund('fail-none', 'login-failures');
    expect(await a.increment('fail-none', MIN, 3, MIN, 'login-failures')).toMatchObject({ totalHits: 1, isBlocked: false });
    expect(a.isDegraded || b.isDegraded).toBe(false);
  });

  it('Redis gone: no error, each replica enforces the limit on its own counters; Redis back: shared again', async () => {
    await stop(redis);
    const local = [];
    for (let i = 0; i < 3; i++) local.push(await a.increment('login-x', MIN, 2, MIN, 'login'));
    expect(a.isDegraded).toBe(true);
    expect(local.map((h) => h.isBlocked)).toEqual([false, false, true]);
    // forget works on the fallback counters too, and a dead Redis makes it no error either
    await a.forget('login-x', 'login');
    expect(await a.increment('login-x', MIN, 2, MIN, 'login')).toMatchObject({ totalHits: 1, isBlocked: false });
    await a.increment('login-x', MIN, 2, MIN, 'login');
    // refund too: from the fallback, where the hit went, without an error
    await a.refund('login-x', 'login');
    expect(await a.increment('login-x', MIN, 2, MIN, 'login')).toMatchObject({ totalHits: 2, isBlocked: false });
    // b has its own counters while degraded: at worst N× the limit across N replicas, never unlimited
    expect((await b.increment('login-x', MIN, 2, MIN, 'login')).isBlocked).toBe(false);

    redis = await startRedis(port);
    let back = false;
    for (let i = 0; i < 60 && !back; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await a.increment('probe', MIN, 1000, MIN, 'p');
      await b.increment('probe', MIN, 1000, MIN, 'p');
      back = !a.isDegraded && !b.isDegraded;
    }
    expect(back).toBe(true);
    await a.increment('after', MIN, 1, MIN, 'login');
    expect((await b.increment('after', MIN, 1, MIN, 'login')).isBlocked).toBe(true);
  });
});

/** A stand-in client (no redis-server needed): records the keys each command names, or fails. */
class FakeRedis implements RedisLike {
  down = false;
  evalKeys: string[][] = [];
  deleted: string[][] = [];
  async eval(_script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown> {
    if (this.down) throw new Error('Connection is closed.');
    this.evalKeys.push(args.slice(0, numKeys).map(String));
    return [1, 60_000, 0, 0];
  }
  async del(...keys: string[]): Promise<unknown> {
    if (this.down) throw new Error('Connection is closed.');
    this.deleted.push(keys);
    return keys.length;
  }
  async quit(): Promise<unknown> {
    return 'OK';
  }
  disconnect(): void {
    this.disconnected = true;
  }
  disconnected = false;
}

describe('RedisThrottlerStorage.forget (fake client)', () => {
  it('deletes exactly the hits and block keys the increment script uses', async () => {
    const redis = new FakeRedis();
    const s = new RedisThrottlerStorage(redis, 'p:');
    await s.increment('login-account:a@b.test', MIN, 5, MIN, 'login-account');
    await s.forget('login-account:a@b.test', 'login-account');
    expect(redis.deleted).toEqual([['p:login-account:login-account:a@b.test:hits', 'p:login-account:login-account:a@b.test:block']]);
    expect(redis.deleted[0]).toEqual(redis.evalKeys[0]);
    s.onApplicationShutdown();
  });

  it('Redis down: forget resolves (no error), clears the fallback count and marks the store degraded', async () => {
    const redis = new FakeRedis();
    redis.down = true;
    const s = new RedisThrottlerStorage(redis);
    for (let i = 0; i < 2; i++) await s.increment('k', MIN, 2, MIN, 'login-account');
    await expect(s.forget('k', 'login-account')).resolves.toBeUndefined();
    expect(s.isDegraded).toBe(true);
    expect(await s.increment('k', MIN, 2, MIN, 'login-account')).toMatchObject({ totalHits: 1, isBlocked: false });
    redis.down = false;
    await s.forget('k', 'login-account');
    expect(s.isDegraded).toBe(false);
    s.onApplicationShutdown();
  });
});

describe('RedisThrottlerStorage shutdown with Redis unreachable', () => {
  it('cuts the connection, so the process can exit (quit() alone left ioredis reconnecting for ever)', async () => {
    const port = await freePort(); // nothing listens there
    const client = new Redis(`redis://127.0.0.1:${port}`, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 50, lazyConnect: false });
    client.on('error', () => undefined);
    const s = new RedisThrottlerStorage(client);
    expect(await s.increment('k', MIN, 5, MIN, 'ip')).toMatchObject({ totalHits: 1 }); // served by the fallback
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    s.onApplicationShutdown();
    await ended; // never emitted before the fix: the client kept reconnecting
    expect(client.status).toBe('end');
  });

  it('a ready connection still quits politely; a failed quit is cut', async () => {
    const polite = new FakeRedis();
    Object.assign(polite, { status: 'ready' });
    new RedisThrottlerStorage(polite).onApplicationShutdown();
    expect(polite.disconnected).toBe(false);
    const failing = new FakeRedis();
    Object.assign(failing, { status: 'ready', quit: () => Promise.reject(new Error('Connection is closed.')) });
    new RedisThrottlerStorage(failing).onApplicationShutdown();
    await new Promise((r) => setImmediate(r));
    expect(failing.disconnected).toBe(true);
  });
});
