/**
 * .nii.gz as gzip and nibabel (Python's gzip module) read it: every member's CRC-32 and length are
 * checked, several members are one file, zero padding after the last member is ignored. fflate's
 * Gunzip, used before, checked no CRC: a .nii.gz with bytes overwritten in its compressed data
 * (284 of 300 with 1–3 random bytes overwritten) was analysed as other voxels, and zero padding
 * was refused as corrupt.
 */
import * as zlib from 'node:zlib';
import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { CorruptStudyError, StudyTooLargeError } from '../../../src/studies/study-errors';
import { writeNifti1 } from '../../support/nifti-fixtures';

const LIMITS: StudyLimits = { maxBytes: 8 * 1024 * 1024, maxSlices: 400, minSide: 16, maxPixels: 40_000_000 };
const nii = writeNifti1([32, 32, 6], (i, j, k) => 100 + 3 * i + 5 * j + 40 * k);

async function slices(file: Buffer): Promise<Uint8Array[]> {
  const study = await loadStudy([new Uint8Array(file)], LIMITS);
  if (study.kind !== 'slices') throw new Error('expected slices');
  return study.slices.map((s) => Uint8Array.from(s.image.data));
}

async function refusal(file: Buffer): Promise<unknown> {
  try {
    await loadStudy([new Uint8Array(file)], LIMITS);
  } catch (err) {
    return err;
  }
  return null;
}

describe('.nii.gz: gzip members checked as gzip and nibabel check them', () => {
  it('a voxel byte overwritten inside the compressed data (stored blocks: it still inflates) → 422, not other voxels', async () => {
    // level 0 stores the bytes as they are: the overwrite inflates without an error, only the CRC-32 tells
    const gz = zlib.gzipSync(nii, { level: 0 });
    const at = gz.indexOf(nii.subarray(2000, 2016));
    expect(at).toBeGreaterThan(0);
    const damaged = Buffer.from(gz);
    damaged[at] ^= 0x40;
    const err = await refusal(damaged);
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect((err as Error).message).toMatch(/compressed data of file 1 of 1 is corrupt/);
  });

  it('a wrong length (ISIZE) in the trailer → 422', async () => {
    const damaged = Buffer.from(zlib.gzipSync(nii));
    damaged.writeUInt32LE(nii.length + 1, damaged.length - 4);
    expect(await refusal(damaged)).toBeInstanceOf(CorruptStudyError);
  });

  it('three members (split inside the header, as pigz / bgzip write) and zero padding read as the plain file', async () => {
    const plain = await slices(nii);
    const members = Buffer.concat([zlib.gzipSync(nii.subarray(0, 100)), zlib.gzipSync(nii.subarray(100, 3000)), zlib.gzipSync(nii.subarray(3000))]);
    expect(await slices(members)).toEqual(plain);
    expect(await slices(Buffer.concat([zlib.gzipSync(nii), Buffer.alloc(512)]))).toEqual(plain);
  });

  it('other bytes after the last member, and a cut file, are still refused; a gzip bomb stops at the limit', async () => {
    expect(await refusal(Buffer.concat([zlib.gzipSync(nii), Buffer.from('garbage!')]))).toBeInstanceOf(CorruptStudyError);
    const gz = zlib.gzipSync(nii);
    const cut = await refusal(gz.subarray(0, gz.length - 5));
    expect(cut).toBeInstanceOf(CorruptStudyError);
    expect((cut as Error).message).toMatch(/truncated/);
    // a 32×32×6 header followed by 100 MB of zeros: ~100 KB compressed
    expect(await refusal(zlib.gzipSync(Buffer.concat([nii, Buffer.alloc(100 * 1024 * 1024)])))).toBeInstanceOf(StudyTooLargeError);
  });
});
