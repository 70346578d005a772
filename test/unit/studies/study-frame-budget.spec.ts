import { AnalysisTimeoutError } from '../../../src/common/errors';
import { PixelBudget } from '../../../src/inference/pixel-budget';
import * as dicomPixels from '../../../src/studies/dicom-pixels';
import * as niftiReader from '../../../src/studies/nifti';
import { CorruptStudyError } from '../../../src/studies/study-errors';
import { loadStudy } from '../../../src/studies/study-loader';
import { expectAbortWhileWaiting, expectStudyTimeoutLeavesQueue, expectWaitsForBudget } from '../../helpers/budget-waits';
import { catchErr, LIMITS } from '../../support/study-loader-cases';
import { dicomSlice, nifti1, syntheticSlice } from '../../support/study-fixtures';

/**
 * Every study frame above 1 MP takes its pixels from the process's decode budget
 * (INFERENCE_PIXEL_BUDGET) while it is decoded into fresh buffers — not only JPEG Baseline frames
 * (study-pixel-budget.spec.ts): RLE Lossless frames (PackBits planes + float values, decoded in JS),
 * native frames (float values) and NIfTI slices allocate a frame's worth too, and were decoded
 * whatever the budget said, so N studies at once held N frames outside it. Each read waits in the
 * budget's queue, leaves it on the study's signal, and gives its pixels back once, however it ended.
 */
const W = 1100;
const H = 1000;
const FRAME = W * H; // above LARGE_IMAGE_PIXELS
const large = syntheticSlice(W, H, (x, y) => 40 + ((x * 3 + y * 5) % 180));
const RLE = '1.2.840.10008.1.2.5';

type Kind = 'rle' | 'native' | 'nifti';
const KINDS: Kind[] = ['rle', 'native', 'nifti'];
const file = (k: Kind, w = W, h = H): Uint8Array => {
  const s = w === W && h === H ? large : syntheticSlice(w, h, (x) => 40 + (x % 180));
  if (k === 'nifti') return new Uint8Array(nifti1([w, h, 1], (i, j) => s.data[j * w + i]));
  return new Uint8Array(dicomSlice(s, { rle: k === 'rle' }));
};

/** A PixelBudget that also counts what was taken and how many times each take was given back. */
function countingBudget(limit: number) {
  const budget = new PixelBudget(limit, 4);
  const taken: number[] = [];
  const releases: number[] = [];
  const counting = {
    acquire: async (pixels: number, signal?: AbortSignal) => {
      const release = await budget.acquire(pixels, signal);
      const k = taken.push(pixels) - 1;
      releases[k] = 0;
      return () => {
        releases[k]++;
        release();
      };
    },
  };
  return { budget, counting, taken, releases };
}

/** One frame's pixels taken, given back exactly once, and nothing left held or queued. */
function expectGivenBackOnce({ budget, taken, releases }: Pick<ReturnType<typeof countingBudget>, 'budget' | 'taken' | 'releases'>): void {
  expect(taken).toEqual([FRAME]);
  expect(releases).toEqual([1]);
  expect([budget.inUse, budget.queued]).toEqual([0, 0]);
}

/** What a watched read does besides recording: fail, or abort the study's signal as it starts. */
interface OnRead {
  fail?: boolean;
  abort?: AbortController;
}

/**
 * Records the budget in use as each frame's (slice's) read starts — DICOM: decodeFrame; NIfTI:
 * the volume's readSlice — then reads as usual (a DICOM decode stops at its next chunk once
 * aborted, a NIfTI study at its next slice), or fails.
 */
function watchReads(kind: Kind, budget: PixelBudget, on: OnRead = {}) {
  const seen: number[] = [];
  const start = () => {
    seen.push(budget.inUse);
    on.abort?.abort(new AnalysisTimeoutError(1));
    if (on.fail) throw new CorruptStudyError('x: unreadable');
  };
  if (kind === 'nifti') {
    const original = niftiReader.readNifti;
    const spy = jest.spyOn(niftiReader, 'readNifti').mockImplementation((...args) => {
      const vol = original(...args);
      return {
        ...vol,
        readSlice: (s: number) => {
          start();
          return vol.readSlice(s);
        },
      };
    });
    return { seen, restore: () => spy.mockRestore() };
  }
  const original = dicomPixels.decodeFrame;
  const spy = jest.spyOn(dicomPixels, 'decodeFrame').mockImplementation(async (inst, f, signal) => {
    start();
    return original(inst, f, signal);
  });
  return { seen, restore: () => spy.mockRestore() };
}

describe.each(KINDS)('study frames (%s) decode within the shared pixel budget', (kind) => {
  const watch = (budget: PixelBudget) => watchReads(kind, budget);

  it('a large frame holds its pixels while it is read and gives them back once, after', async () => {
    const { budget, counting, taken, releases } = countingBudget(4_000_000);
    const { seen, restore } = watchReads(kind, budget);
    try {
      expect((await loadStudy([file(kind)], LIMITS, undefined, counting)).kind).toBe('slices');
      expect(seen).toEqual([FRAME]);
      expectGivenBackOnce({ budget, taken, releases });
    } finally {
      restore();
    }
  });

  it('a read that fails gives its pixels back once', async () => {
    const { budget, counting, taken, releases } = countingBudget(4_000_000);
    const { restore } = watchReads(kind, budget, { fail: true });
    try {
      expect(await catchErr(() => loadStudy([file(kind)], LIMITS, undefined, counting))).toBeInstanceOf(CorruptStudyError);
      expectGivenBackOnce({ budget, taken, releases });
    } finally {
      restore();
    }
  });

  it('aborted once it holds its pixels: rejected with the reason, the pixels given back once', async () => {
    const { budget, counting, taken, releases } = countingBudget(4_000_000);
    const ac = new AbortController();
    const { seen, restore } = watchReads(kind, budget, { abort: ac });
    try {
      expect(await catchErr(() => loadStudy([file(kind)], LIMITS, ac.signal, counting))).toBeInstanceOf(AnalysisTimeoutError);
      expect(seen).toEqual([FRAME]);
      expectGivenBackOnce({ budget, taken, releases });
    } finally {
      restore();
    }
  });

  it.each([
    ['a frame within the budget waits while others hold it, instead of being read beside it', 2_000_000, 1_500_000, FRAME],
    ['a frame larger than the whole budget waits for it to be free, then is read alone', 1_050_000, 500_000, 1_050_000],
  ])('%s', (_, limit, held, taken) => expectWaitsForBudget(file(kind), watch, limit, held, taken));

  it('aborted while waiting: leaves the queue with the reason, nothing read, nothing taken', () => expectAbortWhileWaiting(file(kind), watch));

  it('frames of at most 1 MP are read without the budget (not held up by a large image)', async () => {
    const budget = new PixelBudget(2_000_000, 4);
    const other = await budget.acquire(2_000_000);
    expect((await loadStudy([file(kind, 512, 512)], LIMITS, undefined, budget)).kind).toBe('slices');
    other();
  });
});

describe('RLE frames through StudyService', () => {
  it('a corrupt RLE frame (422) gives its pixels back once', async () => {
    const { budget, counting, taken, releases } = countingBudget(4_000_000);
    const junk = new Uint8Array(dicomSlice(large, { encapsulatedAs: RLE, fragment: new Uint8Array(128) }));
    expect(await catchErr(() => loadStudy([junk], LIMITS, undefined, counting))).toBeInstanceOf(CorruptStudyError);
    expectGivenBackOnce({ budget, taken, releases });
  });

  it('a study waiting for the budget past STUDY_TIMEOUT_MS is a 504 and leaves the queue', () => expectStudyTimeoutLeavesQueue(file('rle'), (budget) => watchReads('rle', budget)));
});
