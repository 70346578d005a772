import type { AnalysisResult } from '../../../src/classifier/analysis-result';
import { codecThread } from '../../../src/studies/codec-thread';
import { loadStudy } from '../../../src/studies/study-loader';
import type { SliceResult, StudyResult } from '../../../src/studies/study-result';
import { colourAnswers, decision, expectSameAnswer, GREY, H, maxDiff, W } from '../../support/colour-answers';
import { el } from '../../support/dicom-pixel-fixtures';
import {
  colourDicom,
  greyRamp,
  greyToRgb,
  HTJ2K,
  J2K,
  JPEG_LS,
  ob,
  paletteElements,
  RLE,
  rgbToYbrFull,
  rgbToYbrPartial,
  rleColour,
  toPairs,
  toPlanes,
} from '../../support/colour-dicom-fixtures';
import { encodeLosslessJpeg, JPEG_LOSSLESS, JPEG_LOSSLESS_SV1 } from '../../support/jpeg-lossless-fixtures';
import { rleEncode8 } from '../../support/rle-fixtures';
import { encodeHtj2k, encodeJ2k, encodeJpegLs } from '../../support/wasm-encoders';

/**
 * Secondary captures and screen grabs in MRI archives are stored as RGB, YBR or PALETTE COLOR. The
 * study reader turns each into the RGB pixels it holds, and the one pipeline decides on them as it
 * does on a PNG of the same pixels: grey content stored in colour gets the PNG's answer, a coloured
 * image is refused by the triage's colour gate (NOT_MRI). The models are faked, but their answer
 * follows the pixels (colour-answers.ts). JPEG Baseline colour: dicom-colour-jpeg.spec.ts.
 */

const BIG_ENDIAN = '1.2.840.10008.1.2.2';
const { seen, pngAnswer, dicomAnswer } = colourAnswers();
afterAll(() => codecThread.end());

const rgbGrey = greyToRgb(GREY);
const ybrGrey = rgbToYbrFull(rgbGrey);

const GREY_STORED_IN_COLOUR: [string, () => Promise<Buffer> | Buffer][] = [
  ['RGB, planar 0', () => colourDicom({ width: W, height: H, photometric: 'RGB', planar: 0, pixelData: ob(rgbGrey) })],
  ['RGB, planar 1', () => colourDicom({ width: W, height: H, photometric: 'RGB', planar: 1, pixelData: ob(toPlanes(rgbGrey)) })],
  ['YBR_FULL, planar 0', () => colourDicom({ width: W, height: H, photometric: 'YBR_FULL', planar: 0, pixelData: ob(ybrGrey) })],
  ['YBR_FULL, planar 1', () => colourDicom({ width: W, height: H, photometric: 'YBR_FULL', planar: 1, pixelData: ob(toPlanes(ybrGrey)) })],
  ['YBR_FULL_422', () => colourDicom({ width: W, height: H, photometric: 'YBR_FULL_422', planar: 0, pixelData: ob(toPairs(ybrGrey)) })],
  ['PALETTE COLOR, 8-bit indices, grey ramp of 16-bit entries', () => colourDicom({ width: W, height: H, photometric: 'PALETTE COLOR', pixelData: ob(GREY), extra: paletteElements(greyRamp(16)) })],
  ['PALETTE COLOR, grey ramp of 8-bit entries packed', () => colourDicom({ width: W, height: H, photometric: 'PALETTE COLOR', pixelData: ob(GREY), extra: paletteElements(greyRamp(8), { bits: 8 }) })],
  ['PALETTE COLOR, grey ramp of 8-bit entries in words', () => colourDicom({ width: W, height: H, photometric: 'PALETTE COLOR', pixelData: ob(GREY), extra: paletteElements(greyRamp(8), { bits: 8, wordsFor8: true }) })],
  [
    'PALETTE COLOR, 16-bit indices from first value 1000',
    () => {
      const words = Buffer.alloc(GREY.length * 2);
      GREY.forEach((v, i) => words.writeUInt16LE(1000 + v, 2 * i));
      return colourDicom({ width: W, height: H, photometric: 'PALETTE COLOR', bitsAllocated: 16, bitsStored: 12, pixelData: el.bytes(0x7fe00010, 'OW', words), extra: paletteElements(greyRamp(16), { first: 1000 }) });
    },
  ],
  [
    'PALETTE COLOR, Explicit VR Big Endian: 16-bit indices, 16-bit entries (words swapped)',
    () => {
      const words = Buffer.alloc(GREY.length * 2);
      GREY.forEach((v, i) => words.writeUInt16LE(v, 2 * i)); // the writer swaps every OW word for big endian
      return colourDicom({ width: W, height: H, photometric: 'PALETTE COLOR', bitsAllocated: 16, transferSyntax: BIG_ENDIAN, pixelData: el.bytes(0x7fe00010, 'OW', words), extra: paletteElements(greyRamp(16)) });
    },
  ],
  ['PALETTE COLOR, Explicit VR Big Endian: 8-bit entries packed in OW (pairs swapped)', () => colourDicom({ width: W, height: H, photometric: 'PALETTE COLOR', transferSyntax: BIG_ENDIAN, pixelData: ob(GREY), extra: paletteElements(greyRamp(8), { bits: 8 }) })],
  ['RGB, RLE Lossless', () => colourDicom({ width: W, height: H, photometric: 'RGB', transferSyntax: RLE, pixelData: rleColour(rgbGrey) })],
  ['YBR_FULL, RLE Lossless', () => colourDicom({ width: W, height: H, photometric: 'YBR_FULL', transferSyntax: RLE, pixelData: rleColour(ybrGrey) })],
  ['RGB, JPEG Lossless SV1', () => colourDicom({ width: W, height: H, photometric: 'RGB', transferSyntax: JPEG_LOSSLESS_SV1, pixelData: el.encapsulated([encodeLosslessJpeg(rgbGrey, { width: W, height: H, precision: 8, components: 3 })]) })],
  ['PALETTE COLOR, JPEG Lossless SV1', () => colourDicom({ width: W, height: H, photometric: 'PALETTE COLOR', transferSyntax: JPEG_LOSSLESS_SV1, pixelData: el.encapsulated([encodeLosslessJpeg(GREY, { width: W, height: H, precision: 8 })]), extra: paletteElements(greyRamp(16)) })],
  ['PALETTE COLOR, RLE Lossless', () => colourDicom({ width: W, height: H, photometric: 'PALETTE COLOR', transferSyntax: RLE, pixelData: el.encapsulated([rleEncode8([GREY])]), extra: paletteElements(greyRamp(16)) })],
  ...([0, 1, 2] as const).map((ilv): [string, () => Promise<Buffer>] => [
    `RGB, JPEG-LS (interleave mode ${ilv})`,
    async () => colourDicom({ width: W, height: H, photometric: 'RGB', transferSyntax: JPEG_LS, pixelData: el.encapsulated([await encodeJpegLs(rgbGrey, { width: W, height: H, bits: 8, components: 3, interleave: ilv })]) }),
  ]),
  ['YBR_FULL, JPEG-LS', async () => colourDicom({ width: W, height: H, photometric: 'YBR_FULL', transferSyntax: JPEG_LS, pixelData: el.encapsulated([await encodeJpegLs(ybrGrey, { width: W, height: H, bits: 8, components: 3 })]) })],
  ['RGB, JPEG 2000', async () => colourDicom({ width: W, height: H, photometric: 'RGB', transferSyntax: J2K, pixelData: el.encapsulated([await encodeJ2k(rgbGrey, { width: W, height: H, bits: 8, components: 3 })]) })],
  ['YBR_RCT, JPEG 2000', async () => colourDicom({ width: W, height: H, photometric: 'YBR_RCT', transferSyntax: J2K, pixelData: el.encapsulated([await encodeJ2k(rgbGrey, { width: W, height: H, bits: 8, components: 3, colourTransform: true })]) })],
  ['YBR_RCT, HTJ2K', async () => colourDicom({ width: W, height: H, photometric: 'YBR_RCT', transferSyntax: HTJ2K, pixelData: el.encapsulated([await encodeHtj2k(rgbGrey, { width: W, height: H, bits: 8, components: 3, colourTransform: true })]) })],
];

describe('grey content stored in colour gets the answer a PNG of the same pixels gets', () => {
  let greyPng: AnalysisResult;
  let rgbPng: AnalysisResult;
  beforeAll(async () => {
    greyPng = await pngAnswer(GREY, 1);
    rgbPng = await pngAnswer(rgbGrey, 3);
  });

  it('the PNG answers themselves: a grey PNG and an RGB PNG of it agree, and are accepted', () => {
    expect(greyPng.status).toBe('completed');
    expectSameAnswer(rgbPng as unknown as SliceResult, greyPng);
  });

  it.each(GREY_STORED_IN_COLOUR)('%s', async (_what, file) => {
    const r = await dicomAnswer(await file());
    expect(r.slices).toHaveLength(1);
    expectSameAnswer(r.slices[0], greyPng);
  });
});

/** 8 × 8 blocks of strong colours in the centre (chroma constant over each pair of columns), the grey picture around */
const COLOURED = (() => {
  const out = greyToRgb(GREY);
  const hues = [[220, 30, 30], [30, 200, 40], [40, 60, 230], [230, 200, 20], [200, 40, 210]];
  for (let y = 16; y < H - 16; y++) {
    for (let x = 16; x < W - 16; x++) out.set(hues[(Math.floor(x / 8) + Math.floor(y / 8)) % hues.length], 3 * (y * W + x));
  }
  return out;
})();
/** a "hot" colour map (black → red → yellow → white), 16-bit entries */
const HOT: [number[], number[], number[]] = [
  Array.from({ length: 256 }, (_, v) => Math.min(255, v * 3) * 257),
  Array.from({ length: 256 }, (_, v) => Math.min(255, Math.max(0, v * 3 - 255)) * 257),
  Array.from({ length: 256 }, (_, v) => Math.min(255, Math.max(0, v * 3 - 510)) * 257),
];
const HOT_RGB = Uint8Array.from({ length: W * H * 3 }, (_, k) => HOT[k % 3][GREY[Math.floor(k / 3)]] / 257);

/** The study's one slice was decided on these RGB pixels (within `tolerance`), and as the PNG of `expected` is. */
async function expectReadAs(file: Buffer, expected: Uint8Array, tolerance: number): Promise<StudyResult> {
  seen.length = 0;
  const r = await dicomAnswer(file);
  expect(seen).toHaveLength(1);
  expect(seen[0]).toMatchObject({ width: W, height: H, channels: 3 });
  expect(maxDiff(seen[0].data, expected)).toBeLessThanOrEqual(tolerance);
  const png = await pngAnswer(expected, 3);
  if (tolerance === 0) expectSameAnswer(r.slices[0], png);
  else expect(decision(r.slices[0])).toEqual(decision(png));
  return r;
}

describe('a coloured image is read as its colours, and refused by the colour gate as its PNG is (NOT_MRI)', () => {
  const ybr = rgbToYbrFull(COLOURED);
  const cases: [string, () => Promise<Buffer> | Buffer, Uint8Array, number][] = [
    ['RGB, planar 0', () => colourDicom({ width: W, height: H, photometric: 'RGB', planar: 0, pixelData: ob(COLOURED) }), COLOURED, 0],
    ['RGB, planar 1', () => colourDicom({ width: W, height: H, photometric: 'RGB', planar: 1, pixelData: ob(toPlanes(COLOURED)) }), COLOURED, 0],
    // YBR_FULL stores rounded Y, Cb, Cr: back to RGB within 1
    ['YBR_FULL, planar 0', () => colourDicom({ width: W, height: H, photometric: 'YBR_FULL', planar: 0, pixelData: ob(ybr) }), COLOURED, 1],
    ['YBR_FULL, planar 1', () => colourDicom({ width: W, height: H, photometric: 'YBR_FULL', planar: 1, pixelData: ob(toPlanes(ybr)) }), COLOURED, 1],
    ['YBR_FULL_422 (chroma shared by each pair)', () => colourDicom({ width: W, height: H, photometric: 'YBR_FULL_422', planar: 0, pixelData: ob(toPairs(ybr)) }), COLOURED, 1],
    // partial range: 220 (225) levels stretched to 256, yet within 1 on these colours
    ['YBR_PARTIAL_422', () => colourDicom({ width: W, height: H, photometric: 'YBR_PARTIAL_422', planar: 0, pixelData: ob(toPairs(rgbToYbrPartial(COLOURED))) }), COLOURED, 1],
    ['YBR_FULL, RLE Lossless', () => colourDicom({ width: W, height: H, photometric: 'YBR_FULL', transferSyntax: RLE, pixelData: rleColour(ybr) }), COLOURED, 1],
    ['RGB, JPEG Lossless SV1', () => colourDicom({ width: W, height: H, photometric: 'RGB', transferSyntax: JPEG_LOSSLESS_SV1, pixelData: el.encapsulated([encodeLosslessJpeg(COLOURED, { width: W, height: H, precision: 8, components: 3 })]) }), COLOURED, 0],
    ['YBR_FULL, JPEG Lossless (predictor 7, restart every 5 lines)', () => colourDicom({ width: W, height: H, photometric: 'YBR_FULL', transferSyntax: JPEG_LOSSLESS, pixelData: el.encapsulated([encodeLosslessJpeg(ybr, { width: W, height: H, precision: 8, components: 3, predictor: 7, restartLines: 5 })]) }), COLOURED, 1],
    ['RGB, JPEG-LS (interleave mode 0: planes)', async () => colourDicom({ width: W, height: H, photometric: 'RGB', transferSyntax: JPEG_LS, pixelData: el.encapsulated([await encodeJpegLs(COLOURED, { width: W, height: H, bits: 8, components: 3, interleave: 0 })]) }), COLOURED, 0],
    ['RGB, JPEG-LS (interleave mode 2)', async () => colourDicom({ width: W, height: H, photometric: 'RGB', transferSyntax: JPEG_LS, pixelData: el.encapsulated([await encodeJpegLs(COLOURED, { width: W, height: H, bits: 8, components: 3, interleave: 2 })]) }), COLOURED, 0],
    ['YBR_RCT, JPEG 2000', async () => colourDicom({ width: W, height: H, photometric: 'YBR_RCT', transferSyntax: J2K, pixelData: el.encapsulated([await encodeJ2k(COLOURED, { width: W, height: H, bits: 8, components: 3, colourTransform: true })]) }), COLOURED, 0],
    ['YBR_ICT, JPEG 2000 irreversible (lossy: within 4)', async () => colourDicom({ width: W, height: H, photometric: 'YBR_ICT', transferSyntax: '1.2.840.10008.1.2.4.91', pixelData: el.encapsulated([await encodeJ2k(COLOURED, { width: W, height: H, bits: 8, components: 3, colourTransform: true, lossy: true })]) }), COLOURED, 4],
    ['RGB, HTJ2K', async () => colourDicom({ width: W, height: H, photometric: 'RGB', transferSyntax: HTJ2K, pixelData: el.encapsulated([await encodeHtj2k(COLOURED, { width: W, height: H, bits: 8, components: 3 })]) }), COLOURED, 0],
    ['PALETTE COLOR (a hot colour map)', () => colourDicom({ width: W, height: H, photometric: 'PALETTE COLOR', pixelData: ob(GREY), extra: paletteElements(HOT) }), HOT_RGB, 0],
  ];

  it.each(cases)('%s', async (_what, file, expected, tolerance) => {
    const r = await expectReadAs(await file(), expected, tolerance);
    expect(r.slices[0]).toMatchObject({ status: 'rejected', code: 'NOT_MRI', isMri: false });
    expect(r.slices[0].message).toMatch(/in colour/);
    expect(r).toMatchObject({ status: 'rejected', code: 'NOT_MRI' });
  });
});

describe('multi-frame colour: each frame read from its own place', () => {
  it('two frames of PALETTE COLOR (16-bit indices) and of YBR_FULL_422 (two bytes a pixel) give their own pixels', async () => {
    const second = Uint8Array.from(GREY, (v) => 255 - v);
    const words = Buffer.alloc(GREY.length * 4);
    [...GREY, ...second].forEach((v, i) => words.writeUInt16LE(v, 2 * i));
    const ycc = (g: Uint8Array) => toPairs(rgbToYbrFull(greyToRgb(g)));
    const files = [
      colourDicom({ width: W, height: H, photometric: 'PALETTE COLOR', bitsAllocated: 16, pixelData: el.bytes(0x7fe00010, 'OW', words), extra: [...paletteElements(greyRamp(16)), el.is(0x00280008, 2)] }),
      colourDicom({ width: W, height: H, photometric: 'YBR_FULL_422', pixelData: ob(Uint8Array.from([...ycc(GREY), ...ycc(second)])), extra: [el.is(0x00280008, 2)] }),
    ];
    for (const file of files) {
      const study = await loadStudy([new Uint8Array(file)], { maxBytes: 64 * 1024 * 1024, maxSlices: 10, minSide: 16, maxPixels: 1_000_000 });
      if (study.kind !== 'slices') throw new Error('expected slices');
      expect(study.slices.map((s, k) => maxDiff(s.image.data, greyToRgb(k === 0 ? GREY : second)))).toEqual([0, 0]);
    }
  });
});
