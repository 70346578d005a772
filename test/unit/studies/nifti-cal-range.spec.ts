/**
 * A NIfTI header's display range (cal_min / cal_max) is deliberately not used: every volume gets
 * the percentile window. Honouring it moved the models' answers wherever it differed from that
 * window (scripts/measure-nifti-cal.ts: a window narrowed by 10 % of its span at each end changed
 * 6 of 100 held-out brain answers, the middle half 20, a thresholded statistics map's range 65;
 * README, NIfTI). This pins the decision: a change to it should come with a new measurement.
 */
import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { writeNifti1 } from '../../support/nifti-fixtures';

const LIMITS: StudyLimits = { maxBytes: 8 * 1024 * 1024, maxSlices: 400, minSide: 16, maxPixels: 40_000_000 };

/** writeNifti1's volume with cal_max (offset 124) and cal_min (128) set, in scaled units */
function withCal(nii: Buffer, min: number, max: number): Buffer {
  const b = Buffer.from(nii);
  b.writeFloatLE(max, 124);
  b.writeFloatLE(min, 128);
  return b;
}

async function load(file: Buffer) {
  const study = await loadStudy([new Uint8Array(file)], LIMITS);
  if (study.kind !== 'slices') throw new Error('expected slices');
  return { windowing: study.meta.windowing, pixels: study.slices.map((s) => Uint8Array.from(s.image.data)) };
}

describe('NIfTI cal_min / cal_max', () => {
  // values 100..1000 after scl_slope 2: a valid range inside the data, half its width
  const nii = writeNifti1([32, 32, 6], (i, j, k) => 50 + 4 * i + 5 * j + 10 * k, { sclSlope: 2 });

  it('a valid range inside the data leaves the percentile window, and every pixel, as without it', async () => {
    const plain = await load(nii);
    const cal = await load(withCal(nii, 300, 700));
    expect(plain.windowing).toBe('percentile');
    expect(cal.windowing).toBe('percentile');
    expect(cal.pixels).toEqual(plain.pixels);
  });
});
