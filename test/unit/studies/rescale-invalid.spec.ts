/**
 * DICOM Rescale Slope (0028,1053) 0 was read as 1 (`|| 1`) while the intercept and window were
 * kept, and a per-frame slope of 0 fell back to the top-level one: the study was analysed from a
 * mapping the file does not state. DICOM defines the output as slope × stored value + intercept
 * (PS3.3 C.11.1.1.2; per frame, C.7.6.16.2.11) and gives 0 no "no scaling" meaning — unlike
 * NIfTI's scl_slope, where 0 says "unscaled" (nifti1.h) and is read so (nifti.ts). A slope of 0
 * maps every pixel to the intercept: a blank image. Such a file, and one whose slope is not a
 * number, is refused by name (422), never analysed as something else; so is an intercept that is
 * not a number (it was read as 0). Absent, the slope is 1 and the intercept 0.
 */
import { loadStudy } from '../../../src/studies/study-loader';
import { CorruptStudyError } from '../../../src/studies/study-errors';
import { dicomEnhanced } from '../../support/enhanced-dicom-fixtures';
import { catchErr, LIMITS, slices } from '../../support/study-loader-cases';
import { dicomSeries, dicomSlice } from '../../support/study-fixtures';

const src = slices(3);

describe('an invalid DICOM Rescale Slope is refused by name, not read as 1', () => {
  it.each([
    ['0', /Rescale Slope \(0028,1053\) is 0, which maps every pixel to the Rescale Intercept \(a blank image\)/],
    ['0.000', /Rescale Slope \(0028,1053\) is 0/],
    ['abc', /Rescale Slope \(0028,1053\) is not a number/],
  ])('slope "%s" in one file → 422 CORRUPT_IMAGE naming the file and the tag', async (slope, message) => {
    const files = dicomSeries(src).map((b, i) => new Uint8Array(i === 1 ? dicomSlice(src[1], { z: 5, instanceNumber: 2, tags: { RescaleSlope: slope } }) : b));
    const err = await catchErr(() => loadStudy(files, LIMITS));
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect((err as Error).message).toMatch(/^File 2 of 3/);
    expect((err as Error).message).toMatch(message);
  });

  it('a per-frame (Enhanced MR) slope of 0 → 422, not the top-level slope instead', async () => {
    const file = dicomEnhanced(src, [0, 5, 10]);
    const at = file.indexOf('0.25', 0, 'latin1'); // the shared Pixel Value Transformation's slope
    file.write('0.0 ', at, 'latin1');
    const err = await catchErr(() => loadStudy([new Uint8Array(file)], LIMITS));
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect((err as Error).message).toMatch(/Rescale Slope \(0028,1053\) of frame 1 is 0/);
  });

  it('a Rescale Intercept that is not a number → 422 naming it (was read as 0, shifting every value under the header window)', async () => {
    const files = dicomSeries(src).map((b, i) => new Uint8Array(i === 2 ? dicomSlice(src[2], { z: 10, instanceNumber: 3, tags: { RescaleIntercept: 'abc' } }) : b));
    const err = await catchErr(() => loadStudy(files, LIMITS));
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect((err as Error).message).toMatch(/^File 3 of 3: its Rescale Intercept \(0028,1052\) is not a number/);
  });

  it('absent, the slope is 1 and the intercept 0; a negative slope is applied as written', async () => {
    const noSlope = dicomSeries(src, { window: false, tags: { RescaleSlope: undefined, RescaleIntercept: undefined } });
    const plain = await loadStudy(noSlope.map((b) => new Uint8Array(b)), LIMITS);
    expect(plain.kind).toBe('slices');
    const negative = dicomSeries(src, { window: false, tags: { RescaleSlope: '-0.25', RescaleIntercept: '100' } });
    const study = await loadStudy(negative.map((b) => new Uint8Array(b)), LIMITS);
    expect(study.kind).toBe('slices');
  });
});
