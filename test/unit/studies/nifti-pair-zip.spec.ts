/**
 * A NIfTI-1 pair inside a ZIP — "x.hdr" (magic "ni1") beside "x.img", found by their names — is read
 * as the one volume it is, as a pair uploaded as two files is: the same slices as the same header
 * and voxels in one .nii. Both were skipped as side files (no signature: "No DICOM or NIfTI file was
 * found"). Of a 4-D .img only the first volume is held; its later ones stream through the entry's
 * CRC-32. An Analyze 7.5 pair stays refused by name. Volumes and ZIPs are built here.
 */
import { zipSync } from 'fflate';
import type { StudyLimits } from '../../../src/studies/study-loader';
import { CorruptStudyError, StudyTooLargeError, UnsupportedStudyFileError } from '../../../src/studies/study-errors';
import { writeNifti1 } from '../../support/nifti-fixtures';
import { loadRefusal, loadSlices } from '../../support/study-load';

const LIMITS: StudyLimits = { maxBytes: 2 * 1024 * 1024, maxSlices: 400, minSide: 16, maxPixels: 40_000_000 };
const DIMS: [number, number, number] = [40, 48, 5];
// asymmetric along every axis, so a lost orientation shows; later volumes noise-like
const voxel = (i: number, j: number, k: number, t: number) => (t === 0 ? 100 + 7 * i + (j < 10 ? 400 : 2 * j) + 30 * k : (i * 7919 + j * 104729 + k * 31 + t * 977) % 3000);
const RAS = { sform: [[1, 0, 0, -20], [0, 1, 0, -24], [0, 0, 1, 0]], pixdim: [1, 1, 1] as [number, number, number] };

/** the .nii as a pair: the header with "ni1" and vox_offset `imgOffset`, the .img with `imgOffset` bytes before the voxels */
function pairOf(nii: Buffer, imgOffset = 0): [Buffer, Buffer] {
  const hdr = Buffer.from(nii.subarray(0, 348));
  hdr.write('ni1\0', 344, 'latin1');
  hdr.writeFloatLE(imgOffset, 108);
  return [hdr, Buffer.concat([Buffer.alloc(imgOffset, 0x55), nii.subarray(352)])];
}
const zipOf = (entries: [string, Uint8Array][], level: 0 | 6) => Buffer.from(zipSync(Object.fromEntries(entries), { level }));

const load = (file: Buffer, limits = LIMITS) => loadSlices(file, limits);
const refusal = (file: Buffer, limits = LIMITS) => loadRefusal(file, limits);

describe('NIfTI-1 pair in a ZIP, paired by name', () => {
  const nii = writeNifti1(DIMS, (i, j, k) => voxel(i, j, k, 0), RAS);
  const [hdr, img] = pairOf(nii);

  it.each([
    ['deflated', 6],
    ['stored', 0],
  ] as const)('%s, .hdr first or .img first, beside a README: the slices of the same volume as one .nii', async (_, level) => {
    const single = await load(nii);
    const readme: [string, Uint8Array] = ['README.txt', Buffer.from('T1 export')];
    for (const entries of [[['sub-01/T1.hdr', hdr], ['sub-01/T1.img', img], readme], [readme, ['SCAN.IMG', img], ['SCAN.HDR', hdr]]] as [string, Uint8Array][][]) {
      const pair = await load(zipOf(entries, level));
      expect(pair.slices).toEqual(single.slices);
      expect(pair.meta).toMatchObject({ format: 'nifti', sliceCount: 5, volumes: 1, width: single.meta.width, height: single.meta.height });
      expect(pair.meta.skipped.count).toBe(1); // the README
    }
  });

  it('a 4-D pair of 300 volumes (5.5 MB of .img) under a 2 MB limit, vox_offset 64: its first volume, 300 volumes reported', async () => {
    const four = writeNifti1(DIMS, voxel, { ...RAS, volumes: 300 });
    const [h4, i4] = pairOf(four, 64);
    expect(i4.length).toBeGreaterThan(LIMITS.maxBytes);
    for (const level of [6, 0] as const) {
      const { meta, slices } = await load(zipOf([['bold.img', i4], ['bold.hdr', h4]], level));
      expect(meta.volumes).toBe(300);
      expect(slices).toEqual((await load(nii)).slices);
    }
  });

  it('damage in the .img\'s last volume → 422 (its CRC-32 is checked over the whole entry)', async () => {
    const four = writeNifti1(DIMS, voxel, { ...RAS, volumes: 30 });
    const z = zipOf([['bold.hdr', pairOf(four)[0]], ['bold.img', pairOf(four)[1]]], 0);
    const at = z.lastIndexOf(four.subarray(four.length - 200, four.length - 180));
    expect(at).toBeGreaterThan(z.length / 2);
    z[at] ^= 0x01;
    const err = await refusal(z);
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect(err?.message).toMatch(/^File 1 of 1 \(entry 2 of the archive\) is damaged/);
  });

  it('an .img shorter than its header declares → 422 naming both entries', async () => {
    const err = await refusal(zipOf([['T1.hdr', hdr], ['T1.img', img.subarray(0, img.length - 2)]], 6));
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect(err?.message).toBe("File 1 of 1 (entry 2 of the archive) holds 19,198 bytes, but the NIfTI-1 header (file 1 of 1 (entry 1 of the archive)) declares 19,200 bytes of voxels: it is not that header's .img, or it is cut.");
  });

  it('a small deflated .img of 40 MB of zeros (a bomb) → 413 from the directory, before it is inflated', async () => {
    const h = Buffer.from(hdr);
    h.writeInt16LE(4, 40);
    h.writeInt16LE(2000, 48); // declares 2000 volumes: 38 MB
    const err = await refusal(zipOf([['b.hdr', h], ['b.img', Buffer.alloc(40 * 1024 * 1024)]], 6));
    expect(err).toBeInstanceOf(StudyTooLargeError);
    expect(err?.message).toMatch(/^File 1 of 1 \(entry 2 of the archive\), the \.img of the NIfTI-1 pair .* Only its first volume is analysed/);
  });

  it('an Analyze 7.5 pair (no magic) → 415 naming its .hdr', async () => {
    const analyze = Buffer.from(hdr);
    analyze.fill(0, 344, 348);
    const err = await refusal(zipOf([['old.hdr', analyze], ['old.img', img]], 6));
    expect(err).toBeInstanceOf(UnsupportedStudyFileError);
    expect(err?.message).toMatch(/^File 1 of 1 \(entry 1 of the archive\) is the header \(\.hdr\) of an Analyze 7\.5 volume/);
  });

  it('a .hdr that is no header (a text file so named) is skipped with its .img, as any side file', async () => {
    const err = await refusal(zipOf([['notes.hdr', Buffer.from('x'.repeat(400))], ['notes.img', img]], 6));
    expect(err?.message).toMatch(/^No DICOM or NIfTI file was found in the upload: it holds 2 /);
  });
});
