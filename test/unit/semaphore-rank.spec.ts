import { MAX_PASSED, Semaphore } from '../../src/inference/semaphore';

/**
 * The model pool serves lower ranks first, in arrival order within a rank: a study's runs carry
 * its arrival number (so ten studies at once are served one after another, not all evenly until
 * the end) and a single image's runs rank 0 (ahead of every queued study run). An aborted waiter
 * leaves the queue wherever it stands, and its place goes to the next. Aging: a waiter passed over by
 * `maxPassed` later arrivals of a lower rank is served next, so no stream of images starves a study.
 */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function holdingOne(maxPassed?: number) {
  const sem = new Semaphore(1, 64, maxPassed);
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

  /** A rank-2 waiter, then images that never stop: each image, when it runs, sends the next. */
  async function studyUnderFlood(maxPassed: number | undefined, images: number): Promise<string[]> {
    const { order, first, join, release } = holdingOne(maxPassed);
    const runs: Promise<void>[] = [join('study', 2)];
    let sent = 0;
    const image = (): Promise<void> => {
      const name = `image${sent++}`;
      return join(name, 0).then(() => {
        if (sent < images) runs.push(image());
      });
    };
    // two queued at the start and a new one on each grant: an image is always waiting ahead of the study
    runs.push(image(), image());
    await release();
    await first;
    while (order.length < images + 1) await Promise.all(runs);
    return order;
  }

  it('a study under an endless stream of images is served after maxPassed of them', async () => {
    const order = await studyUnderFlood(5, 20);
    expect(order.indexOf('study')).toBe(5);
    expect(order.filter((n) => n !== 'study')).toEqual(Array.from({ length: 20 }, (_, i) => `image${i}`));
  });

  it('by default after MAX_PASSED images', async () => {
    const order = await studyUnderFlood(undefined, MAX_PASSED + 20);
    expect(order.indexOf('study')).toBe(MAX_PASSED);
  });

  it('earlier arrivals and the same rank are no pass: ten studies keep their order however small maxPassed is', async () => {
    const { order, first, join, release } = holdingOne(1);
    const waiting = Array.from({ length: 10 }, (_, i) => join(`study${i + 1}`, i + 1));
    await release();
    await Promise.all([first, ...waiting]);
    expect(order).toEqual(Array.from({ length: 10 }, (_, i) => `study${i + 1}`));
  });

  it('an aged waiter goes ahead of the head of the queue; an aged waiter aborted leaves it', async () => {
    const { sem, order, first, join, release } = holdingOne(1);
    const ac = new AbortController();
    const a = join('study3', 3);
    const gone = join('study2', 2, ac.signal);
    // later and lower: its grant passes both, and while it runs the client of study2 hangs up
    const b = sem.use(async () => void (order.push('study1'), ac.abort(new Error('client gone'))), undefined, 1);
    const c = join('study1-b', 1);
    await release();
    await expect(gone).rejects.toThrow('client gone');
    await Promise.all([first, a, b, c]);
    // study3, aged by that one pass, ahead of study1-b; study2 (aged too) gone without a slot
    expect(order).toEqual(['study1', 'study3', 'study1-b']);
    expect(sem.queued).toBe(0);
    await turn();
    expect(sem.inUse).toBe(0);
  });
});
