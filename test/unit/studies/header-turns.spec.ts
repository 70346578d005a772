import * as dicom from '../../../src/studies/dicom';
import { loadStudy } from '../../../src/studies/study-loader';
import { dicomSeries, syntheticSlice } from '../../support/study-fixtures';
import { LIMITS } from '../../support/study-loader-cases';

/**
 * dicom-parser reads a header in one synchronous call (up to ~0.3 s at the per-file cap), so the
 * loader reads each header in an event-loop turn of its own, process-wide (header-turns.ts): with a
 * turn only every 32 files, one study's headers ran back to back, and concurrent studies' turns fell
 * into the same check phase (/healthz held 2.3–2.8 s by 8 studies of 4 big-header files,
 * scripts/measure-header-stall.ts). Counted, not timed: each read notes whether a callback queued
 * by the read before it (setImmediate: it runs only once the loop has gone round, timers and I/O
 * included) has run.
 */
const series = (k: number) => dicomSeries(Array.from({ length: 4 }, (_, i) => syntheticSlice(64, 64, (x, y) => (x + y * 3 + i * 7 + k) % 251)), { window: false }).map((b) => new Uint8Array(b));

afterEach(() => jest.restoreAllMocks());

it('reads every header of concurrent studies in a turn of its own: the loop goes round between any two', async () => {
  const read = dicom.readDicomHeader;
  const loopRanBefore: boolean[] = [];
  let loopRan = true;
  jest.spyOn(dicom, 'readDicomHeader').mockImplementation((...a) => {
    loopRanBefore.push(loopRan);
    loopRan = false;
    setImmediate(() => (loopRan = true));
    return read(...a);
  });
  const studies = await Promise.all([0, 1, 2].map((k) => loadStudy(series(k), LIMITS)));
  expect(studies.map((s) => s.kind)).toEqual(['slices', 'slices', 'slices']);
  expect(loopRanBefore).toEqual(Array(12).fill(true));
});

it('an aborted study reads no further header, and the next study is not held up by it', async () => {
  const read = dicom.readDicomHeader;
  const ac = new AbortController();
  const reason = new Error('client gone');
  let reads = 0;
  jest.spyOn(dicom, 'readDicomHeader').mockImplementation((...a) => {
    if (++reads === 2) ac.abort(reason);
    return read(...a);
  });
  await expect(loadStudy(series(0), LIMITS, ac.signal)).rejects.toBe(reason);
  expect(reads).toBe(2);
  expect((await loadStudy(series(1), LIMITS)).kind).toBe('slices');
  expect(reads).toBe(6);
});
