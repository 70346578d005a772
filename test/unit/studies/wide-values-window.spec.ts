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

describe('a percentile window over 32-bit values far from zero', () => {
  it('shows their contrast, not float32 rounding: the values are taken relative to one of them', async () => {
    const base = 3_000_000_000;
    const offsets = Array.from({ length: R * R }, (_, i) => (i * 37) % 101);
    const file = mrDicom({ rows: R, columns: R, bitsAllocated: 32, words: offsets.map((o) => (base + o) >>> 0) });
    const study = await loadStudy([new Uint8Array(file)], LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.meta.windowing).toBe('percentile');
    // the service's percentile window (0.5th–99.5th of every value), in exact arithmetic
    const sorted = [...offsets].sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.round((p / 100) * (sorted.length - 1))];
    const [lo, hi] = [at(0.5), at(99.5)];
    const expected = offsets.map((o) => Math.min(255, Math.max(0, Math.round(((o - lo) / (hi - lo)) * 255))));
    // float32 steps by 256 near 3×10^9: without the shift the 101 levels were 1 or 2
    expect(maxDiff(study.slices[0].image.data, expected)).toBeLessThanOrEqual(1);
  });
});
