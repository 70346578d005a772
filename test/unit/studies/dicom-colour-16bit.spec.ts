import type { AnalysisResult } from '../../../src/classifier/analysis-result';
import { codecThread } from '../../../src/studies/codec-thread';
import { colourAnswers, expectSameAnswer, GREY, H, maxDiff, W } from '../../support/colour-answers';
import { colourDicom, greyToRgb, HTJ2K, J2K, JPEG_LS, RLE } from '../../support/colour-dicom-fixtures';
import { el } from '../../support/dicom-pixel-fixtures';
import { encodeLosslessJpeg, JPEG_LOSSLESS_SV1 } from '../../support/jpeg-lossless-fixtures';
import { rleEncode8 } from '../../support/rle-fixtures';
import { encodeJ2k, encodeJpegLs } from '../../support/wasm-encoders';
import { loadStudy } from '../../../src/studies/study-loader';
import { UnsupportedStudyFileError } from '../../../src/studies/study-errors';

/**
 * RGB in 16-bit words (microscopy, some secondary captures; Bits Allocated 16): each sample's top 8
 * stored bits become the 8-bit RGB the pipeline reads — what PIL reads of a 16-bit RGB PNG, and what
 * DCMTK's dcm2pnm shows. So a grey picture stored so gets the grey PNG's answer in every encoding
 * read, whatever Bits Stored and High Bit place the value where in its word, and a coloured one is
 * refused by the colour gate as its PNG is. 16-bit YBR stays a named 415 (dicom-colour-refusals.spec.ts), and so
 * does 16-bit colour JPEG 2000 / HTJ2K (colour-format.ts says why).
 */

const BIG_ENDIAN = '1.2.840.10008.1.2.2';
const { seen, pngAnswer, dicomAnswer } = colourAnswers();
afterAll(() => codecThread.end());

const rgb16 = greyToRgb(GREY);
/** 16 bits stored, v in the high byte and something else in the low one (so that a byte order or plane order read wrongly shows) */
const full = Uint16Array.from(greyToRgb(GREY), (v) => (v << 8) | (v ^ 0xa5));
const words = (values: ArrayLike<number>) => {
  const b = Buffer.alloc(values.length * 2);
  for (let i = 0; i < values.length; i++) b.writeUInt16LE(values[i], 2 * i);
  return el.bytes(0x7fe00010, 'OW', b);
};
const rgb = (o: { pixelData: ReturnType<typeof words>; transferSyntax?: string; planar?: number; bitsStored?: number; photometric?: string; extra?: ReturnType<typeof words>[] }) =>
  colourDicom({ width: W, height: H, photometric: o.photometric ?? 'RGB', bitsAllocated: 16, bitsStored: o.bitsStored ?? 16, planar: o.planar ?? 0, transferSyntax: o.transferSyntax, pixelData: o.pixelData, extra: o.extra });
/** the 16 bits a byte plane at a time, most significant first, for each of R, G, B (PS3.5 G.2) */
const rlePlanes = (px: Uint16Array) => [0, 1, 2].flatMap((c) => [8, 0].map((sh) => Uint8Array.from({ length: W * H }, (_, i) => (px[3 * i + c] >> sh) & 0xff)));

const CASES: [string, () => Promise<Buffer> | Buffer][] = [
  ['uncompressed, Planar Configuration 0, 16 bits stored', () => rgb({ pixelData: words(full) })],
  // 12 bits stored in bits 0–11 under garbage in 12–15 (an overlay, say): masked off; the value's top 8 bits are v
  ['uncompressed, Planar Configuration 1, 12 bits stored under other bits', () => rgb({ planar: 1, bitsStored: 12, pixelData: words(toPlanes16(Uint16Array.from(greyToRgb(GREY), (v) => 0xf000 | (v << 4) | 7))) })],
  ['uncompressed, 12 bits stored at High Bit 15', () => rgb({ bitsStored: 12, pixelData: words(Uint16Array.from(greyToRgb(GREY), (v) => ((v << 4) | 9) << 4)), extra: [el.us(0x00280102, 15)] })],
  ['Explicit VR Big Endian (the writer swaps each OW word)', () => rgb({ transferSyntax: BIG_ENDIAN, pixelData: words(full) })],
  ['RLE Lossless (six byte planes)', () => rgb({ transferSyntax: RLE, pixelData: el.encapsulated([rleEncode8(rlePlanes(full))]) })],
  ['JPEG Lossless SV1, 16-bit precision', () => rgb({ transferSyntax: JPEG_LOSSLESS_SV1, pixelData: el.encapsulated([encodeLosslessJpeg(full, { width: W, height: H, precision: 16, components: 3 })]) })],
  ['JPEG-LS, interleave mode 0 (planes)', async () => rgb({ transferSyntax: JPEG_LS, pixelData: el.encapsulated([await encodeJpegLs(full, { width: W, height: H, bits: 16, components: 3, interleave: 0 })]) })],
  ['JPEG-LS, 12-bit precision, interleave mode 2', async () => rgb({ transferSyntax: JPEG_LS, bitsStored: 12, pixelData: el.encapsulated([await encodeJpegLs(Uint16Array.from(greyToRgb(GREY), (v) => v << 4), { width: W, height: H, bits: 12, components: 3, interleave: 2 })]) })],
];

function toPlanes16(px: Uint16Array): Uint16Array {
  const n = px.length / 3;
  return Uint16Array.from({ length: px.length }, (_, k) => px[3 * (k % n) + Math.floor(k / n)]);
}

describe('a grey picture in 16-bit RGB gets the grey PNG’s answer, read as exactly its 8-bit RGB', () => {
  let greyPng: AnalysisResult;
  beforeAll(async () => {
    greyPng = await pngAnswer(GREY, 1);
  });

  it.each(CASES)('%s', async (_what, file) => {
    seen.length = 0;
    const r = await dicomAnswer(await file());
    expect(maxDiff(seen[0].data, rgb16)).toBe(0);
    expect(r.slices).toHaveLength(1);
    expectSameAnswer(r.slices[0], greyPng);
  });
});

it('a coloured picture in 16-bit RGB: its colours, refused by the colour gate as its PNG is', async () => {
  const coloured = greyToRgb(GREY);
  for (let i = 0; i < coloured.length; i += 3) if ((i / 3) % W > 24 && (i / 3) % W < 72) coloured.set([220, 30, 200], i);
  seen.length = 0;
  const r = await dicomAnswer(rgb({ pixelData: words(Uint16Array.from(coloured, (v) => (v << 8) | 0x3c)) }));
  expect(maxDiff(seen[0].data, coloured)).toBe(0);
  expect(r.slices[0]).toMatchObject({ status: 'rejected', code: 'NOT_MRI' });
  expectSameAnswer(r.slices[0], await pngAnswer(coloured, 3));
});

it.each([
  ['JPEG 2000', J2K],
  ['HTJ2K', HTJ2K],
])('16-bit colour %s → 415 naming where 16-bit RGB is read, before any decode', async (_what, ts) => {
  const stream = await encodeJ2k(Uint16Array.from(GREY, (v) => v << 4), { width: W, height: H, bits: 12 }); // any codestream: refused from the DICOM header
  const err = await loadStudy([new Uint8Array(rgb({ transferSyntax: ts, bitsStored: 12, pixelData: el.encapsulated([stream]) }))], { maxBytes: 1e8, maxSlices: 5, minSide: 16, maxPixels: 1e6 }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UnsupportedStudyFileError);
  expect((err as Error).message).toMatch(/16-bit RGB .* colour \(16-bit RGB is read uncompressed, in RLE, JPEG Lossless and JPEG-LS\)/);
});

// JPEG 2000 with its reversible colour transform is labelled YBR_RCT (PS3.5 8.2.4), the usual 16-bit colour
// J2K: its 415 said "8-bit colour, and RGB in 16-bit words, are read", which 16-bit RGB JPEG 2000 is not
it.each([
  ['JPEG 2000', J2K, 'YBR_RCT'],
  ['JPEG 2000', J2K, 'YBR_ICT'],
  ['HTJ2K', HTJ2K, 'YBR_RCT'],
])('16-bit %s colour (%s) labelled %s → 415 naming the syntax, not sent to 16-bit RGB in it', async (name, ts, photometric) => {
  const stream = await encodeJ2k(Uint16Array.from(GREY, (v) => v << 4), { width: W, height: H, bits: 12 });
  const err = await loadStudy([new Uint8Array(rgb({ transferSyntax: ts, bitsStored: 12, photometric, pixelData: el.encapsulated([stream]) }))], { maxBytes: 1e8, maxSlices: 5, minSide: 16, maxPixels: 1e6 }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UnsupportedStudyFileError);
  expect((err as Error).message).toContain(`16-bit ${photometric} ${name} Lossless colour (16-bit RGB is read uncompressed, in RLE, JPEG Lossless and JPEG-LS)`);
  expect((err as Error).message).not.toMatch(/RGB in 16-bit words, are read/);
  // and its summary of what is read names 16-bit RGB, which it left out
  expect((err as Error).message).toMatch(/is not supported \(grey 8\/16\/32-bit, 8-bit RGB, YBR or palette colour, and 16-bit RGB, are\)\.$/);
});
