/**
 * An Image Orientation (Patient) that gives no slice direction — directions that underflow
 * (1e-320), are zero or far from unit length, parallel, or overflow — is no orientation: the
 * slices are ordered by Instance Number, as when the tag is missing. Kept, its normal was zero or
 * tiny, every position projected to 0 mm, and a valid series was refused as "several images at
 * one slice position" (or ordered along a normal scaled by 1e200, 5e200 mm apart).
 */
import { loadStudy } from '../../../src/studies/study-loader';
import { el, mrDicom } from '../../support/dicom-pixel-fixtures';
import { LIMITS } from '../../support/study-loader-cases';
import { dicomEnhanced } from '../../support/enhanced-dicom-fixtures';
import { syntheticSlice } from '../../support/study-fixtures';

const words = Array.from({ length: 64 * 64 }, (_, i) => (i * 37) % 4096);
const series = (orientation: string, zs = [0, 5, 10]) =>
  zs.map(
    (z, k) =>
      new Uint8Array(
        mrDicom({
          rows: 64,
          columns: 64,
          bitsAllocated: 16,
          bitsStored: 12,
          words,
          z,
          instanceNumber: zs.length - k, // opposite to the positions: the ordering used shows
          extra: [el.str(0x00080018, 'UI', `1.2.3.${k}`), el.str(0x00200037, 'DS', orientation)],
        }),
      ),
  );

const frames = [0, 1, 2].map((k) => syntheticSlice(64, 64, (x, y) => (x + y + k * 40) % 256));

describe('an orientation that gives no slice direction is treated as missing', () => {
  it.each([
    ['directions that underflow', '1e-320\\0\\0\\0\\1e-320\\0'],
    ['a subnormal row direction', '5e-324\\0\\0\\0\\1\\0'],
    ['a column direction of length 1e-200', '1\\0\\0\\0\\1e-200\\0'],
    ['zero directions', '-0\\-0\\-0\\-0\\-0\\-0'],
    ['parallel directions', '1\\0\\0\\1\\0\\0'],
    ['nearly parallel directions', '1\\0\\0\\1\\1e-9\\0'],
    ['directions of length 1e-5 (normal 1e-10)', '1e-5\\0\\0\\0\\1e-5\\0'],
    ['orthogonal directions of length 1e100 (positions 5e200 mm apart)', '1e100\\0\\0\\0\\1e100\\0'],
    ['directions whose normal overflows', '1e154\\1e154\\0\\-1e154\\1e154\\0'],
  ])('%s: ordered by Instance Number, no error', async (_, orientation) => {
    const study = await loadStudy(series(orientation), LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.meta.ordering).toBe('instance_number');
    expect(study.slices.map((s) => s.position)).toEqual([null, null, null]);
    expect(study.meta.spacing.slice).toBeNull();
  });

  it.each([
    ['axial', '1\\0\\0\\0\\1\\0'],
    ['rounding jitter', '1\\1e-17\\0\\0\\1\\0'],
    ['cosines written to 4 decimals', '0.7071\\0.7071\\0\\-0.7071\\0.7071\\0'],
  ])('a usable one (%s) still orders by position', async (_, orientation) => {
    const study = await loadStudy(series(orientation), LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.meta.ordering).toBe('position');
    expect(study.meta.spacing.slice).not.toBeNull();
  });

  it('per-frame (Enhanced) orientations that give no direction: frames in stored order, no error', async () => {
    const study = await loadStudy([new Uint8Array(dicomEnhanced(frames, [10, 0, 5], { orientation: [1e-320, 0, 0, 0, 1e-320, 0] }))], LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.meta.ordering).toBe('upload_order');
    expect(study.slices).toHaveLength(3);
  });
});
