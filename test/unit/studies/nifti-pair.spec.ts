/**
 * A NIfTI-1 pair (.hdr with magic "ni1" + .img, as FSL's NIFTI_PAIR or nibabel's Nifti1Pair write
 * it) uploaded as its two files is read as the one volume it is: the same slices, orientation and
 * volume count as the same header and voxels in one .nii. It was refused (415) as a two-file
 * volume. The .img has no signature: it is the upload's one other file, and must hold what the
 * header declares. Files are built here.
 */
import { ByteBudget } from '../../../src/studies/archive';
import type { StudyLimits } from '../../../src/studies/study-loader';
import { CorruptStudyError, UnsupportedStudyFileError } from '../../../src/studies/study-errors';
import { writeNifti1 } from '../../support/nifti-fixtures';
import { loadRefusal, loadSlices } from '../../support/study-load';
import { joinNiftiPair } from '../../../src/studies/nifti-pair';

const LIMITS: StudyLimits = { maxBytes: 8 * 1024 * 1024, maxSlices: 400, minSide: 16, maxPixels: 40_000_000 };
const DIMS: [number, number, number] = [40, 48, 5];
// asymmetric along every axis, so a lost orientation (mirror, swap) shows in the slices
const voxel = (i: number, j: number, k: number, t: number) => 100 + 7 * i + (j < 10 ? 400 : 2 * j) + 30 * k + 500 * t;
// RAS+ sform: shown radiologically it is mirrored from the historical layout a file without orientation gets
const RAS = { sform: [[1, 0, 0, -20], [0, 1, 0, -24], [0, 0, 1, 0]], pixdim: [1, 1, 1] as [number, number, number] };

/** the .nii as a pair: the header with "ni1" and vox_offset `imgOffset` (352 bytes: no extensions), the .img with `imgOffset` bytes before the voxels */
function pairOf(nii: Buffer, imgOffset = 0): [Buffer, Buffer] {
  const hdr = Buffer.from(nii.subarray(0, 352));
  hdr.write('ni1\0', 344, 'latin1');
  hdr.writeFloatLE(imgOffset, 108);
  return [hdr, Buffer.concat([Buffer.alloc(imgOffset, 0x55), nii.subarray(352)])];
}

const load = (files: Buffer[]) => loadSlices(files, LIMITS);
const refusal = (files: Buffer[]) => loadRefusal(files, LIMITS);

describe('NIfTI-1 pair (.hdr "ni1" + .img) read as one volume', () => {
  it('.hdr + .img, either order: the slices of the same header and voxels as one .nii (its sform applied)', async () => {
    const nii = writeNifti1(DIMS, voxel, RAS);
    const single = await load([nii]);
    // the test can see a lost orientation: without the sform the slices differ
    expect((await load([writeNifti1(DIMS, voxel, { pixdim: [1, 1, 1] })])).slices).not.toEqual(single.slices);
    const [hdr, img] = pairOf(nii);
    for (const files of [[hdr, img], [img, hdr]]) {
      const pair = await load(files);
      expect(pair.slices).toEqual(single.slices);
      expect(pair.meta).toEqual({ ...single.meta, files: 2 });
    }
  });

  it('a 4-D pair: its first volume, 3 volumes reported; a vox_offset into the .img is honoured', async () => {
    const nii = writeNifti1(DIMS, voxel, { ...RAS, volumes: 3 });
    const single = await load([nii]);
    expect(single.meta.volumes).toBe(3);
    for (const offset of [0, 64]) {
      const pair = await load(pairOf(nii, offset));
      expect(pair.slices).toEqual(single.slices);
      expect(pair.meta.volumes).toBe(3);
    }
  });

  it('only the first volume is copied out of the .img, and charged to the study budget', () => {
    const [hdr, img] = pairOf(writeNifti1(DIMS, voxel, { ...RAS, volumes: 3 }));
    const budget = new ByteBudget(1024 * 1024);
    const joined = joinNiftiPair([{ bytes: hdr, pos: { file: 0, files: 2 } }, { bytes: img, pos: { file: 1, files: 2 } }], budget);
    expect(joined?.bytes.length).toBe(352 + 40 * 48 * 5 * 2);
    expect(budget.remaining).toBe(1024 * 1024 - joined!.bytes.length);
  });

  it('an .img shorter than the header declares (another volume\'s, or cut) → 422 naming both files', async () => {
    const [hdr, img] = pairOf(writeNifti1(DIMS, voxel, { ...RAS, volumes: 3 }));
    const err = await refusal([hdr, img.subarray(0, img.length - 2)]);
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect(err?.message).toBe("File 2 of 2 holds 57,598 bytes, but the NIfTI-1 header (file 1 of 2) declares 57,600 bytes of voxels: it is not that header's .img, or it is cut.");
  });

  it('not paired: a third file, a .nii beside the .hdr, an Analyze 7.5 .hdr → 415 naming the .hdr', async () => {
    const nii = writeNifti1(DIMS, voxel, RAS);
    const [hdr, img] = pairOf(nii);
    const third = await refusal([hdr, img, img]);
    expect(third).toBeInstanceOf(UnsupportedStudyFileError);
    expect(third?.message).toMatch(/^File 1 of 3 is the header \(\.hdr\) of a NIfTI-1 pair, .*only two files/);
    const analyze = Buffer.from(hdr);
    analyze.fill(0, 344, 348);
    expect((await refusal([analyze, img]))?.message).toMatch(/^File 1 of 2 is the header \(\.hdr\) of an Analyze 7\.5 volume/);
    // the other file is a study file (a .nii), not an .img: the .hdr is still refused by name
    expect((await refusal([hdr, nii]))?.message).toMatch(/^File 1 of 2 is the header \(\.hdr\) of a NIfTI-1 pair/);
  });
});
