/**
 * Photometric Interpretation (0028,0004) and Pixel Representation (0028,0103) are Type 1 in every
 * image (PS3.3 C.7.6.3). Read as MONOCHROME2 and unsigned when absent, a signed series showed its
 * negative values as the brightest and a MONOCHROME1 one inverted; such a file is now a 422 that
 * names the missing tag (pydicom refuses it too: "Missing required element"), after the header's
 * own refusals (not MR) and before any pixel is decoded.
 */
import * as dicomPixels from '../../../src/studies/dicom-pixels';
import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { MissingPixelTagError } from '../../../src/studies/study-errors';
import { el, mrDicom, MrOptions } from '../../support/dicom-pixel-fixtures';

const LIMITS: StudyLimits = { maxBytes: 64 * 1024 * 1024, maxSlices: 50, minSide: 16, maxPixels: 1_000_000 };
const PHOTOMETRIC = 0x00280004;
const PIXEL_REPRESENTATION = 0x00280103;
const SAMPLES = 0x00280002;
const PLANAR = 0x00280006;
const ROWS = 0x00280010;
const COLUMNS = 0x00280011;
const BITS_ALLOCATED = 0x00280100;
const BITS_STORED = 0x00280101;
const HIGH_BIT = 0x00280102;
const R = 32;
// signed 16-bit values around zero: read as unsigned, −5 would be 65531, the brightest
const words = Array.from({ length: R * R }, (_, i) => ((i % 200) - 100) & 0xffff);
const file = (k: number, o: Partial<MrOptions> = {}) =>
  new Uint8Array(mrDicom({ rows: R, columns: R, bitsAllocated: 16, pixelRepresentation: 1, words, z: 5 * k, instanceNumber: k + 1, ...o, extra: [el.str(0x00080018, 'UI', `1.2.3.${k}`), ...(o.extra ?? [])] }));

async function refusal(files: Uint8Array[]): Promise<Error & { code?: string; statusCode?: number }> {
  const e = await loadStudy(files, LIMITS).then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof Error)) throw new Error('expected a refusal');
  return e;
}

afterEach(() => jest.restoreAllMocks());

/** The middle file of three lacks `tag`: a 422 CORRUPT_IMAGE naming the tag and the file, before any decode. */
async function expectNamedRefusalOfFile2(tag: number, named: RegExp): Promise<void> {
    const decode = jest.spyOn(dicomPixels, 'decodeFrame');
    const err = await refusal([file(0), file(1, { omit: [tag] }), file(2)]);
    expect(err).toBeInstanceOf(MissingPixelTagError);
    expect(err).toMatchObject({ code: 'CORRUPT_IMAGE', statusCode: 422 });
    expect(err.message).toMatch(named);
    expect(err.message).toMatch(/^File 2 of 3 has no /);
    expect(decode).not.toHaveBeenCalled();
}

describe('a header without Photometric Interpretation or Pixel Representation', () => {
  it.each([
    ['Pixel Representation', PIXEL_REPRESENTATION, /Pixel Representation \(0028,0103\).*signed/],
    ['Photometric Interpretation', PHOTOMETRIC, /Photometric Interpretation \(0028,0004\).*inverted/],
  ])('without %s: 422 CORRUPT_IMAGE naming the tag and the file, nothing decoded', async (_, tag, named) => {
    await expectNamedRefusalOfFile2(tag, named);
  });

  it('an RGB file without Photometric Interpretation is named so too (was "MONOCHROME2 with 3 samples per pixel")', async () => {
    const rgb = new Uint8Array(mrDicom({ rows: R, columns: R, bitsAllocated: 8, photometric: 'RGB', words: new Array(R * R * 3).fill(7), omit: [PHOTOMETRIC] }));
    const err = await refusal([rgb]);
    expect(err).toBeInstanceOf(MissingPixelTagError);
    expect(err.message).toMatch(/Photometric Interpretation \(0028,0004\)/);
  });

  it('a file that is not MR is still answered as not MR (the header refusal comes first)', async () => {
    const ct = file(0, { omit: [PIXEL_REPRESENTATION, PHOTOMETRIC], extra: [el.str(0x00080060, 'CS', 'CT')] });
    expect((await loadStudy([ct], LIMITS)).kind).toBe('not_mri');
  });

  it('with both present the signed values are read as signed (the same series, as written)', async () => {
    const study = await loadStudy([file(0), file(1), file(2)], LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.meta.windowing).toBe('percentile');
    // −100 … 99 under the percentile window: the first pixel (−100) is black, not white
    expect(study.slices[0].image.data[0]).toBe(0);
  });
});

describe('the other Type 1 Image Pixel attributes (Rows, Columns, Bits Allocated, Bits Stored)', () => {
  // were read as 16 bits, Bits Stored = Bits Allocated; Rows/Columns refused as 'without image pixel data'
  it.each([
    ['Bits Allocated', BITS_ALLOCATED, /Bits Allocated \(0028,0100\).*bits each value takes/],
    ['Bits Stored', BITS_STORED, /Bits Stored \(0028,0101\).*which bits/],
    ['Rows', ROWS, /Rows \(0028,0010\).*height/],
    ['Columns', COLUMNS, /Columns \(0028,0011\).*width/],
  ])('without %s: 422 CORRUPT_IMAGE naming the tag and the file, nothing decoded', async (_, tag, named) => {
    await expectNamedRefusalOfFile2(tag, named);
  });

  it('Bits Stored 12 in 16 with other bits set: without Bits Stored the high bits would be read as image (refused instead)', async () => {
    // the 12-bit value 5 with a flag in bit 15: as 16 stored bits it is 32773
    const flagged = file(0, { pixelRepresentation: 0, bitsStored: 12, words: new Array(R * R).fill(0x8005), omit: [BITS_STORED] });
    expect(await refusal([flagged])).toBeInstanceOf(MissingPixelTagError);
  });

  it('a zero Rows is still refused as no image (not as a missing tag)', async () => {
    const err = await refusal([file(0, { extra: [el.us(ROWS, 0)] })]);
    expect(err).not.toBeInstanceOf(MissingPixelTagError);
    expect(err).toMatchObject({ code: 'CORRUPT_IMAGE', statusCode: 422 });
  });
});

describe('attributes the standard fixes when absent: read, not refused', () => {
  const grey = async (files: Uint8Array[]) => {
    const study = await loadStudy(files, LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    return study.slices.map((s) => Array.from(s.image.data));
  };

  it('without Samples per Pixel, MONOCHROME2 is 1 sample (PS3.3 C.7.6.3.1.2): the same pixels as with it', async () => {
    const withIt = await grey([file(0), file(1), file(2)]);
    expect(await grey([file(0, { omit: [SAMPLES] }), file(1, { omit: [SAMPLES] }), file(2, { omit: [SAMPLES] })])).toEqual(withIt);
  });

  it('without Samples per Pixel, RGB is 3 samples: read as colour (was refused as "RGB with 1 samples per pixel")', async () => {
    const rgbWords = Array.from({ length: R * R * 3 }, (_, i) => (i % 3 === 0 ? 200 : i % 3 === 1 ? 100 : 50));
    const rgb = (o: Partial<MrOptions>) => new Uint8Array(mrDicom({ rows: R, columns: R, bitsAllocated: 8, photometric: 'RGB', words: rgbWords, ...o }));
    const study = await loadStudy([rgb({ omit: [SAMPLES] })], LIMITS);
    const reference = await loadStudy([rgb({})], LIMITS);
    if (study.kind !== 'slices' || reference.kind !== 'slices') throw new Error('expected slices');
    expect(Array.from(study.slices[0].image.data)).toEqual(Array.from(reference.slices[0].image.data));
  });

  it('without Planar Configuration, native RGB is refused (interleaved or planes: both valid), naming it', async () => {
    const rgb = new Uint8Array(mrDicom({ rows: R, columns: R, bitsAllocated: 8, photometric: 'RGB', words: new Array(R * R * 3).fill(7), omit: [PLANAR] }));
    const err = await refusal([rgb]);
    expect(err).toBeInstanceOf(MissingPixelTagError);
    expect(err.message).toMatch(/Planar Configuration \(0028,0006\)/);
  });

  it('without High Bit, Bits Stored − 1 (the one value the standard allows): the low 12 bits, flags above ignored', async () => {
    const twelve = (o: Partial<MrOptions>) => file(0, { pixelRepresentation: 0, bitsStored: 12, words: Array.from({ length: R * R }, (_, i) => 0xf000 | (i * 3)), ...o });
    expect(await grey([twelve({ omit: [HIGH_BIT] })])).toEqual(await grey([twelve({ highBit: 11 })]));
  });
});
