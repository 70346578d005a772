/**
 * A 4-D .nii inside a ZIP, stored or deflated, is read for its first volume as a 4-D .nii.gz is
 * (first-volume.ts): its later volumes stream through the entry's CRC-32 and are dropped, so the
 * ZIP is no longer refused with 413 for the entry's whole size, while damage anywhere in the entry
 * is still a 422 and a header declaring far more than the entry could inflate to is refused from
 * the header. A .nii.gz inside a ZIP is read as an uploaded one. Volumes and ZIPs are built here.
 */
import { zipSync } from 'fflate';
import * as zlib from 'node:zlib';
import type { StudyLimits } from '../../../src/studies/study-loader';
import { CorruptStudyError, StudyTooLargeError } from '../../../src/studies/study-errors';
import { writeNifti1 } from '../../support/nifti-fixtures';
import { loadRefusal, loadSlices } from '../../support/study-load';

// 2 MB: the first volume (12 KB) fits many times, the 300 volumes (3.7 MB) do not
const LIMITS: StudyLimits = { maxBytes: 2 * 1024 * 1024, maxSlices: 400, minSide: 16, maxPixels: 40_000_000 };
const DIMS: [number, number, number] = [32, 32, 6];
const voxel = (i: number, j: number, k: number, t: number) => (t === 0 ? 100 + 3 * i + 5 * j + 40 * k : (i * 7919 + j * 104729 + k * 31 + t * 977) % 3000);
const fmri = writeNifti1(DIMS, voxel, { volumes: 300 });
const first = writeNifti1(DIMS, (i, j, k) => voxel(i, j, k, 0));
const zipOf = (entries: Record<string, Uint8Array>, level: 0 | 6) => Buffer.from(zipSync(entries, { level }));

const load = (file: Buffer, limits = LIMITS) => loadSlices(file, limits);
const refusal = (file: Buffer, limits = LIMITS) => loadRefusal(file, limits);

describe('4-D .nii in a ZIP: the first volume kept, the rest checked and dropped', () => {
  it.each([
    ['deflated', 6],
    ['stored', 0],
  ] as const)('%s: a 300-volume .nii of 3.7 MB under a 2 MB limit is analysed as its first volume alone', async (_, level) => {
    expect(fmri.length).toBeGreaterThan(LIMITS.maxBytes);
    const { meta, slices } = await load(zipOf({ 'run/bold.nii': fmri, 'README.txt': Buffer.from('fMRI run') }, level));
    expect(meta).toMatchObject({ format: 'nifti', sliceCount: 6, volumes: 300 });
    expect(slices).toEqual((await load(first)).slices);
  });

  it.each([
    ['deflated', 6],
    ['stored', 0],
  ] as const)('%s: a byte changed in the last volume → 422 (the entry CRC-32 is checked over all of it)', async (_, level) => {
    const z = zipOf({ 'bold.nii': fmri }, level);
    // 100 bytes before the entry's data ends (then its central directory record, 46 + 8 bytes, and the end record, 22)
    const at = z.length - 22 - 54 - 100;
    const damaged = Buffer.from(z);
    damaged[at] ^= 0x01;
    const err = await refusal(damaged, { ...LIMITS, maxBytes: 4 * 1024 * 1024 });
    expect(err).toBeInstanceOf(CorruptStudyError);
  });

  it('a small deflated entry whose header declares 20 000 volumes (a bomb) → 413 from its header', async () => {
    const nii = writeNifti1([64, 64, 4], (i, j, k) => 100 + i + j + k);
    nii.writeInt16LE(4, 40);
    nii.writeInt16LE(20_000, 48);
    const err = await refusal(zipOf({ 'bomb.nii': nii }, 6));
    expect(err).toBeInstanceOf(StudyTooLargeError);
    expect(err?.message).toMatch(/declares 20000 volumes, 625 MB once decompressed/);
  });

  it('bytes beyond the declared volumes still count: a 2-volume .nii followed by 8 MB of zeros, deflated → 413', async () => {
    const two = writeNifti1(DIMS, voxel, { volumes: 2 });
    expect(await refusal(zipOf({ 'two.nii': Buffer.concat([two, Buffer.alloc(8 * 1024 * 1024)]) }, 6))).toBeInstanceOf(StudyTooLargeError);
  });

  it('a .nii.gz stored or deflated in a ZIP: its first volume, as an uploaded .nii.gz', async () => {
    const gz = zlib.gzipSync(fmri);
    for (const level of [0, 6] as const) {
      const { meta, slices } = await load(zipOf({ 'bold.nii.gz': gz }, level));
      expect(meta.volumes).toBe(300);
      expect(slices).toEqual((await load(first)).slices);
    }
  });
});
