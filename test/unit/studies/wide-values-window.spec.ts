import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { el, maxDiff, mrDicom, ref } from '../../support/dicom-pixel-fixtures';

const LIMITS: StudyLimits = { maxBytes: 64 * 1024 * 1024, maxSlices: 50, minSide: 16, maxPixels: 1_000_000 };
const R = 16;

/**
 * 32-bit stored values are not all exact in float32 (24-bit significand): near 3×10^9 its step is
 * 256, so a header window 10 wide there windowed the rounding — every pixel 0 or 255 — where the
 * standard's window (computed here in double) shows a ramp. In the differential run against
 * pydicom this was 33 of 437 generated files with a narrow window, all 32-bit.
 */
describe('a narrow header window on 32-bit values far from zero', () => {
  it.each([
    ['unsigned, near 3×10^9', 3_000_000_000, 0, 1, 0],
    ['signed, near −1.5×10^9, rescaled', -1_500_000_000, 1, 0.5, 100.25],
  ])('%s: the window shows the values, not their float32 rounding', async (_, base, signed, slope, intercept) => {
    const stored = Array.from({ length: R * R }, (_, i) => base + (i % 24) - 12);
    const modality = stored.map((v) => v * slope + intercept);
    const c = base * slope + intercept + 0.25;
    const w = 12;
    const file = mrDicom({
      rows: R,
      columns: R,
      bitsAllocated: 32,
      pixelRepresentation: signed as 0 | 1,
      words: stored.map((v) => v >>> 0),
      extra: [el.ds(0x00281050, c), el.ds(0x00281051, w), el.ds(0x00281053, slope), el.ds(0x00281052, intercept)],
    });
    const study = await loadStudy([new Uint8Array(file)], LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.meta.windowing).toBe('header');
    expect(maxDiff(study.slices[0].image.data, modality.map((x) => ref.linear(x, c, w)))).toBeLessThanOrEqual(1);
  });
});
