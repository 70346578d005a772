/**
 * dim[i] beyond dim[0] are to be ignored (NIfTI-1 standard). nifti-reader-js's readImage sized the
 * image from dim[1..5] whatever dim[0] said, so a valid 2-D file whose dim[3] is 0, or a 3-D file
 * with a stray negative dim[4], was refused as "truncated". The reader now takes the first volume's
 * bytes itself, from the dims dim[0] names.
 */
import { readNifti } from '../../../src/studies/nifti';
import { CorruptStudyError } from '../../../src/studies/study-errors';
import { meanOf, worldMarker, writeNifti1 } from '../../support/nifti-fixtures';

const POS = { file: 0, files: 1 };
const read = (b: Buffer) => readNifti(new Uint8Array(b), POS, 400);
const ramp = (i: number, j: number, k: number, t: number) => i + 2 * j + 100 * k + 1000 * t;

/** the header's dim[0..7] overwritten as given (the voxels stay as written) */
function withDims(b: Buffer, dims: number[]): Buffer {
  const out = Buffer.from(b);
  dims.forEach((d, i) => out.writeInt16LE(d, 40 + 2 * i));
  return out;
}

describe('NIfTI dims beyond dim[0] are ignored', () => {
  it('a 2-D file whose dim[3] is 0 is one 64×64 slice, not "truncated"', () => {
    const file = withDims(writeNifti1([64, 64, 1], ramp), [2, 64, 64, 0, 0, 0, 0, 0]);
    const vol = read(file);
    expect(vol).toMatchObject({ count: 1, width: 64, height: 64, volumes: 1 });
    const values = vol.readSlice(0).values;
    expect(Math.min(...values)).toBe(0);
    expect(Math.max(...values)).toBe(63 + 2 * 63);
  });

  it('a 3-D file with garbage in dim[4..7] reads its 4 slices', () => {
    const file = withDims(writeNifti1([64, 64, 4], ramp), [3, 64, 64, 4, -5, 0, 32767, -1]);
    const vol = read(file);
    expect(vol).toMatchObject({ count: 4, volumes: 1 });
    expect(Math.max(...vol.readSlice(3).values)).toBe(63 + 2 * 63 + 300);
  });

  it('a 4-D file: the first volume, whatever follows', () => {
    const vol = read(writeNifti1([64, 64, 2], ramp, { volumes: 3 }));
    expect(vol).toMatchObject({ count: 2, volumes: 3 });
    expect(Math.max(...vol.readSlice(1).values)).toBe(63 + 2 * 63 + 100);
  });

  it('still refuses a file shorter than its first volume, and a voxel offset that is no byte position', () => {
    const whole = writeNifti1([64, 64, 4], ramp);
    expect(() => read(whole.subarray(0, whole.length - 1))).toThrow(CorruptStudyError);
    for (const offset of [-352, 352.5, Number.NaN]) {
      const bad = Buffer.from(whole);
      bad.writeFloatLE(offset, 108);
      expect(() => read(bad)).toThrow(CorruptStudyError);
    }
  });
});

/**
 * One slice saved from a volume (nibabel's img.slicer[:, 40:41, :], a single coronal or sagittal
 * 2-D acquisition) is one voxel thick along j or i. It was cut along k — dim_info or not — into 32
 * slices of 32 × 1 px and refused as too small; nibabel reads it as the one 32 × 32 slice it is.
 */
describe('NIfTI: a volume one voxel thick along i or j is that one slice', () => {
  const RAS = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  const half = (s: { width: number; height: number; values: Float32Array }, part: 'top' | 'bottom' | 'left' | 'right') => {
    const img = { width: s.width, data: s.values };
    const [h, w] = [s.height, s.width];
    if (part === 'top') return meanOf(img, 0, h / 2, 0, w);
    if (part === 'bottom') return meanOf(img, h / 2, h, 0, w);
    if (part === 'left') return meanOf(img, 0, h, 0, w / 2);
    return meanOf(img, 0, h, w / 2, w);
  };

  it('(32, 1, 32) RAS: one coronal 32×32 slice, superior at the top, the patient\'s right on the left', () => {
    const dims: [number, number, number] = [32, 1, 32];
    const sup = read(writeNifti1(dims, worldMarker(RAS, dims, (_x, _y, z) => z > 3), { sform: RAS }));
    expect(sup).toMatchObject({ count: 1, width: 32, height: 32, sliceAxis: 1, sliceAxisSource: 'single', orientation: { plane: 'coronal' } });
    expect(half(sup.readSlice(0), 'top')).toBeGreaterThan(half(sup.readSlice(0), 'bottom') + 500);
    const right = read(writeNifti1(dims, worldMarker(RAS, dims, (x) => x > 3), { sform: RAS }));
    expect(half(right.readSlice(0), 'left')).toBeGreaterThan(half(right.readSlice(0), 'right') + 500);
  });

  it('(1, 32, 32) RAS with a stale slice_dim = k: one sagittal 32×32 slice, anterior on the left, superior at the top', () => {
    const dims: [number, number, number] = [1, 32, 32];
    const ant = read(writeNifti1(dims, worldMarker(RAS, dims, (_x, y) => y > 3), { sform: RAS, sliceDim: 3 }));
    expect(ant).toMatchObject({ count: 1, width: 32, height: 32, sliceAxis: 0, orientation: { plane: 'sagittal' } });
    expect(half(ant.readSlice(0), 'left')).toBeGreaterThan(half(ant.readSlice(0), 'right') + 500);
    const sup = read(writeNifti1(dims, worldMarker(RAS, dims, (_x, _y, z) => z > 3), { sform: RAS, sliceDim: 3 }));
    expect(half(sup.readSlice(0), 'top')).toBeGreaterThan(half(sup.readSlice(0), 'bottom') + 500);
  });

  it('without an orientation, (32, 1, 24) is one 32 × 24 slice; two thin axes stay a 1-pixel line', () => {
    expect(read(writeNifti1([32, 1, 24], ramp))).toMatchObject({ count: 1, width: 32, height: 24, sliceAxis: 1 });
    expect(read(writeNifti1([32, 1, 1], ramp))).toMatchObject({ count: 1, width: 32, height: 1, sliceAxis: 2 });
  });
});
