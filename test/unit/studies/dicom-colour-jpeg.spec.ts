import type { AnalysisResult } from '../../../src/classifier/analysis-result';
import { codecThread } from '../../../src/studies/codec-thread';
import type { StudyResult } from '../../../src/studies/study-result';
import { colourAnswers, expectSameAnswer, GREY, H, maxDiff, W } from '../../support/colour-answers';
import { colourDicom, greyToRgb } from '../../support/colour-dicom-fixtures';
import { el } from '../../support/dicom-pixel-fixtures';
import { adobe, greyJpeg, jfif, sharpRgb, threeGreyComponents, withApp, withComponentIds, ycbcrJpeg } from '../../support/jpeg-colour-fixtures';

/**
 * JPEG Baseline colour is read by the DICOM Photometric Interpretation (PS3.5 8.2.1), not by the
 * stream's own markers: RGB means the components were coded without the colour transform, YBR_FULL
 * and YBR_FULL_422 that they were coded as YCbCr. libjpeg (under libvips) decides by the markers —
 * JFIF or Adobe APP14, else component ids 'R' 'G' 'B' for RGB and anything else YCbCr — so an RGB
 * frame with neither (as DICOM encoders write it) was converted as YCbCr: a grey picture came out
 * strongly coloured and was refused NOT_MRI; and a YBR frame with an Adobe "no transform" marker
 * came out as raw Y Cb Cr. The one exception kept: a JFIF marker, which defines the components as
 * YCbCr, in a frame labelled RGB (pydicom reads it so too).
 */

const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';
const { seen, pngAnswer, dicomAnswer } = colourAnswers();
afterAll(() => codecThread.end());

const dicom = (photometric: string, jpeg: Buffer) => colourDicom({ width: W, height: H, photometric, transferSyntax: JPEG_BASELINE, pixelData: el.encapsulated([new Uint8Array(jpeg)]) });

/** The study's one slice was decided on exactly `expected` (RGB), as the PNG `png` was. */
async function expectAnsweredOn(file: Buffer, expected: Uint8Array, png: AnalysisResult): Promise<StudyResult> {
  seen.length = 0;
  const r = await dicomAnswer(file);
  // the first image the triage model saw is the slice (an accepted one may be looked at again)
  expect(seen[0]).toMatchObject({ width: W, height: H, channels: 3 });
  expect(maxDiff(seen[0].data, expected)).toBe(0);
  expect(r.slices).toHaveLength(1);
  expectSameAnswer(r.slices[0], png);
  return r;
}

describe('a grey picture in JPEG Baseline labelled RGB is read without the colour transform, whatever its markers say', () => {
  let grey: Buffer;
  /** the grey JPEG's decoded samples: what each of the three components holds */
  let g: Uint8Array;
  let greyPng: AnalysisResult;
  beforeAll(async () => {
    grey = await greyJpeg(GREY, W, H);
    g = (await sharpRgb(threeGreyComponents(grey, [0x52, 0x47, 0x42]))).filter((_, k) => k % 3 === 0);
    greyPng = await pngAnswer(g, 1);
  });

  it('the grey JPEG decodes close to the picture, and the PNG of its samples is accepted', () => {
    expect(maxDiff(g, GREY)).toBeLessThanOrEqual(2);
    expect(greyPng).toMatchObject({ status: 'completed', isMri: true });
  });

  it.each([
    ['no APP marker, component ids 1 2 3 (libjpeg reads them as YCbCr)', [1, 2, 3], []],
    ['no APP marker, component ids 0 1 2', [0, 1, 2], []],
    ['an Adobe marker saying YCbCr (transform 1)', [1, 2, 3], [1]],
    ['an Adobe marker saying no transform', [1, 2, 3], [0]],
    ["component ids 'R' 'G' 'B'", [0x52, 0x47, 0x42], []],
  ] as [string, [number, number, number], (0 | 1)[]][])('%s: the grey PNG’s answer', async (_what, ids, transform) => {
    const file = dicom('RGB', threeGreyComponents(grey, ids, transform.map(adobe)));
    await expectAnsweredOn(file, greyToRgb(g), greyPng);
  });
});

describe('JPEG Baseline labelled YBR_FULL_422 or YBR_FULL is read with the colour transform, whatever its markers say', () => {
  /** a coloured centre on the grey picture (not a strongly chroma-subsampled one: 16 × 16 blocks) */
  const coloured = (() => {
    const out = greyToRgb(GREY);
    for (let y = 16; y < H - 16; y++) for (let x = 16; x < W - 16; x++) out.set((x >> 4) % 2 === (y >> 4) % 2 ? [220, 40, 40] : [40, 60, 220], 3 * (y * W + x));
    return out;
  })();

  it.each([
    ['YBR_FULL_422 (4:2:0), an Adobe marker saying no transform', 'YBR_FULL_422', '4:2:0', 'adobe 0'],
    ['YBR_FULL (4:4:4), an Adobe marker saying no transform', 'YBR_FULL', '4:4:4', 'adobe 0'],
    ["YBR_FULL_422 (4:2:0), component ids 'R' 'G' 'B'", 'YBR_FULL_422', '4:2:0', 'rgb ids'],
    ['YBR_FULL_422 (4:2:0), no APP marker', 'YBR_FULL_422', '4:2:0', 'none'],
  ] as const)('%s: grey read as grey, colour as its colours', async (_what, pi, chroma, markers) => {
    for (const picture of [greyToRgb(GREY), coloured]) {
      const ycc = await ycbcrJpeg(picture, W, H, chroma); // no APP marker, ids 1 2 3: libjpeg reads it as YCbCr
      const expected = await sharpRgb(ycc);
      const stream = markers === 'adobe 0' ? withApp(ycc, [adobe(0)]) : markers === 'rgb ids' ? withComponentIds(ycc, [0x52, 0x47, 0x42]) : ycc;
      const r = await expectAnsweredOn(dicom(pi, stream), expected, await pngAnswer(expected, 3));
      expect(r.slices[0]).toMatchObject(picture === coloured ? { status: 'rejected', code: 'NOT_MRI' } : { status: 'completed', isMri: true });
    }
  });
});

describe('the exception: a JFIF marker in a frame labelled RGB', () => {
  it('is read as YCbCr, as JFIF defines its components (the encoder transformed them; the label is wrong)', async () => {
    const ycc = await ycbcrJpeg(greyToRgb(GREY), W, H, '4:2:0');
    const expected = await sharpRgb(ycc);
    const r = await expectAnsweredOn(dicom('RGB', withApp(ycc, [jfif()])), expected, await pngAnswer(expected, 3));
    expect(r.slices[0]).toMatchObject({ status: 'completed', isMri: true });
  });
});
