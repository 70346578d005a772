/**
 * A 4-D .nii.gz (fMRI, DWI) is read for its first volume, the only one analysed: the later volumes
 * are inflated and dropped, so the file is no longer refused with 413 for its whole inflated size
 * (a 300-volume fMRI run is ~85 MB, a 65-direction DWI ~120 MB), while every gzip member's CRC-32
 * and length are still checked over the whole file. The header's declared size is checked before
 * anything beyond it is inflated (at most 16 × the limit, and beyond the limit 32 × the file's
 * size: a bomb is refused from its header), and bytes past the declared end still count against
 * the study's limit. An uncompressed 4-D .nii is read in place, its later volumes never copied.
 */
import * as zlib from 'node:zlib';
import type { StudyLimits } from '../../../src/studies/study-loader';
import { CorruptStudyError, StudyTooLargeError } from '../../../src/studies/study-errors';
import { writeNifti1 } from '../../support/nifti-fixtures';
import { loadRefusal, loadSlices } from '../../support/study-load';

// 2 MB: the first volume (12 KB) fits many times, the 300 volumes (3.7 MB inflated) do not
const LIMITS: StudyLimits = { maxBytes: 2 * 1024 * 1024, maxSlices: 400, minSide: 16, maxPixels: 40_000_000 };
const DIMS: [number, number, number] = [32, 32, 6];
// each volume differs (the first is the one analysed); the later ones are noise-like so they compress little
const voxel = (i: number, j: number, k: number, t: number) => (t === 0 ? 100 + 3 * i + 5 * j + 40 * k : (i * 7919 + j * 104729 + k * 31 + t * 977) % 3000);
const fmri = writeNifti1(DIMS, voxel, { volumes: 300 });
const first = writeNifti1(DIMS, (i, j, k) => voxel(i, j, k, 0));

const load = (file: Buffer, limits = LIMITS) => loadSlices(file, limits);
const refusal = (file: Buffer, limits = LIMITS) => loadRefusal(file, limits);

describe('4-D .nii.gz: the first volume kept, the later ones inflated through their CRC check and dropped', () => {
  it('a 300-volume .nii.gz of 3.7 MB inflated, under a 2 MB limit: analysed as its first volume alone would be, 300 volumes reported', async () => {
    expect(fmri.length).toBeGreaterThan(LIMITS.maxBytes);
    const { meta, slices } = await load(zlib.gzipSync(fmri));
    expect(meta).toMatchObject({ format: 'nifti', sliceCount: 6, volumes: 300 });
    expect(slices).toEqual((await load(first)).slices);
  });

  it('the same file in three gzip members (bgzip / pigz), split inside the first volume and between later volumes: the same slices', async () => {
    const vol = 32 * 32 * 6 * 2;
    const members = Buffer.concat([zlib.gzipSync(fmri.subarray(0, 400)), zlib.gzipSync(fmri.subarray(400, 352 + 7 * vol + 5)), zlib.gzipSync(fmri.subarray(352 + 7 * vol + 5))]);
    expect((await load(members)).slices).toEqual((await load(first)).slices);
  });

  it('damage in a later volume (stored blocks: it inflates without an error) is still found by the CRC-32 → 422', async () => {
    const gz = zlib.gzipSync(fmri, { level: 0 });
    const at = gz.lastIndexOf(fmri.subarray(fmri.length - 5000, fmri.length - 4984));
    expect(at).toBeGreaterThan(gz.length / 2);
    const damaged = Buffer.from(gz);
    damaged[at] ^= 0x40;
    // the stored upload (3.7 MB) counts too: a limit it fits under, as the file inflated whole would not
    const err = await refusal(damaged, { ...LIMITS, maxBytes: 4 * 1024 * 1024 });
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect(err?.message).toMatch(/compressed data of file 1 of 1 is corrupt/);
  });

  it('a wrong length in the trailer, and a file cut in its last volume → 422', async () => {
    const gz = zlib.gzipSync(fmri);
    const wrong = Buffer.from(gz);
    wrong.writeUInt32LE(fmri.length - 2, wrong.length - 4);
    expect(await refusal(wrong)).toBeInstanceOf(CorruptStudyError);
    const cut = await refusal(gz.subarray(0, gz.length - 2000));
    expect(cut).toBeInstanceOf(CorruptStudyError);
    expect(cut?.message).toMatch(/truncated/);
  });

  // the header and first volume (64 × 64 × 4 int16, 32 KB) stored in the first member, inflated
  // first in its own 16 KB slices, with `volumes` declared; after it a member of garbage, which
  // would be a 422 had it been inflated
  const declaring = (volumes: number, garbage: number) => {
    const nii = writeNifti1([64, 64, 4], (i, j, k) => 100 + i + j + k);
    nii.writeInt16LE(4, 40);
    nii.writeInt16LE(volumes, 48);
    return Buffer.concat([zlib.gzipSync(nii, { level: 0 }), Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), Buffer.alloc(garbage, 0xff)]);
  };
  const remedy = 'Upload the first volume alone (e.g. fslroi in.nii.gz first.nii.gz 0 1).';

  it('a small .gz whose header declares 300 volumes (a bomb: 9.4 MB from 32 KB) → 413 from the header, the data after it never inflated', async () => {
    const err = await refusal(declaring(300, 16));
    expect(err).toBeInstanceOf(StudyTooLargeError);
    expect(err?.message).toBe(
      "The file declares 300 volumes, 9.4 MB once decompressed. Only the first is analysed; the later ones are read through to check the file, up to 2 MB for this 32 KB file (32 times its size, at least the study's 2 MB limit and at most 16 times it). " + remedy,
    );
  });

  it('later volumes beyond 16 × the limit, however large the file → 413 from the header', async () => {
    // 1.2 MB of file: 32 times it would be 38 MB, the 2 MB limit allows 32 MB; 20 000 volumes declare 625 MB
    const err = await refusal(declaring(20_000, 1_200_000));
    expect(err).toBeInstanceOf(StudyTooLargeError);
    expect(err?.message).toMatch(/^The file declares 20000 volumes, 625 MB once decompressed\. .* up to 32 MB for this 1\.2 MB file /);
  });

  it('bytes beyond the declared volumes still count against the limit: a 2-volume header followed by 100 MB of zeros → 413', async () => {
    const two = writeNifti1(DIMS, voxel, { volumes: 2 });
    expect(await refusal(zlib.gzipSync(Buffer.concat([two, Buffer.alloc(100 * 1024 * 1024)])))).toBeInstanceOf(StudyTooLargeError);
  });
});

describe('4-D .nii uncompressed: read in place', () => {
  it('its later volumes are not copied: no more than the header is sliced out of the upload', async () => {
    const big = writeNifti1(DIMS, voxel, { volumes: 40 }); // 492 KB, under the limit as an upload must be
    const slice = jest.spyOn(ArrayBuffer.prototype, 'slice');
    try {
      const { meta, slices } = await load(big);
      expect(meta.volumes).toBe(40);
      expect(slices).toEqual((await load(first)).slices);
      const copied = slice.mock.results.reduce((n, r) => n + (r.value as ArrayBuffer).byteLength, 0);
      expect(copied).toBeLessThan(2 * 1024); // the header, for nifti-reader-js (twice: two loads)
    } finally {
      slice.mockRestore();
    }
  });
});
