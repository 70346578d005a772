/**
 * A gzipped NIfTI-1 pair (.hdr.gz + .img.gz, FSL's NIFTI_PAIR_GZ) is read as the one volume it is,
 * uploaded as the study's only two files or side by side in a ZIP: the same slices as the same
 * header and voxels in one .nii. It was refused (415, "not a DICOM, NIfTI or ZIP file") uploaded,
 * and skipped as side files in a ZIP. Of a 4-D .img.gz only the first volume is held, the rest
 * inflated through the gzip CRC-32. Volumes are built here.
 */
import { zipSync } from 'fflate';
import * as zlib from 'node:zlib';
import type { StudyLimits } from '../../../src/studies/study-loader';
import { CorruptStudyError, StudyTooLargeError, UnsupportedStudyFileError } from '../../../src/studies/study-errors';
import { writeNifti1 } from '../../support/nifti-fixtures';
import { loadRefusal, loadSlices } from '../../support/study-load';

const LIMITS: StudyLimits = { maxBytes: 2 * 1024 * 1024, maxSlices: 400, minSide: 16, maxPixels: 40_000_000 };
const DIMS: [number, number, number] = [40, 48, 5];
const voxel = (i: number, j: number, k: number, t: number) => (t === 0 ? 100 + 7 * i + (j < 10 ? 400 : 2 * j) + 30 * k : (i * 7919 + j * 104729 + k * 31 + t * 977) % 3000);
const RAS = { sform: [[1, 0, 0, -20], [0, 1, 0, -24], [0, 0, 1, 0]], pixdim: [1, 1, 1] as [number, number, number] };
const nii = writeNifti1(DIMS, (i, j, k) => voxel(i, j, k, 0), RAS);

/** the .nii as a gzipped pair: the header with "ni1" and vox_offset 0, the voxels, each gzipped */
function gzPairOf(file: Buffer, o: { analyze?: boolean } = {}): [Buffer, Buffer] {
  const hdr = Buffer.from(file.subarray(0, 348));
  hdr.write(o.analyze ? '\0\0\0\0' : 'ni1\0', 344, 'latin1');
  hdr.writeFloatLE(0, 108);
  return [zlib.gzipSync(hdr), zlib.gzipSync(file.subarray(352))];
}

const load = (files: Buffer[]) => loadSlices(files, LIMITS);
const refusal = (files: Buffer[]) => loadRefusal(files, LIMITS);

describe('gzipped NIfTI-1 pair (.hdr.gz + .img.gz)', () => {
  it('uploaded as two files, either order, or in a ZIP beside a README: the slices of the same volume as one .nii', async () => {
    const single = await load([nii]);
    const [hdr, img] = gzPairOf(nii);
    for (const files of [[hdr, img], [img, hdr], [Buffer.from(zipSync({ 'anat/T1.HDR.gz': hdr, 'anat/T1.img.gz': img, 'README.txt': Buffer.from('T1') }))]]) {
      const pair = await load(files);
      expect(pair.slices).toEqual(single.slices);
      expect(pair.meta).toMatchObject({ format: 'nifti', sliceCount: 5, volumes: 1 });
    }
  });

  it('a 4-D pair of 300 volumes (5.5 MB inflated) under a 2 MB limit: its first volume, 300 volumes reported', async () => {
    const [hdr, img] = gzPairOf(writeNifti1(DIMS, voxel, { ...RAS, volumes: 300 }));
    for (const files of [[hdr, img], [Buffer.from(zipSync({ 'bold.img.gz': img, 'bold.hdr.gz': hdr }, { level: 0 }))]]) {
      const { meta, slices } = await load(files);
      expect(meta.volumes).toBe(300);
      expect(slices).toEqual((await load([nii])).slices);
    }
  });

  it('an .img.gz holding less than its header declares → 422 naming both', async () => {
    const [hdr] = gzPairOf(nii);
    const err = await refusal([hdr, zlib.gzipSync(nii.subarray(352, nii.length - 2))]);
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect(err?.message).toBe("File 2 of 2 holds 19,198 bytes, but the NIfTI-1 header (file 1 of 2) declares 19,200 bytes of voxels: it is not that header's .img, or it is cut.");
  });

  it('a header declaring 20 000 volumes (a bomb) → 413 before the .img.gz is inflated', async () => {
    const big = Buffer.from(nii);
    big.writeInt16LE(4, 40);
    big.writeInt16LE(20_000, 48);
    const [hdr, img] = gzPairOf(big);
    const err = await refusal([hdr, img]);
    expect(err).toBeInstanceOf(StudyTooLargeError);
    expect(err?.message).toMatch(/^File 2 of 2, the \.img of the NIfTI-1 pair file 1 of 2, is declared by its header to hold 366\.2 MB once decompressed/);
  });

  it('an Analyze 7.5 .hdr.gz → 415 by name; a .hdr.gz beside a .nii.gz → 415 naming the .hdr', async () => {
    const [analyze, img] = gzPairOf(nii, { analyze: true });
    expect((await refusal([analyze, img]))?.message).toMatch(/^File 1 of 2 is the header \(\.hdr\) of an Analyze 7\.5 volume/);
    const [hdr] = gzPairOf(nii);
    const err = await refusal([zlib.gzipSync(nii), hdr]);
    expect(err).toBeInstanceOf(UnsupportedStudyFileError);
    expect(err?.message).toMatch(/^File 2 of 2 is the header \(\.hdr\) of a NIfTI-1 pair/);
  });

  it('two .nii.gz files are not a pair: refused as two volumes, as before', async () => {
    const err = await refusal([zlib.gzipSync(nii), zlib.gzipSync(nii)]);
    expect(err?.message).toMatch(/NIfTI volume/);
  });
});
