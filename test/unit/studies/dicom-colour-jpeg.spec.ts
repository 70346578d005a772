import type { AnalysisResult } from '../../../src/classifier/analysis-result';
import { codecThread } from '../../../src/studies/codec-thread';
import type { StudyResult } from '../../../src/studies/study-result';
import { colourAnswers, expectSameAnswer, GREY, H, maxDiff, W } from '../../support/colour-answers';
import { colourDicom, greyToRgb } from '../../support/colour-dicom-fixtures';
import { el } from '../../support/dicom-pixel-fixtures';
import { adobe, greyJpeg, jfif, sharpRgb, threeGreyComponents, withApp, withComponentIds, ycbcrJpeg } from '../../support/jpeg-colour-fixtures';

/**
 * Which colour transform a JPEG Baseline colour frame is read with (PS3.5 8.2.1). The stream says
 * so itself when it carries a JFIF APP0 (YCbCr, T.871) or an Adobe APP14 (its transform flag: 0 RGB,
 * 1 YCbCr) — what libjpeg writes whenever it encodes (JFIF over YCbCr, Adobe "no transform" over
 * RGB, as DCMTK's dcmcjpeg, Pillow and most DICOM encoders do) — and PS3.5 8.2.1 has the stream's
 * own characteristics control decoding where the data elements disagree ("RGB ... as long as no
 * multi-component transformation was specified by the JPEG bit stream"). The label is what goes
 * wrong in practice: a wrapper keeps RGB over a stream it coded as YCbCr (dcm4che #565), or a fixer
 * relabels every JPEG YBR_FULL_422. Only where the stream says nothing (no JFIF, no Adobe, or the
 * two contradicting each other) does the Photometric Interpretation decide: RGB without the
 * transform, YBR_FULL_422 / YBR_FULL with it — whatever the component ids, which libjpeg reads
 * ('R' 'G' 'B' as RGB, anything else as YCbCr) and no standard defines.
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

/** A grey picture coded both ways, and the pixels each holds. */
let grey: Buffer;
/** the grey JPEG's decoded samples: what each component of the RGB-coded stream holds */
let g: Uint8Array;
/** the grey picture coded as YCbCr (Y the picture, Cb = Cr = 128; ids 1 2 3, no APP marker) and what libjpeg decodes it to */
let ycc: Buffer;
let yccRgb: Uint8Array;
let greyPng: AnalysisResult;
let yccPng: AnalysisResult;
beforeAll(async () => {
  grey = await greyJpeg(GREY, W, H);
  g = (await sharpRgb(threeGreyComponents(grey, [0x52, 0x47, 0x42]))).filter((_, k) => k % 3 === 0);
  greyPng = await pngAnswer(g, 1);
  ycc = await ycbcrJpeg(greyToRgb(GREY), W, H, '4:2:0');
  yccRgb = await sharpRgb(ycc);
  yccPng = await pngAnswer(yccRgb, 3);
});

/** as libjpeg writes RGB (jpeg_set_colorspace JCS_RGB: ids 'R' 'G' 'B', an Adobe marker saying no transform) */
const rgbCoded = (app: Buffer[] = [adobe(0)], ids: [number, number, number] = [0x52, 0x47, 0x42]) => threeGreyComponents(grey, ids, app);

it('the grey picture decodes close to itself coded either way, and the PNG of each is accepted', () => {
  expect(maxDiff(g, GREY)).toBeLessThanOrEqual(2);
  expect(maxDiff(yccRgb, greyToRgb(GREY))).toBeLessThanOrEqual(2);
  expect(greyPng).toMatchObject({ status: 'completed', isMri: true });
  expect(yccPng).toMatchObject({ status: 'completed', isMri: true });
});

describe('a colour marker in the stream decides, whichever label the file carries: the grey PNG’s answer every time', () => {
  it.each([
    ['coded as YCbCr with a JFIF marker (libjpeg’s default), labelled RGB', 'RGB', 'ycc', [jfif]],
    ['coded as YCbCr with a JFIF marker, labelled YBR_FULL_422', 'YBR_FULL_422', 'ycc', [jfif]],
    ['coded as YCbCr with an Adobe marker saying YCbCr, labelled RGB', 'RGB', 'ycc', [() => adobe(1)]],
    ['coded as YCbCr with JFIF and Adobe markers saying YCbCr, labelled RGB', 'RGB', 'ycc', [jfif, () => adobe(1)]],
    ['coded as RGB with an Adobe marker saying no transform (dcmcjpeg +cr), labelled RGB', 'RGB', 'rgb', [() => adobe(0)]],
    ['coded as RGB with an Adobe marker saying no transform, labelled YBR_FULL_422', 'YBR_FULL_422', 'rgb', [() => adobe(0)]],
    ['coded as RGB with an Adobe marker saying no transform, labelled YBR_FULL', 'YBR_FULL', 'rgb', [() => adobe(0)]],
  ] as [string, string, 'ycc' | 'rgb', (() => Buffer)[]][])('%s', async (_what, pi, coded, app) => {
    const markers = app.map((m) => m());
    if (coded === 'ycc') await expectAnsweredOn(dicom(pi, withApp(ycc, markers)), yccRgb, yccPng);
    else await expectAnsweredOn(dicom(pi, rgbCoded(markers)), greyToRgb(g), greyPng);
  });
});

describe('where the stream says nothing, the label decides, whatever the component ids', () => {
  it.each([
    ['RGB, ids 1 2 3 (libjpeg reads them as YCbCr)', 'RGB', 'rgb', [1, 2, 3]],
    ['RGB, ids 0 1 2', 'RGB', 'rgb', [0, 1, 2]],
    ["RGB, ids 'R' 'G' 'B'", 'RGB', 'rgb', [0x52, 0x47, 0x42]],
    ['YBR_FULL_422, ids 1 2 3', 'YBR_FULL_422', 'ycc', [1, 2, 3]],
    ["YBR_FULL_422, ids 'R' 'G' 'B' (libjpeg reads them as RGB)", 'YBR_FULL_422', 'ycc', [0x52, 0x47, 0x42]],
  ] as [string, string, 'ycc' | 'rgb', [number, number, number]][])('%s: the grey PNG’s answer', async (_what, pi, coded, ids) => {
    if (coded === 'ycc') await expectAnsweredOn(dicom(pi, withComponentIds(ycc, ids)), yccRgb, yccPng);
    else await expectAnsweredOn(dicom(pi, rgbCoded([], ids)), greyToRgb(g), greyPng);
  });

  it.each([
    ['coded as YCbCr, labelled YBR_FULL_422', 'YBR_FULL_422', 'ycc'],
    ['coded as RGB, labelled RGB (the JFIF marker, which libjpeg obeys over the Adobe one, is dropped too)', 'RGB', 'rgb'],
  ] as [string, string, 'ycc' | 'rgb'][])('JFIF and an Adobe marker saying no transform, which contradict each other: %s', async (_what, pi, coded) => {
    const markers = [jfif(), adobe(0)];
    if (coded === 'ycc') await expectAnsweredOn(dicom(pi, withApp(ycc, markers)), yccRgb, yccPng);
    else await expectAnsweredOn(dicom(pi, rgbCoded(markers)), greyToRgb(g), greyPng);
  });
});

describe('a coloured picture is read as its colours, and refused by the colour gate as its PNG is', () => {
  /** a coloured centre on the grey picture (not a strongly chroma-subsampled one: 16 × 16 blocks) */
  const coloured = (() => {
    const out = greyToRgb(GREY);
    for (let y = 16; y < H - 16; y++) for (let x = 16; x < W - 16; x++) out.set((x >> 4) % 2 === (y >> 4) % 2 ? [220, 40, 40] : [40, 60, 220], 3 * (y * W + x));
    return out;
  })();

  it.each([
    ['YBR_FULL_422 (4:2:0), no APP marker', 'YBR_FULL_422', '4:2:0', []],
    ['YBR_FULL (4:4:4), no APP marker', 'YBR_FULL', '4:4:4', []],
    ['RGB label over a JFIF stream (4:2:0)', 'RGB', '4:2:0', [jfif]],
    ['YBR_FULL_422 (4:2:0), an Adobe marker saying YCbCr', 'YBR_FULL_422', '4:2:0', [() => adobe(1)]],
  ] as [string, string, '4:2:0' | '4:4:4', (() => Buffer)[]][])('%s', async (_what, pi, chroma, app) => {
    const stream = withApp(await ycbcrJpeg(coloured, W, H, chroma), app.map((m) => m()));
    const expected = await sharpRgb(stream);
    const r = await expectAnsweredOn(dicom(pi, stream), expected, await pngAnswer(expected, 3));
    expect(r.slices[0]).toMatchObject({ status: 'rejected', code: 'NOT_MRI' });
  });
});

describe('colour JPEG Extended (1.2.840.10008.1.2.4.51) with 8-bit samples (process 2): read as JPEG Baseline is', () => {
  const JPEG_EXTENDED = '1.2.840.10008.1.2.4.51';
  /** the stream with its frame header marked extended sequential (SOF1): a baseline stream is a valid process 2 one */
  const asExtended = (jpeg: Buffer) => {
    const out = Buffer.from(jpeg);
    const at = out.indexOf(Buffer.from([0xff, 0xc0]));
    out[at + 1] = 0xc1;
    return out;
  };
  const extended = (pi: string, jpeg: Buffer) => colourDicom({ width: W, height: H, photometric: pi, transferSyntax: JPEG_EXTENDED, pixelData: el.encapsulated([new Uint8Array(asExtended(jpeg))]) });

  it('a grey picture coded as YCbCr, labelled YBR_FULL_422, and one coded as RGB with an Adobe marker: the grey PNG’s answer', async () => {
    await expectAnsweredOn(extended('YBR_FULL_422', ycc), yccRgb, yccPng);
    await expectAnsweredOn(extended('RGB', rgbCoded()), greyToRgb(g), greyPng);
  });

  it('a coloured one: its colours, refused by the colour gate', async () => {
    const picture = greyToRgb(GREY);
    for (let i = 0; i < picture.length; i += 3) if ((i / 3) % W > 24 && (i / 3) % W < 72) picture.set([30, 200, 40], i);
    const stream = await ycbcrJpeg(picture, W, H, '4:4:4');
    const expected = await sharpRgb(stream);
    const r = await expectAnsweredOn(extended('YBR_FULL', stream), expected, await pngAnswer(expected, 3));
    expect(r.slices[0]).toMatchObject({ status: 'rejected', code: 'NOT_MRI' });
  });
});
