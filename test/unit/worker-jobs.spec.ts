import { WorkerJobs } from '../../src/inference/worker-jobs';

/**
 * The inference pool's job table (src/inference/worker-jobs.ts), on jest's fake clock: each job
 * settles once — with its answer, or with its worker's failure — and each worker's count in
 * flight follows its answers.
 */
describe('WorkerJobs', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  type Answer = { id: number; value: string };
  const setUp = () => ({ jobs: new WorkerJobs<{ inFlight: number }, Answer>(1000), a: { inFlight: 0 }, b: { inFlight: 0 }, posted: [] as number[] });

  it('an answer settles its own job and lowers its worker\'s count in flight', async () => {
    const { jobs, a, posted } = setUp();
    const late = jest.fn();
    const ids = [jobs.nextId(), jobs.nextId()];
    const answers = ids.map((id) => jobs.add(id, a, () => void posted.push(id), late));
    expect(posted).toEqual(ids);
    expect(a.inFlight).toBe(2);
    jobs.answer({ id: ids[1], value: 'second' });
    jobs.answer({ id: ids[0], value: 'first' });
    await expect(Promise.all(answers)).resolves.toEqual([{ id: ids[0], value: 'first' }, { id: ids[1], value: 'second' }]);
    expect(a.inFlight).toBe(0);
    jest.advanceTimersByTime(5000);
    expect(late).not.toHaveBeenCalled();
  });

  it('an unanswered job calls `late` at its deadline, once', () => {
    const { jobs, a } = setUp();
    const late = jest.fn();
    void jobs.add(jobs.nextId(), a, () => undefined, late);
    jest.advanceTimersByTime(999);
    expect(late).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(late).toHaveBeenCalledTimes(1);
  });

  it("a worker's failure fails its jobs only, stops their deadlines, and a late answer is dropped", async () => {
    const { jobs, a, b } = setUp();
    const late = jest.fn();
    const [ida, idb] = [jobs.nextId(), jobs.nextId()];
    const ofA = jobs.add(ida, a, () => undefined, late);
    const ofB = jobs.add(idb, b, () => undefined, late);
    expect(jobs.failAll(a, new Error('worker crashed'))).toBe(1);
    await expect(ofA).rejects.toThrow('worker crashed');
    jobs.answer({ id: ida, value: 'too late' });
    jest.advanceTimersByTime(999);
    jobs.answer({ id: idb, value: 'b' });
    await expect(ofB).resolves.toEqual({ id: idb, value: 'b' });
    jest.advanceTimersByTime(5000);
    expect(late).not.toHaveBeenCalled();
    expect(jobs.failAll(a, new Error('again'))).toBe(0);
  });
});
