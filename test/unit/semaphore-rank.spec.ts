import { Semaphore } from '../../src/inference/semaphore';

/**
 * The model pool serves lower ranks first, in arrival order within a rank: a study's runs carry
 * its arrival number (so ten studies at once are served one after another, not all evenly until
 * the end) and a single image's runs rank 0 (ahead of every queued study run). An aborted waiter
 * leaves the queue wherever it stands, and its place goes to the next.
 */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function holdingOne() {
  const sem = new Semaphore(1, 64);
  const order: string[] = [];
  let release: () => void = () => undefined;
  const first = sem.use(() => new Promise<void>((r) => (release = r)));
  const join = (name: string, rank: number, signal?: AbortSignal) => sem.use(async () => void order.push(name), signal, rank);
  // the holder's fn runs a turn after use() (acquire is awaited): release once it has
  return { sem, order, first, join, release: async () => (await turn(), release()) };
}

describe('semaphore ranks', () => {
  it('lower ranks first, arrival order within a rank', async () => {
    const { order, first, join, release } = holdingOne();
    const waiting = [join('study2-a', 2), join('study1-a', 1), join('image-a', 0), join('study2-b', 2), join('study1-b', 1), join('image-b', 0)];
    await release();
    await Promise.all([first, ...waiting]);
    expect(order).toEqual(['image-a', 'image-b', 'study1-a', 'study1-b', 'study2-a', 'study2-b']);
  });

  it('without ranks it is the FIFO it was', async () => {
    const { sem, first, release } = holdingOne();
    const order: number[] = [];
    const waiting = [0, 1, 2, 3].map((i) => sem.use(async () => void order.push(i)));
    await release();
    await Promise.all([first, ...waiting]);
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('an aborted ranked waiter leaves the queue; the others keep their order and every slot comes back', async () => {
    const { sem, order, first, join, release } = holdingOne();
    const ac = new AbortController();
    const a = join('study1', 1);
    const gone = join('study2', 2, ac.signal);
    const b = join('study3', 3);
    expect(sem.queued).toBe(3);
    ac.abort(new Error('client gone'));
    await expect(gone).rejects.toThrow('client gone');
    expect(sem.queued).toBe(2);
    await release();
    await Promise.all([first, a, b]);
    await turn();
    expect(order).toEqual(['study1', 'study3']);
    expect(sem.inUse).toBe(0);
    expect(sem.queued).toBe(0);
  });
});
