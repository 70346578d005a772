import { holdUploadUntil, memoryStudyStorage } from '../../../src/studies/memory-study-storage';
import { fakeRequest, upload } from '../../support/study-requests';

/**
 * The upload bytes of all study requests together are bounded (STUDY_MAX_INFLIGHT_BYTES). A
 * request's bytes used to be given back when its response closed — also after a 504 or a hang-up,
 * while the study was still being loaded from them. They now stay counted until the work on them
 * has stopped, and are given back exactly once.
 */
const deferred = () => {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('study upload bytes in flight', () => {
  it('stay counted after the response closed while the work on them goes on, and are given back once when it stops', async () => {
    const storage = memoryStudyStorage(10_000, 10, 15_000);
    const a = fakeRequest();
    await upload(storage, a.req, 8_000);
    const work = deferred();
    holdUploadUntil(a.req, work.promise);
    a.res.emit('close'); // the 504 was sent (or the client left): the study is still being stopped
    await turn();
    expect(storage.inFlightBytes).toBe(8_000);
    // so a second upload that would pass the budget is refused meanwhile (503), not let in beside it
    await expect(upload(storage, fakeRequest().req, 8_000)).rejects.toMatchObject({ code: 'ANALYSIS_UNAVAILABLE' });
    work.resolve();
    await turn();
    expect(storage.inFlightBytes).toBe(0); // a's bytes back; the refused upload held none
    a.res.emit('close');
    await turn();
    expect(storage.inFlightBytes).toBe(0); // never released twice (never below zero)
  });

  it('work that fails is stopped too; a response without work on its files gives them back at once', async () => {
    const storage = memoryStudyStorage(10_000, 10, 15_000);
    const a = fakeRequest();
    const b = fakeRequest();
    await upload(storage, a.req, 3_000);
    await upload(storage, b.req, 4_000);
    const work = deferred();
    holdUploadUntil(a.req, work.promise);
    a.res.emit('close');
    b.res.emit('close');
    expect(storage.inFlightBytes).toBe(3_000);
    work.reject(new Error('aborted'));
    await turn();
    expect(storage.inFlightBytes).toBe(0);
  });
});
