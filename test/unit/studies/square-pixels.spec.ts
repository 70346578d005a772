import { RawImage, resizeBilinearF } from '../../../src/inference/preprocess';
import * as dicomPixels from '../../../src/studies/dicom-pixels';
import { planSquarePixels, PixelSpacingError, toSquarePixels } from '../../../src/studies/square-pixels';
import { StudyTooLargeError } from '../../../src/studies/study-errors';
import { LoadedStudy, loadStudy } from '../../../src/studies/study-loader';
import { Pacer } from '../../../src/studies/windowing';
import { disc, extent, inDisc, LIMITS } from '../../support/disc-phantom';
import { dicomSeries, nifti1, syntheticSlice } from '../../support/study-fixtures';

/**
 * Slices are analysed with square physical pixels, as a viewer shows them: a slice whose rows are
 * twice as far apart as its columns is stretched to its physical shape, DICOM and NIfTI alike.
 * The fixture: a disc of 20 mm radius in a 64 × 64 mm field, stored as 128 columns at 0.5 mm ×
 * 64 rows at 1.0 mm (an ellipse twice as wide as high in pixels).
 */

function slicesOf(study: LoadedStudy) {
  if (study.kind !== 'slices') throw new Error(`expected slices, got ${study.kind}`);
  return study;
}

async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

const u8 = (bs: Buffer[]) => bs.map((b) => new Uint8Array(b));

describe('square physical pixels before the models, the heat map and the thumbnails', () => {
  it('DICOM, Pixel Spacing 1.0 (rows) × 0.5 (columns) mm: the slice comes out 128 × 128 with a round disc', async () => {
    const study = slicesOf(await loadStudy(u8(dicomSeries([disc, disc], { pixelSpacing: [1, 0.5] })), LIMITS));
    expect(study.meta.spacing).toMatchObject({ row: 1, column: 0.5 });
    expect(study.meta.display).toEqual({ width: 128, height: 128, pixels: 'resampled' });
    expect([study.meta.width, study.meta.height]).toEqual([128, 64]); // the stored matrix is still reported
    for (const s of study.slices) {
      expect([s.image.width, s.image.height]).toEqual([128, 128]);
      const { across, down } = extent(s.image);
      expect(across).toBeGreaterThanOrEqual(78); // 40 mm at 0.5 mm a pixel
      expect(across).toBeLessThanOrEqual(82);
      expect(Math.abs(across - down)).toBeLessThanOrEqual(2); // as stored: 80 across, 40 down
    }
  });

  it('NIfTI, pixdim 0.5 × 1.0 in plane: the same physical shape through the same path', async () => {
    // no orientation: columns along i, rows along j (+j up); the disc is symmetric, so flips do not matter
    const nii = nifti1([128, 64, 3], (i, j) => (inDisc(i * 0.5 + 0.25, j + 0.5) ? 1000 : 100), { pixdim: [0.5, 1, 3] });
    const study = slicesOf(await loadStudy([new Uint8Array(nii)], LIMITS));
    expect(study.meta.display).toEqual({ width: 128, height: 128, pixels: 'resampled' });
    for (const s of study.slices) {
      const { across, down } = extent(s.image);
      expect(across).toBeGreaterThanOrEqual(78);
      expect(Math.abs(across - down)).toBeLessThanOrEqual(2);
    }
  });

  it('square spacing (also within half a pixel of it) and unusable spacing leave every slice byte-identical', async () => {
    const src = syntheticSlice(96, 80, (x, y) => (x * 3 + y * 7) % 256);
    const cases: [[number, number] | null, string][] = [
      [[0.9, 0.9], 'square'],
      [[0.9375, 0.93751], 'square'],
      [null, 'assumed_square'],
      [[0, 0.9], 'assumed_square'],
      [[-1, 0.5], 'assumed_square'],
    ];
    for (const [pixelSpacing, pixels] of cases) {
      const study = slicesOf(await loadStudy(u8(dicomSeries([src], { pixelSpacing })), LIMITS));
      expect(study.meta.display).toEqual({ width: 96, height: 80, pixels });
      expect(Buffer.from(study.slices[0].image.data).equals(Buffer.from(src.data))).toBe(true);
    }
  });

  it('an aspect beyond 8:1 is a named 422 before any frame is decoded, DICOM and NIfTI', async () => {
    const decode = jest.spyOn(dicomPixels, 'decodeFrame');
    try {
      const err = await errorOf(loadStudy(u8(dicomSeries([disc], { pixelSpacing: [4.5, 0.5] })), LIMITS));
      expect(err).toBeInstanceOf(PixelSpacingError);
      expect(err).toMatchObject({ code: 'PIXEL_SPACING_OUT_OF_RANGE', statusCode: 422 });
      expect(err.message).toMatch(/9:1/);
      expect(decode).not.toHaveBeenCalled();
    } finally {
      decode.mockRestore();
    }
    const nii = nifti1([128, 64, 2], () => 5, { pixdim: [0.1, 1, 3] });
    expect(await errorOf(loadStudy([new Uint8Array(nii)], LIMITS))).toMatchObject({ code: 'PIXEL_SPACING_OUT_OF_RANGE', statusCode: 422 });
    // 8:1 itself is accepted
    expect(planSquarePixels(64, 64, { column: 0.5, row: 4 }, 1e6)).toEqual({ width: 64, height: 512, shape: 'resampled' });
  });

  it('the stretched size is bounded before anything is allocated: at most the slice pixel limit, aspect kept', () => {
    const plan = planSquarePixels(2048, 2048, { column: 0.5, row: 1 }, 4 * 1024 * 1024);
    expect(plan.shape).toBe('resampled');
    expect(plan.width * plan.height).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(plan.height / plan.width).toBeCloseTo(2, 2);
  });

  it('spacings near the top of the double range (DS allows "1e308") plan a real size, not NaN × NaN', () => {
    // 64 × 1e308 overflowed: the plan was NaN × NaN "resampled", passed the size checks, and the slice was empty
    expect(planSquarePixels(64, 64, { column: 1e308, row: 1e308 }, 1e6)).toEqual({ width: 64, height: 64, shape: 'square' });
    expect(planSquarePixels(64, 64, { column: 1e308, row: 5e307 }, 1e6)).toEqual({ width: 128, height: 64, shape: 'resampled' });    // and a refusal names such spacings as they are, not as "Infinity mm" or "0 mm"
    expect(() => planSquarePixels(64, 64, { column: 1, row: 1e308 }, 1e6)).toThrow('(1e+308 mm between rows, 1 mm between columns) is a 1e+308:1 aspect');
    expect(() => planSquarePixels(64, 64, { column: 1e-308, row: 1 }, 1e6)).toThrow('(1 mm between rows, 1e-308 mm between columns)');
  });

  it('a DICOM with Pixel Spacing 1e308\\1e308 is read as 64 × 64 square pixels (its empty slice was a 500 at the models)', async () => {
    const study = await loadStudy(u8(dicomSeries([syntheticSlice(64, 64, () => 100)], { pixelSpacing: [1e308, 1e308] })), LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.meta.display).toEqual({ width: 64, height: 64, pixels: 'square' });
    expect(study.slices[0].image.data.length).toBe(64 * 64);
  });

  it('the growth of stretched slices counts against the study byte limit (413 before decoding)', async () => {
    const small = syntheticSlice(64, 64, () => 100);
    const limits = { ...LIMITS, maxBytes: 20_000 };
    await expect(loadStudy(u8(dicomSeries([small], { pixelSpacing: [0.5, 0.5] })), limits)).resolves.toMatchObject({ kind: 'slices' });
    // 64 × 64 stored (8 KB of 16-bit values) → 64 × 512 held at 8 bits: 28 KB more
    expect(await errorOf(loadStudy(u8(dicomSeries([small], { pixelSpacing: [4, 0.5] })), limits))).toBeInstanceOf(StudyTooLargeError);
  });

  it('the resample is the service resampler (PIL bilinear) run in bands, with turns of the event loop between them', async () => {
    const img: RawImage = { width: 300, height: 40, channels: 1, data: Uint8Array.from({ length: 300 * 40 }, (_, i) => (i * 37) % 256) };
    const out = await toSquarePixels(img, { width: 300, height: 97, shape: 'resampled' }, new Pacer());
    const ref = resizeBilinearF(Float32Array.from(img.data), 300, 40, 300, 97);
    expect(Array.from(out.data)).toEqual(Array.from(ref, (v) => Math.min(255, Math.max(0, Math.floor(v + 0.5)))));
    // an RGB slice (colour DICOM): each channel as a grey one
    const rgb: RawImage = { width: 300, height: 40, channels: 3, data: Uint8Array.from({ length: 300 * 40 * 3 }, (_, i) => img.data[Math.floor(i / 3)]) };
    const outRgb = await toSquarePixels(rgb, { width: 300, height: 97, shape: 'resampled' }, new Pacer());
    expect(Array.from(outRgb.data).filter((_, i) => i % 3 === 2)).toEqual(Array.from(out.data));

    const big: RawImage = { width: 2048, height: 1024, channels: 1, data: new Uint8Array(2048 * 1024).fill(9) };
    const pacer = new Pacer();
    await toSquarePixels(big, { width: 2048, height: 2048, shape: 'resampled' }, pacer);
    expect(pacer.yields).toBeGreaterThanOrEqual(4); // 4 MP out: never one stretch of the event loop
  });
});
