/**
 * A NIfTI volume compressed some other way than one gzip layer. Every NIfTI tool that compresses
 * (FSL's NIFTI_GZ, dcm2niix -z, nibabel, AFNI, znzlib) writes gzip; nibabel also reads .bz2 and .zst.
 * A .nii.gz gzipped again (`gzip -c`, a download saved with its Content-Encoding) is read, one
 * extra layer; a bare zlib or raw deflate stream, bzip2 and zstd are refused by name with what to
 * do — they answered "not a DICOM, NIfTI or ZIP file", which sent the user looking for another cause.
 */
import * as zlib from 'node:zlib';
import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { StudyTooLargeError, UnsupportedStudyFileError } from '../../../src/studies/study-errors';
import { writeNifti1 } from '../../support/nifti-fixtures';
import { zip } from '../../support/study-fixtures';
import { catchErr } from '../../support/study-loader-cases';

const LIMITS: StudyLimits = { maxBytes: 8 * 1024 * 1024, maxSlices: 400, minSide: 16, maxPixels: 40_000_000 };
const nii = writeNifti1([32, 32, 6], (i, j, k) => 100 + 3 * i + 5 * j + 40 * k);

async function slices(file: Buffer, limits = LIMITS): Promise<Uint8Array[]> {
  const study = await loadStudy([new Uint8Array(file)], limits);
  if (study.kind !== 'slices') throw new Error('expected slices');
  return study.slices.map((s) => Uint8Array.from(s.image.data));
}

async function refusal(file: Buffer, limits = LIMITS): Promise<Error> {
  return (await catchErr(() => loadStudy([new Uint8Array(file)], limits))) as Error;
}

describe('a .nii.gz gzipped again', () => {
  it('is read as the .nii.gz it holds: the same slices', async () => {
    const plain = await slices(nii);
    expect(await slices(zlib.gzipSync(zlib.gzipSync(nii)))).toEqual(plain);
  });

  it('in a ZIP too, and a zlib-compressed entry there is skipped as a side file (no NIfTI in the ZIP → 415)', async () => {
    const plain = await slices(nii);
    expect(await slices(zip({ 'sub-01/anat/T1w.nii.gz': zlib.gzipSync(zlib.gzipSync(nii)) }))).toEqual(plain);
    const err = await refusal(zip({ 'T1w.nii.z': zlib.deflateSync(nii) }));
    expect(err).toBeInstanceOf(UnsupportedStudyFileError);
    expect(err.message).toMatch(/No DICOM or NIfTI file was found/);
  });

  it('a third layer → 415 saying how many times to gunzip', async () => {
    const err = await refusal(zlib.gzipSync(zlib.gzipSync(zlib.gzipSync(nii))));
    expect(err).toBeInstanceOf(UnsupportedStudyFileError);
    expect(err.message).toMatch(/gzip-compressed three times or more/);
    expect(err.message).toMatch(/gunzip/);
  });

  it('stays within the byte limit: the inner .nii.gz is held within it, its volumes checked as any .nii.gz', async () => {
    // 200 volumes of zeros (2.4 MB) inside two gzip layers, the inner .gz a few kB: beyond a 1 MB limit's read-through
    const bomb = writeNifti1([32, 32, 6], () => 0, { volumes: 200 });
    const err = await refusal(zlib.gzipSync(zlib.gzipSync(bomb)), { ...LIMITS, maxBytes: 1024 * 1024 });
    expect(err).toBeInstanceOf(StudyTooLargeError);
    expect(err.message).toMatch(/declares 200 volumes/);
    // a bomb that is no NIfTI: 20 MB of zeros in two layers stops at the 8 MB limit, as in one
    expect(await refusal(zlib.gzipSync(zlib.gzipSync(Buffer.alloc(20 * 1024 * 1024)), { level: 9 }))).toBeInstanceOf(StudyTooLargeError);
  });
});

describe('a .nii in a compression no NIfTI tool writes → 415 by name, never "not a NIfTI file"', () => {
  it.each([
    ['zlib, default level', zlib.deflateSync(nii), /zlib stream/],
    ['zlib, level 9', zlib.deflateSync(nii, { level: 9 }), /zlib stream/],
    ['zlib, stored (level 0)', zlib.deflateSync(nii, { level: 0 }), /zlib stream/],
    ['raw deflate', zlib.deflateRawSync(nii), /raw deflate stream/],
    ['raw deflate, stored', zlib.deflateRawSync(nii, { level: 0 }), /raw deflate stream/],
  ])('%s', async (_name, file, what) => {
    const err = await refusal(file);
    expect(err).toBeInstanceOf(UnsupportedStudyFileError);
    expect(err.message).toMatch(what);
    expect(err.message).toMatch(/NIfTI volume/);
    expect(err.message).toMatch(/gzip/); // what to do: gzip it (or upload it uncompressed)
  });

  it('bzip2 and zstd (nibabel reads .nii.bz2 / .nii.zst) are named, with what to do', async () => {
    const bz = Buffer.concat([Buffer.from('BZh9'), Buffer.from([0x31, 0x41, 0x59, 0x26, 0x53, 0x59]), Buffer.alloc(400, 7)]);
    const bzErr = await refusal(bz);
    expect(bzErr).toBeInstanceOf(UnsupportedStudyFileError);
    expect(bzErr.message).toMatch(/bzip2/);
    expect(bzErr.message).toMatch(/bunzip2/);
    const zst = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(400, 7)]);
    const zstErr = await refusal(zst);
    expect(zstErr).toBeInstanceOf(UnsupportedStudyFileError);
    expect(zstErr.message).toMatch(/Zstandard/);
  });

  it('a zlib or deflate stream of something else, and random bytes, keep the plain refusal', async () => {
    const text = Buffer.from('README\n'.repeat(200));
    let seed = 7;
    const noise = Buffer.from(Array.from({ length: 4096 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
    for (const file of [zlib.deflateSync(text), zlib.deflateRawSync(text), noise]) {
      const err = await refusal(file);
      expect(err).toBeInstanceOf(UnsupportedStudyFileError);
      expect(err.message).toMatch(/is not a DICOM \(Part 10\), NIfTI/);
    }
  });
});
