import { ByteBudget } from '../../../src/studies/archive';
import { readDicomHeader } from '../../../src/studies/dicom';
import * as dicomPixels from '../../../src/studies/dicom-pixels';
import { MixedSeriesError, OversizedHeaderError } from '../../../src/studies/study-errors';
import { LoadedStudy, loadStudy } from '../../../src/studies/study-loader';
import { dicomEnhanced, withExtraPerFrameItems } from '../../support/enhanced-dicom-fixtures';
import { disc, extent, LIMITS } from '../../support/disc-phantom';
import { zip } from '../../support/study-fixtures';

/**
 * Enhanced MR (multi-frame) files keep Pixel Spacing in the functional groups — shared by all frames,
 * or per frame — and are given square physical pixels as single-frame files are. The fixture is the
 * one of square-pixels.spec: a disc of 20 mm radius stored as 128 columns at 0.5 mm × 64 rows at
 * 1.0 mm, an ellipse twice as wide as high in pixels.
 */
const HALF_BY_ONE: [number, number] = [1, 0.5]; // [between rows, between columns]

function expectRoundDiscs(study: LoadedStudy): void {
  if (study.kind !== 'slices') throw new Error(`expected slices, got ${study.kind}`);
  expect(study.meta.display).toEqual({ width: 128, height: 128, pixels: 'resampled' });
  expect(study.meta.spacing).toMatchObject({ row: 1, column: 0.5 });
  expect(study.slices).toHaveLength(2);
  for (const s of study.slices) {
    expect([s.image.width, s.image.height]).toEqual([128, 128]);
    const { across, down } = extent(s.image);
    expect(across).toBeGreaterThanOrEqual(78);
    expect(across).toBeLessThanOrEqual(82);
    expect(Math.abs(across - down)).toBeLessThanOrEqual(2); // as stored: 80 across, 40 down
  }
}

async function errorOf(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected an error');
    },
    (e: unknown) => e as Error,
  );
}

describe('Enhanced MR: pixel spacing from the functional groups', () => {
  it('shared Pixel Measures 1.0 × 0.5 mm: every frame is stretched to square pixels (a round disc)', async () => {
    expectRoundDiscs(await loadStudy([new Uint8Array(dicomEnhanced([disc, disc], [0, 3], { sharedSpacing: HALF_BY_ONE }))], LIMITS));
  });

  it('per-frame Pixel Measures, equal on every frame (none shared): the same', async () => {
    const file = dicomEnhanced([disc, disc], [0, 3], { sharedSpacing: null, frameSpacing: [HALF_BY_ONE, HALF_BY_ONE] });
    expectRoundDiscs(await loadStudy([new Uint8Array(file)], LIMITS));
  });

  it('a frame\'s own Pixel Measures win over the shared ones', async () => {
    const file = dicomEnhanced([disc, disc], [0, 3], { sharedSpacing: [0.7, 0.7], frameSpacing: [HALF_BY_ONE, HALF_BY_ONE] });
    expectRoundDiscs(await loadStudy([new Uint8Array(file)], LIMITS));
  });

  it('per-frame spacing that varies within the file → 422 MIXED_SERIES naming the frames, before any frame is decoded', async () => {
    const decode = jest.spyOn(dicomPixels, 'decodeFrame');
    try {
      const varying = dicomEnhanced([disc, disc, disc], [0, 3, 6], { sharedSpacing: null, frameSpacing: [HALF_BY_ONE, HALF_BY_ONE, [1.2, 0.5]] });
      const err = await errorOf(loadStudy([new Uint8Array(varying)], LIMITS));
      expect(err).toBeInstanceOf(MixedSeriesError);
      expect(err).toMatchObject({ code: 'MIXED_SERIES', statusCode: 422 });
      expect(err.message).toBe(
        'The frames of file 1 of 1 have different pixel spacings (frame 1: 1 × 0.5 mm, frame 3: 1.2 × 0.5 mm, between rows × between columns), ' +
          'so they cannot be one series: each frame would be stretched to a different shape. Upload one series at a time.',
      );
      // a frame with Pixel Measures and one without disagree too
      const partial = dicomEnhanced([disc, disc], [0, 3], { sharedSpacing: null, frameSpacing: [HALF_BY_ONE, null] });
      expect((await errorOf(loadStudy([new Uint8Array(partial)], LIMITS))).message).toMatch(/frame 2: none/);
      expect(decode).not.toHaveBeenCalled();
    } finally {
      decode.mockRestore();
    }
  });
});

describe('Enhanced MR: a hostile number of sequence items', () => {
  const pos = { file: 0, files: 1 };
  const hostile = () => withExtraPerFrameItems(dicomEnhanced([disc, disc], [0, 3]), 2_000_000);

  it('2 frames declared, 2,000,000 per-frame items (16 MB): 422 CORRUPT_IMAGE, refused before the parser builds them', async () => {
    const file = hostile();
    expect(file.length).toBeGreaterThan(16_000_000);
    // before: dicom-parser built 2,000,000 items (~2 s of a blocked event loop, ~500 MB of heap; a
    // 100 MB study of them ended the process) and the study was then analysed as 2 frames
    const err = await errorOf(readDicomHeader(new Uint8Array(file), pos, new ByteBudget(LIMITS.maxBytes), { left: 400, maxSlices: 400 }));
    expect(err).toBeInstanceOf(OversizedHeaderError);
    expect(err).toMatchObject({ code: 'CORRUPT_IMAGE', statusCode: 422 });
    expect(err.message).toBe(
      // counted up to the per-file cap, which it passes first (dicom.ts MAX_HEADER_ENTRIES_PER_FILE)
      'File 1 of 1: its DICOM header holds more elements and sequence items than one file may (204,800; a scan has a few hundred per image), so it was refused without being read.',
    );
    // the same through a ZIP and the whole loader
    expect(await errorOf(loadStudy([new Uint8Array(zip({ 'enhanced.dcm': new Uint8Array(file) }))], LIMITS))).toBeInstanceOf(OversizedHeaderError);
  });

  it('the allowance is the study\'s, not each file\'s: five files of 180,000 extra items are refused together', async () => {
    // each under the per-file cap (dicom.ts MAX_HEADER_ENTRIES_PER_FILE, 204,800), together over 819,200
    const files = [0, 3, 6, 9, 12].map((z) => new Uint8Array(withExtraPerFrameItems(dicomEnhanced([disc], [z]), 180_000)));
    const one = await loadStudy([files[0]], LIMITS);
    expect(one.kind).toBe('slices'); // alone, within the allowance (its extra items are never visited)
    const err = await errorOf(loadStudy(files, LIMITS));
    expect(err).toBeInstanceOf(OversizedHeaderError);
    expect(err.message).toMatch(/^File 5 of 5: .* than a study may \(819,200 in all;/);
  });
});
