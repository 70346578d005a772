import * as dicomPixels from '../../../src/studies/dicom-pixels';
import { CorruptStudyError, SliceResolutionError, UnsupportedStudyFileError } from '../../../src/studies/study-errors';
import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { dicomJpegClaiming, dicomJpegSlice, greyJpeg, withFrameSize } from '../../support/jpeg-dicom-fixtures';
import { syntheticSlice, zip } from '../../support/study-fixtures';

/**
 * JPEG frames inside a study declare their size in their frame header (SOF); that size — not the
 * size of the compressed bytes, which the study byte limit bounds — is what a decoder allocates. A
 * 64 × 64 JPEG of a few hundred bytes whose SOF says 60,000 × 60,000 (3.6 gigapixels) is refused from
 * its header with a named error, in a DICOM file and in a ZIP, before any frame of the study is decoded.
 */
const LIMITS: StudyLimits = { maxBytes: 100 * 1024 * 1024, maxSlices: 400, minSide: 32, maxPixels: 4 * 1024 * 1024 };
const slice = syntheticSlice(64, 64, (x, y) => (x * 3 + y * 2) % 256);

async function errorOf(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected an error');
    },
    (e: unknown) => e as Error,
  );
}

describe('JPEG frames of a study: the size their frame header declares, checked before any decode', () => {
  let decode: jest.SpyInstance;
  beforeEach(() => (decode = jest.spyOn(dicomPixels, 'decodeFrame')));
  afterEach(() => decode.mockRestore());

  it('a frame header claiming 60,000 × 60,000 → 422 RESOLUTION_OUT_OF_RANGE, loose and in a ZIP, nothing decoded', async () => {
    const bomb = await dicomJpegClaiming(slice, 60_000, 60_000, { z: 10, instanceNumber: 3 });
    expect(bomb.length).toBeLessThan(10_000);
    // two good slices first: the bomb is found from the headers, before they are decoded either
    const good = await Promise.all([0, 5].map((z, k) => dicomJpegSlice(slice, { z, instanceNumber: k + 1 })));
    for (const files of [[...good, bomb], [zip({ 'a.dcm': good[0], 'b.dcm': good[1], 'c.dcm': bomb })]]) {
      const err = await errorOf(loadStudy(files.map((f) => new Uint8Array(f)), LIMITS));
      expect(err).toBeInstanceOf(SliceResolutionError);
      expect(err).toMatchObject({ code: 'RESOLUTION_OUT_OF_RANGE', statusCode: 422 });
      expect(err.message).toMatch(/^The JPEG frame header of file \d of \d( \(entry 3 of the archive\))? declares 60000×60000 px, more than the 4,194,304 pixels a slice may have; it was refused without being decoded\.$/);
    }
    expect(decode).not.toHaveBeenCalled();
  });

  it('a frame header that disagrees with Rows/Columns (64 × 65 for 64 × 64) → 422 CORRUPT_IMAGE naming both, nothing decoded', async () => {
    const err = await errorOf(loadStudy([new Uint8Array(await dicomJpegClaiming(slice, 64, 65))], LIMITS));
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect(err).toMatchObject({ code: 'CORRUPT_IMAGE', statusCode: 422 });
    expect(err.message).toBe('The JPEG frame header of file 1 of 1 declares 64×65 px, but the DICOM header says 64×64 (Columns×Rows); it was refused without being decoded.');
    expect(decode).not.toHaveBeenCalled();
  });

  it('a bare JPEG bomb inside a study ZIP is not image data of a study: skipped (415 when alone), never decoded', async () => {
    const bomb = withFrameSize(await greyJpeg(slice), 60_000, 60_000);
    const err = await errorOf(loadStudy([new Uint8Array(zip({ 'bomb.jpg': new Uint8Array(bomb) }))], LIMITS));
    expect(err).toBeInstanceOf(UnsupportedStudyFileError);
    expect(err.message).toMatch(/No DICOM or NIfTI file was found in the upload: it holds 1 other file \(bomb\.jpg\)/);
    expect(decode).not.toHaveBeenCalled();
  });

  it('a JPEG frame of the declared size still loads, decoded once', async () => {
    const study = await loadStudy([new Uint8Array(await dicomJpegSlice(slice))], LIMITS);
    expect(study.kind).toBe('slices');
    expect(decode).toHaveBeenCalledTimes(1);
  });
});
