import { ThrottlerStorageService } from '@nestjs/throttler';
import { MemoryThrottlerStorage } from '../../src/rate-limit/memory-throttler.storage';

/**
 * The in-memory rate-limit store (default backend, Redis fallback) on a fake clock: no waiting,
 * every instant chosen by the test.
 */
function storeWithClock(start = 1_000_000): { store: MemoryThrottlerStorage; clock: { now: number } } {
  const clock = { now: start };
  return { store: new MemoryThrottlerStorage({ now: () => clock.now }), clock };
}

const TTL = 10_000;
const BLOCK = 30_000;

describe('MemoryThrottlerStorage', () => {
  let store: MemoryThrottlerStorage;
  let clock: { now: number };
  beforeEach(() => ({ store, clock } = storeWithClock()));
  afterEach(() => store.onApplicationShutdown());

  const hit = (key = 'k', limit = 3, name = 'login-account') => store.increment(key, TTL, limit, BLOCK, name);

  it('counts each hit for ttl ms: a sliding window, not a fixed one', async () => {
    expect(await hit()).toEqual({ totalHits: 1, timeToExpire: 10, isBlocked: false, timeToBlockExpire: 0 });
    clock.now += 6_000;
    expect(await hit()).toMatchObject({ totalHits: 2, timeToExpire: 4 }); // the first hit leaves in 4 s
    clock.now += 4_000; // the first hit has left, the second has 6 s to go
    expect(await hit()).toMatchObject({ totalHits: 2, timeToExpire: 6, isBlocked: false });
    clock.now += 10_000; // both have left
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('the hit over the limit blocks for blockDuration; hits while blocked do not count; then counting restarts', async () => {
    for (let i = 0; i < 3; i++) expect((await hit()).isBlocked).toBe(false);
    expect(await hit()).toEqual({ totalHits: 4, timeToExpire: 10, isBlocked: true, timeToBlockExpire: 30 });
    clock.now += 20_000; // the counted hits have expired, the block has not
    expect(await hit()).toMatchObject({ isBlocked: true, totalHits: 4, timeToBlockExpire: 10 });
    clock.now += 9_999;
    expect(await hit()).toMatchObject({ isBlocked: true, timeToBlockExpire: 1 });
    clock.now += 1;
    // the blocked hits were not counted: a fresh window of 3
    for (let i = 1; i <= 3; i++) expect(await hit()).toMatchObject({ totalHits: i, isBlocked: false });
    expect((await hit()).isBlocked).toBe(true);
  });

  it('a zero blockDuration still blocks (for at least 1 ms), as the Redis script does', async () => {
    await store.increment('z', TTL, 1, 0, 'n');
    expect((await store.increment('z', TTL, 1, 0, 'n')).isBlocked).toBe(true);
    clock.now += 1;
    expect(await store.increment('z', TTL, 1, 0, 'n')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('keys and throttler names are separate counters, even when they could be confused', async () => {
    await hit('a:b', 1, 'n');
    expect((await hit('a:b', 1, 'n')).isBlocked).toBe(true);
    expect((await hit('b', 1, 'n:a')).totalHits).toBe(1);
    expect((await hit('a:b', 1, 'other')).totalHits).toBe(1);
    expect((await hit('a:c', 1, 'n')).totalHits).toBe(1);
  });

  it('forget drops the count: the next hit is the first again', async () => {
    for (let i = 0; i < 3; i++) await hit();
    await store.forget('k', 'login-account');
    for (let i = 1; i <= 3; i++) expect(await hit()).toMatchObject({ totalHits: i, isBlocked: false });
    expect((await hit()).isBlocked).toBe(true);
  });

  it('forget drops a block too, and only the one key of the one throttler', async () => {
    for (let i = 0; i < 4; i++) await hit();
    await hit('other');
    await hit('k', 3, 'ip');
    await store.forget('k', 'login-account');
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false });
    expect((await hit('other')).totalHits).toBe(2);
    expect((await hit('k', 3, 'ip')).totalHits).toBe(2);
    await store.forget('never-seen', 'login-account'); // no error
  });

  it('refund takes back one hit — the newest, the request\'s own — never below zero, and never lifts a block', async () => {
    const f = () => hit('f', 3, 'login-failures');
    await f();
    clock.now += 1000;
    await f();
    await store.refund('f', 'login-failures');
    // the first hit's window ends: had the refund taken it instead, the second would still count here
    clock.now += TTL - 1000;
    expect(await f()).toMatchObject({ totalHits: 1, isBlocked: false });
    for (let i = 0; i < 2; i++) await f();
    await store.refund('f', 'login-failures');
    expect(await f()).toMatchObject({ totalHits: 3, isBlocked: false });
    expect((await f()).isBlocked).toBe(true);
    await store.refund('f', 'login-failures');
    expect((await f()).isBlocked).toBe(true);
    await store.refund('never-seen', 'login-failures'); // no error, nothing created
    expect(store.size).toBe(1);
    await hit('g', 1, 'login-failures');
    for (let i = 0; i < 3; i++) await store.refund('g', 'login-failures');
    expect(await hit('g', 1, 'login-failures')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('the sweep drops idle entries only; shutdown clears everything', async () => {
    await hit('idle');
    for (let i = 0; i < 2; i++) await hit('blocked', 1);
    clock.now += TTL; // idle's hit has left; blocked's block has 20 s to go
    await hit('live');
    store.sweep();
    expect(store.size).toBe(2);
    clock.now += BLOCK;
    store.sweep();
    expect(store.size).toBe(0);
    await hit('again');
    store.onApplicationShutdown();
    expect(store.size).toBe(0);
  });

  it('the sweep timer runs on its own, unref\'d (it keeps no process alive)', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const s = new MemoryThrottlerStorage({ now: () => clock.now, sweepIntervalMs: 1_000 });
      const setIntervalSpy = jest.spyOn(global, 'setInterval');
      await s.increment('k', TTL, 3, BLOCK, 'n');
      expect(setIntervalSpy).toHaveBeenCalledTimes(1);
      const timer = setIntervalSpy.mock.results[0].value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
      clock.now += TTL;
      jest.advanceTimersByTime(1_000);
      expect(s.size).toBe(0);
      await s.increment('k', TTL, 3, BLOCK, 'n'); // one timer per store, not per hit
      expect(setIntervalSpy).toHaveBeenCalledTimes(1);
      s.onApplicationShutdown();
      expect(jest.getTimerCount()).toBe(0);
      setIntervalSpy.mockRestore();
    } finally {
      jest.useRealTimers();
    }
  });

  it('decides like @nestjs/throttler\'s ThrottlerStorageService (the store it replaces) on the same hits', async () => {
    jest.useFakeTimers({ now: clock.now, doNotFake: ['nextTick', 'setImmediate'] });
    const theirs = new ThrottlerStorageService();
    try {
      // gaps in ms before each hit: bursts, a block, hits during it, its end, a slow trickle
      const gaps = [0, 100, 100, 100, 100, 5_000, 9_000, 20_000, 1_000, 0, 0, 0, 3_000, 4_000, 4_000, 4_000, 4_000, 11_000, 0];
      for (const [i, gap] of gaps.entries()) {
        clock.now += gap;
        jest.setSystemTime(clock.now);
        const [a, b] = [await hit('k', 3), await theirs.increment('k', TTL, 3, BLOCK, 'login-account')];
        const seen = (r: typeof a) => ({ isBlocked: r.isBlocked, ...(r.isBlocked ? { timeToBlockExpire: r.timeToBlockExpire } : { totalHits: r.totalHits }) });
        expect({ i, ...seen(a) }).toEqual({ i, ...seen(b) });
      }
    } finally {
      theirs.onApplicationShutdown();
      jest.useRealTimers();
    }
  });
  it('keeps a raised limit workable: 200,000 live hits on one key, each request answered, the count exact', async () => {
    // the benches run with RATE_LIMIT_REQUESTS_PER_MINUTE=1000000 from one IP; per-request copies of every live
    // hit were quadratic and Math.min(...hits) threw a RangeError (a 500 on every request) past ~125k
    const n = 200_000;
    let last = await store.increment('ip', 60_000, 1_000_000, 60_000, 'ip');
    for (let i = 1; i < n; i++) {
      if (i % 1000 === 0) clock.now += 1; // 200 ms of hits in all, all still in the window
      last = await store.increment('ip', 60_000, 1_000_000, 60_000, 'ip');
    }
    expect(last).toEqual({ totalHits: n, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
    clock.now += 60_000 - 100; // the first half of the hits has left the window
    expect((await store.increment('ip', 60_000, 1_000_000, 60_000, 'ip')).totalHits).toBe(n - 100 * 1000 + 1);
  });
});
