/**
 * A study reports only spacings that are distances: a DICOM Pixel Spacing or Slice Thickness of
 * zero, below zero or not a number is "unknown" (null), as the NIfTI reader already had it. It was
 * stored and shown as "row -1 mm" / "column 0 mm" (history page, PDF, CSV) beside slices analysed
 * as assumed-square pixels because that very spacing was unusable.
 */
import { loadStudy } from '../../../src/studies/study-loader';
import { el, mrDicom } from '../../support/dicom-pixel-fixtures';
import { LIMITS } from '../../support/study-loader-cases';

const words = Array.from({ length: 64 * 64 }, (_, i) => (i * 37) % 4096);
const slice = (extra: ReturnType<typeof el.ds>[]) => new Uint8Array(mrDicom({ rows: 64, columns: 64, bitsAllocated: 16, bitsStored: 12, words, extra }));

describe('study spacing: only distances above zero', () => {
  it.each([
    ['negative', [-1, 0.5], -2],
    ['zero', [0, 0], 0],
  ])('a %s Pixel Spacing and Slice Thickness are unknown, not shown as millimetres', async (_, pixel, thickness) => {
    const study = await loadStudy([slice([el.ds(0x00280030, ...pixel), el.ds(0x00180050, thickness)])], LIMITS);
    expect(study.meta.spacing).toEqual({ column: pixel[1] > 0 ? pixel[1] : null, row: null, slice: null });
    expect(study.meta.display?.pixels).toBe('assumed_square');
  });

  it('usable ones are kept as the header says', async () => {
    const study = await loadStudy([slice([el.ds(0x00280030, 0.9, 0.8), el.ds(0x00180050, 5)])], LIMITS);
    expect(study.meta.spacing).toEqual({ column: 0.8, row: 0.9, slice: 5 });
  });
});

describe('slice positions so far out that their projection overflows (DS allows "1e308")', () => {
  const series = (zs: number[]) =>
    zs.map((z, k) => new Uint8Array(mrDicom({ rows: 64, columns: 64, bitsAllocated: 16, bitsStored: 12, words, z, instanceNumber: k + 1, extra: [el.str(0x00080018, 'UI', `1.2.3.${k}`)] })));

  it.each([
    ['−1e308, 0, 1e308', [-1e308, 0, 1e308]],
    ['1e308, 5e307, 0 (two at +Infinity)', [1e308, 5e307, 0]],
  ])('%s: ordered as if they had no position, no spacing of Infinity', async (_, zs) => {
    const study = await loadStudy(series(zs), LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.meta.ordering).toBe('instance_number');
    expect(study.meta.spacing.slice).toBeNull();
    expect(study.slices.map((s) => s.position)).toEqual([null, null, null]);
  });
});
