/**
 * NIfTI header extensions and vox_offset, found by a differential check against nibabel and a
 * mutation run of the loader. The service never uses extensions, but nifti-reader-js walked them
 * whenever it was given the whole file: it console.logged every extension's bytes (a DICOM
 * extension, ecode 2, carries the patient's name) into the service's log, refused a valid image
 * whose extension sizes were not multiples of 16, and followed a negative esize backwards — a
 * -16 here and a +16 where it lands held the process in an endless loop. And nifti1.h says a
 * vox_offset below 352 in a .nii file is 352: read from 0, the header's bytes were shown as voxels.
 * Files are built here; nothing is committed.
 */
import { readNifti } from '../../../src/studies/nifti';
import { writeNifti1 } from '../../support/nifti-fixtures';

const POS = { file: 0, files: 1 };
const read = (b: Buffer) => readNifti(new Uint8Array(b), POS, 400);
const ramp = (i: number, j: number, k: number) => 1 + i + 64 * j + 4096 * k;
const DIMS: [number, number, number] = [64, 64, 3];

/** the file with extension bytes between the header and the voxels: extension flag set, vox_offset moved past them */
function withExtension(file: Buffer, ext: Buffer): Buffer {
  const out = Buffer.concat([file.subarray(0, 352), ext, file.subarray(352)]);
  out[348] = 1;
  out.writeFloatLE(352 + ext.length, 108);
  return out;
}

/** one extension record: esize (as written, may lie), ecode, then content up to `length` bytes */
function extension(esize: number, ecode: number, content: string, length: number): Buffer {
  const b = Buffer.alloc(length);
  b.writeInt32LE(esize, 0);
  b.writeInt32LE(ecode, 4);
  b.write(content, 8, 'latin1');
  return b;
}

/** every voxel of the volume, in slice order, as the reader returns them */
function voxels(file: Buffer): number[] {
  const vol = read(file);
  return Array.from({ length: vol.count }, (_, s) => Array.from(vol.readSlice(s).values)).flat();
}

describe('NIfTI extensions are skipped, never walked', () => {
  const plain = writeNifti1(DIMS, ramp);

  it('an extension does not change the voxels, and nothing of it reaches the log', () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const file = withExtension(plain, extension(32, 2, 'PatientName^Secret', 32));
      expect(voxels(file)).toEqual(voxels(plain));
      expect(log).not.toHaveBeenCalled();
    } finally {
      log.mockRestore();
    }
  });

  it('extension sizes that lie (not a multiple of 16, past vox_offset) do not refuse a readable image', () => {
    for (const esize of [20, 1 << 20]) {
      const file = withExtension(plain, extension(esize, 4, 'x', 48));
      expect(voxels(file)).toEqual(voxels(plain));
    }
  });

  it('a cycle of extension sizes (-16, then +16 where it lands) is read at once (it looped forever)', () => {
    const file = withExtension(plain, extension(-16, 4, '', 32));
    file.writeInt32LE(16, 336); // in intent_name, where esize -16 at 352 points back to
    expect(voxels(file)).toEqual(voxels(plain));
  });
});

describe('NIfTI vox_offset below the header', () => {
  it('NIfTI-1: a vox_offset of 0 (or anything below 352) reads the voxels from byte 352', () => {
    const plain = writeNifti1(DIMS, ramp);
    for (const offset of [0, 16, 348]) {
      const file = Buffer.from(plain);
      file.writeFloatLE(offset, 108);
      expect(voxels(file)).toEqual(voxels(plain));
    }
  });

  it('NIfTI-2: a vox_offset of 0 reads the voxels from byte 544', () => {
    const [nx, ny, nz] = DIMS;
    const file = Buffer.alloc(544 + nx * ny * nz * 2);
    file.writeInt32LE(540, 0);
    file.write('n+2\0\r\n\x1a\n', 4, 'latin1');
    file.writeInt16LE(4, 12); // int16
    file.writeInt16LE(16, 14);
    [3, nx, ny, nz, 1, 1, 1, 1].forEach((v, i) => file.writeBigInt64LE(BigInt(v), 16 + 8 * i));
    [1, 1, 1, 1].forEach((v, i) => file.writeDoubleLE(v, 104 + 8 * i));
    file.writeBigInt64LE(0n, 168); // vox_offset
    file.writeDoubleLE(1, 176); // scl_slope
    for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) file.writeInt16LE(ramp(i, j, k), 544 + 2 * (i + nx * (j + ny * k)));
    expect(voxels(file)).toEqual(voxels(writeNifti1(DIMS, ramp)));
  });
});
