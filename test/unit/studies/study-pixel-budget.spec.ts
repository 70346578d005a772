import { AnalysisTimeoutError } from '../../../src/common/errors';
import * as imageDecoder from '../../../src/inference/image-decoder';
import { PixelBudget } from '../../../src/inference/pixel-budget';
import { CorruptStudyError } from '../../../src/studies/study-errors';
import { loadStudy } from '../../../src/studies/study-loader';
import { expectAbortWhileWaiting, expectStudyTimeoutLeavesQueue, expectWaitsForBudget, turn } from '../../helpers/budget-waits';
import { dicomJpegSlice, greyJpeg, JPEG_BASELINE } from '../../support/jpeg-dicom-fixtures';
import { catchErr, LIMITS } from '../../support/study-loader-cases';
import { dicomSlice, syntheticSlice } from '../../support/study-fixtures';

/**
 * A study's JPEG Baseline frames above 1 MP take their pixels from the process's decode budget
 * (INFERENCE_PIXEL_BUDGET, the one uploads take from) while they decode: they wait in its queue
 * when others hold it, leave it on the study's signal (504, client gone), and give the pixels back
 * once the decode is over, however it ended. Before, each study decoded its frame whatever the
 * budget said, so N studies at once held N frames outside it.
 */
const W = 1100;
const H = 1000;
const FRAME = W * H; // above LARGE_IMAGE_PIXELS
const large = syntheticSlice(W, H, (x, y) => 40 + ((x * 3 + y * 5) % 180));
let frame: Uint8Array;
beforeAll(async () => {
  frame = new Uint8Array(await dicomJpegSlice(large));
});

/** Records the budget in use as each JPEG frame's decode starts (the decoder runs as usual). */
function watchDecodes(budget: PixelBudget, before?: () => Promise<void>) {
  const original = imageDecoder.decodeImage;
  const seen: number[] = [];
  const spy = jest.spyOn(imageDecoder, 'decodeImage').mockImplementation(async (bytes, limits) => {
    seen.push(budget.inUse);
    await before?.();
    return original(bytes, limits);
  });
  return { seen, restore: () => spy.mockRestore() };
}

describe('study JPEG frames decode within the shared pixel budget', () => {
  it('a large frame holds its pixels while it decodes and gives them all back after', async () => {
    const budget = new PixelBudget(4_000_000, 4);
    const { seen, restore } = watchDecodes(budget);
    try {
      const study = await loadStudy([frame], LIMITS, undefined, budget);
      expect(study.kind).toBe('slices');
      expect(seen).toEqual([FRAME]);
      expect([budget.inUse, budget.queued]).toEqual([0, 0]);
    } finally {
      restore();
    }
  });

  it('a frame that fails to decode (422) gives its pixels back', async () => {
    const jpeg = await greyJpeg(large);
    const sos = jpeg.indexOf(Buffer.from([0xff, 0xda]));
    const broken = Buffer.concat([jpeg.subarray(0, sos + 200), Buffer.from([0xff, 0xd9])]); // entropy data cut short
    const file = new Uint8Array(dicomSlice(large, { bits8: true, encapsulatedAs: JPEG_BASELINE, fragment: new Uint8Array(broken) }));
    const budget = new PixelBudget(4_000_000, 4);
    const { seen, restore } = watchDecodes(budget);
    try {
      expect(await catchErr(() => loadStudy([file], LIMITS, undefined, budget))).toBeInstanceOf(CorruptStudyError);
      expect(seen).toEqual([FRAME]);
      expect([budget.inUse, budget.queued]).toEqual([0, 0]);
    } finally {
      restore();
    }
  });

  it('aborted mid-decode: rejected with the reason; the pixels stay taken until libvips is done, then come back', async () => {
    const budget = new PixelBudget(4_000_000, 4);
    const ac = new AbortController();
    let heldAfterAbort = -1;
    const { seen, restore } = watchDecodes(budget, async () => {
      ac.abort(new AnalysisTimeoutError(1));
      for (let i = 0; i < 5; i++) await turn();
      heldAfterAbort = budget.inUse; // the decode has not finished yet
    });
    try {
      const err = await catchErr(() => loadStudy([frame], LIMITS, ac.signal, budget));
      expect(err).toBeInstanceOf(AnalysisTimeoutError);
      expect(seen).toEqual([FRAME]);
      expect(heldAfterAbort).toBe(FRAME);
      expect([budget.inUse, budget.queued]).toEqual([0, 0]);
    } finally {
      restore();
    }
  });

  it.each([
    ['a frame within the budget waits while others hold it, instead of decoding past it', 2_000_000, 1_500_000, FRAME],
    ['a frame larger than the whole budget waits for it to be free, then decodes alone, as a larger upload does', 1_050_000, 500_000, 1_050_000],
  ])('%s', (_, limit, held, taken) => expectWaitsForBudget(frame, watchDecodes, limit, held, taken)); // the frame is 1100 × 1000

  it('aborted while waiting: leaves the queue with the reason, nothing decoded, nothing taken', () => expectAbortWhileWaiting(frame, watchDecodes));

  it('frames of at most 1 MP decode without the budget, as small uploads do (not held up by a large image)', async () => {
    const budget = new PixelBudget(2_000_000, 4);
    const other = await budget.acquire(2_000_000);
    const study = await loadStudy([new Uint8Array(await dicomJpegSlice(syntheticSlice(512, 512, (x) => 40 + (x % 180))))], LIMITS, undefined, budget);
    expect(study.kind).toBe('slices');
    other();
  });

  it('StudyService: a study waiting for the budget past STUDY_TIMEOUT_MS is a 504 and leaves the queue', () => expectStudyTimeoutLeavesQueue(frame, watchDecodes));
});
