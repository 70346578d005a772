/**
 * NIfTI values beyond float32's range. A slice's values are float32, and a float64 volume at the
 * scale of 1e300 became +Inf in every voxel: the whole volume was shown (and analysed) white.
 * Now the window comes from finite values only, computed in double precision where float32
 * cannot hold them; non-finite voxels are drawn at the window's low end; a fill value of 1e300
 * among ordinary intensities is treated as one; a volume with no finite value is refused.
 */
import { readNifti } from '../../../src/studies/nifti';
import { CorruptStudyError } from '../../../src/studies/study-errors';
import { loadStudy } from '../../../src/studies/study-loader';
import { writeNifti1 } from '../../support/nifti-fixtures';
import { LIMITS } from '../../support/study-loader-cases';

const D: [number, number, number] = [64, 64, 4];
/** tissue 1000..3000 in a pattern, different in every slice */
const tissue = (i: number, j: number, k: number) => 1000 + (2000 * ((i * 7 + j * 13 + k * 5) % 97)) / 96;

async function slice1(bytes: Buffer): Promise<Uint8Array> {
  const study = await loadStudy([new Uint8Array(bytes)], LIMITS);
  if (study.kind !== 'slices') throw new Error('expected slices');
  return study.slices[1].image.data;
}
const share = (px: Uint8Array, v: number) => px.filter((x) => x === v).length / px.length;
/** largest difference between two images of the same size */
const maxDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

describe('NIfTI values beyond float32: windowed from finite values, never a white volume', () => {
  let reference: Uint8Array;
  beforeAll(async () => {
    reference = await slice1(writeNifti1(D, tissue, { datatype: 'float64' }));
  });

  it('the reference (ordinary float64 tissue) spans the grey range', () => {
    expect(share(reference, 255)).toBeLessThan(0.05);
    expect(Math.max(...reference) - Math.min(...reference)).toBeGreaterThan(240);
  });

  it.each([1e300, 1e39, -1e300])('a float64 volume of tissue × %d is shown as the same tissue (was all white)', async (scale) => {
    const px = await slice1(writeNifti1(D, (i, j, k) => tissue(i, j, k) * scale, { datatype: 'float64' }));
    expect(share(px, 255)).toBeLessThan(0.05);
    // the same image (a negative scale: its negative)
    const expected = scale > 0 ? reference : reference.map((x) => 255 - x);
    expect(maxDiff(px, expected)).toBeLessThanOrEqual(1);
  });

  it('a huge scl_slope on int16 data (1000 × 1e36 is beyond float32) is windowed the same way', async () => {
    const ints = (i: number, j: number, k: number) => Math.round(tissue(i, j, k));
    const plain = await slice1(writeNifti1(D, ints));
    const scaled = await slice1(writeNifti1(D, ints, { sclSlope: 1e36 }));
    expect(share(scaled, 255)).toBeLessThan(0.05);
    expect(maxDiff(scaled, plain)).toBeLessThanOrEqual(1);
  });

  it('a 1e300 fill value in a column of ordinary tissue: the tissue keeps its window, the fill is drawn at the low end', async () => {
    const fill = (i: number, j: number, k: number) => (i === 3 ? 1e300 : tissue(i, j, k));
    const masked = (i: number, j: number, k: number) => (i === 3 ? NaN : tissue(i, j, k));
    const px = await slice1(writeNifti1(D, fill, { datatype: 'float64' }));
    expect(px).toEqual(await slice1(writeNifti1(D, masked, { datatype: 'float64' })));
    for (let r = 0; r < 64; r++) expect(px[r * 64 + 3]).toBe(0);
  });

  it('NaN and ±Inf mixed in: left out of the window and drawn at its low end, +Inf too', async () => {
    const mixed = (i: number, j: number, k: number) => (i === 3 ? Infinity : i === 4 ? NaN : i === 5 ? -Infinity : tissue(i, j, k));
    const px = await slice1(writeNifti1(D, mixed, { datatype: 'float64' }));
    for (let r = 0; r < 64; r++) expect([px[r * 64 + 3], px[r * 64 + 4], px[r * 64 + 5]]).toEqual([0, 0, 0]);
    const tissuePx = [...px].filter((_, n) => n % 64 < 3 || n % 64 > 5);
    expect(Math.max(...tissuePx) - Math.min(...tissuePx)).toBeGreaterThan(240);
    expect(tissuePx.filter((x) => x === 255).length / tissuePx.length).toBeLessThan(0.05);
  });

  it('no finite voxel at all (NaN, ±Inf, or a scaling that overflows every value): refused as unreadable pixels (422)', async () => {
    const cases = [
      writeNifti1(D, (i) => (i % 3 === 0 ? NaN : i % 3 === 1 ? Infinity : -Infinity), { datatype: 'float64' }),
      writeNifti1(D, () => NaN, { datatype: 'float32' }),
      writeNifti1(D, () => 1e300, { datatype: 'float64', sclSlope: 1e30 }),
    ];
    for (const bytes of cases) {
      const err = await loadStudy([new Uint8Array(bytes)], LIMITS).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CorruptStudyError);
      expect(err).toMatchObject({ code: 'CORRUPT_IMAGE', statusCode: 422, message: expect.stringContaining('no voxel of the NIfTI volume has a finite value') });
    }
  });

  it('readSlice never hands a non-finite value on but NaN, and never a value float32 cannot hold', () => {
    const v = readNifti(new Uint8Array(writeNifti1(D, (i, j, k) => (i === 3 ? Infinity : tissue(i, j, k) * 1e300), { datatype: 'float64' })), { file: 0, files: 1 }, 400);
    const values = v.readSlice(1).values;
    expect(values.every((x) => Number.isNaN(x) || Number.isFinite(x))).toBe(true);
    expect(values.filter((x) => Number.isNaN(x)).length).toBe(64);
  });
});
