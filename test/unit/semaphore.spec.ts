import { AnalysisUnavailableError } from '../../src/common/errors';
import { Semaphore } from '../../src/inference/semaphore';

describe('inference semaphore', () => {
  it('never runs more than the limit at once and serves waiters in order', async () => {
    const sem = new Semaphore(2, 10);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const gates: (() => void)[] = [];
    const tasks = [0, 1, 2, 3, 4].map((i) =>
      sem.use(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((r) => gates.push(r));
        order.push(i);
        running--;
      }),
    );
    while (order.length < 5) {
      await new Promise((r) => setImmediate(r));
      gates.shift()?.();
    }
    await Promise.all(tasks);
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(sem.inUse).toBe(0);
  });

  it('refuses with 503 when the queue is full', async () => {
    const sem = new Semaphore(1, 1);
    let release: () => void = () => undefined;
    const first = sem.use(() => new Promise<void>((r) => (release = r)));
    const second = sem.use(async () => undefined);
    await expect(sem.use(async () => undefined)).rejects.toBeInstanceOf(AnalysisUnavailableError);
    release();
    await Promise.all([first, second]);
  });

  it('releases the slot when the task throws', async () => {
    const sem = new Semaphore(1, 0);
    await expect(sem.use(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(sem.use(async () => 42)).resolves.toBe(42);
  });
});
