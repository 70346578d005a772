/**
 * dim[i] beyond dim[0] are to be ignored (NIfTI-1 standard). nifti-reader-js's readImage sized the
 * image from dim[1..5] whatever dim[0] said, so a valid 2-D file whose dim[3] is 0, or a 3-D file
 * with a stray negative dim[4], was refused as "truncated". The reader now takes the first volume's
 * bytes itself, from the dims dim[0] names.
 */
import { readNifti } from '../../../src/studies/nifti';
import { CorruptStudyError } from '../../../src/studies/study-errors';
import { writeNifti1 } from '../../support/nifti-fixtures';

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
