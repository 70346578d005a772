import sharp from 'sharp';
import * as dicomPixels from '../../../src/studies/dicom-pixels';
import { loadStudy } from '../../../src/studies/study-loader';
import { CorruptStudyError, SliceResolutionError } from '../../../src/studies/study-errors';
import { CODEC_COLUMNS, CODEC_LIMITS, CODEC_ROWS, encapsulatedDicom, errorOf, header, slices } from '../../support/codec-spec';
import { el, mrDicom, MrOptions } from '../../support/dicom-pixel-fixtures';
import { encodeDctJpeg, JPEG_EXTENDED, phantom } from '../../support/jpeg-dct-fixtures';
import { JPEG_BASELINE } from '../../support/jpeg-dicom-fixtures';

/**
 * 12-bit DCT JPEG in a file labelled JPEG Baseline (.50), as several older vendor exports write it:
 * libvips reads 8-bit JPEG only and refused these frames (422), so a .50 file of 16-bit grey words is
 * read as JPEG Extended (.51) is — the same decoder, the same header checks before any frame is
 * decoded — while .50 in 8-bit words stays on libvips.
 */
const R = CODEC_ROWS;
const C = CODEC_COLUMNS;
const twelveBit: Omit<MrOptions, 'words' | 'pixelData' | 'transferSyntax'> = {
  rows: R,
  columns: C,
  bitsAllocated: 16,
  bitsStored: 12,
  frames: 3,
  extra: [el.ds(0x00281053, 0.5), el.ds(0x00281052, -1024)],
};
const streams = (o: { quality?: number; frameType?: number } = {}) =>
  [0, 1, 2].map((f) => encodeDctJpeg(phantom(C, R, 12, 3 + f), { width: C, height: R, precision: 12, ...o }).stream);

describe('12-bit JPEG labelled JPEG Baseline (.50)', () => {
  it('a 3-frame 12-bit series gives the modality values and windowed slices of the same series labelled JPEG Extended', async () => {
    const coded = streams({ quality: 75 });
    const mislabelled = encapsulatedDicom(twelveBit, JPEG_BASELINE, coded);
    const extended = encapsulatedDicom(twelveBit, JPEG_EXTENDED, coded);
    const [a, b] = await Promise.all([header(mislabelled), header(extended)]);
    for (let f = 0; f < 3; f++) {
      const [x, y] = await Promise.all([dicomPixels.decodeFrame(a, f), dicomPixels.decodeFrame(b, f)]);
      expect(x.kind).toBe('scalar');
      expect(x).toEqual(y);
    }
    const [sa, sb] = await Promise.all([slices(mislabelled), slices(extended)]);
    expect(sa).toHaveLength(3);
    expect(sa).toEqual(sb);
  });

  it('10 of 16 bits stored: a lossy overshoot is clipped to Bits Stored as under .51, not wrapped to black', async () => {
    const side = 64;
    const inDisc = (i: number) => Math.hypot((i % side) - 32, Math.floor(i / side) - 32) < 20;
    const { stream, expected } = encodeDctJpeg(Array.from({ length: side * side }, (_, i) => (inDisc(i) ? 1023 : 0)), { width: side, height: side, precision: 12, quality: 30 });
    expect(Math.max(...expected)).toBeGreaterThan(1023);
    const d = await dicomPixels.decodeFrame(await header(mrDicom({ rows: side, columns: side, bitsAllocated: 16, bitsStored: 10, transferSyntax: JPEG_BASELINE, pixelData: el.encapsulated([stream]) })), 0);
    if (d.kind !== 'scalar') throw new Error('expected grey');
    expect(Math.min(...d.values.filter((_, i) => inDisc(i)))).toBeGreaterThan(920);
    expect(Math.max(...d.values)).toBe(1023);
  });

  it('an 8-bit stream (written by sharp, mozjpeg): through libvips in 8-bit words, through the DCT decoder in 16-bit words, every value within 1', async () => {
    const src = Uint8Array.from(phantom(C, R, 8, 5));
    const jpeg = new Uint8Array(await sharp(Buffer.from(src), { raw: { width: C, height: R, channels: 1 } }).toColourspace('b-w').jpeg({ quality: 75 }).toBuffer());
    const eight = await header(mrDicom({ rows: R, columns: C, bitsAllocated: 8, transferSyntax: JPEG_BASELINE, pixelData: el.encapsulated([jpeg]) }));
    const sixteen = await header(mrDicom({ rows: R, columns: C, bitsAllocated: 16, bitsStored: 8, transferSyntax: JPEG_BASELINE, pixelData: el.encapsulated([jpeg]) }));
    const [x, y] = await Promise.all([dicomPixels.decodeFrame(eight, 0), dicomPixels.decodeFrame(sixteen, 0)]);
    if (x.kind !== 'scalar' || y.kind !== 'scalar') throw new Error('expected grey');
    expect(x.values.reduce((m, v, i) => Math.max(m, Math.abs(v - y.values[i])), 0)).toBeLessThanOrEqual(1);
    expect(x.values.some((v, i) => v !== src[i])).toBe(true); // lossy: the comparison is of two decoders, not of a copy
  });
});

describe('12-bit JPEG labelled JPEG Baseline that lies: refused from its frame header, nothing decoded', () => {
  let decode: jest.SpyInstance;
  beforeEach(() => (decode = jest.spyOn(dicomPixels, 'decodeFrame')));
  afterEach(() => decode.mockRestore());

  const bomb = (s: Uint8Array) => {
    const b = Uint8Array.from(s);
    b.set([0xea, 0x60, 0xea, 0x60], b.findIndex((v, i) => v === 0xff && b[i + 1] === 0xc1) + 5);
    return b;
  };

  it.each([
    ['the third frame declaring 60,000 × 60,000', () => encapsulatedDicom(twelveBit, JPEG_BASELINE, streams().map((s, f) => (f === 2 ? bomb(s) : s))), SliceResolutionError, /JPEG Baseline frame header of frame 3 of file 1 of 1 declares 60000×60000 px, more than the 4,000,000 pixels/],
    ['12-bit samples in 8-bit words (libvips failed on them once decoding)', () => encapsulatedDicom({ ...twelveBit, bitsAllocated: 8, bitsStored: 8 }, JPEG_BASELINE, streams()), CorruptStudyError, /JPEG frame of frame 1 of file 1 of 1 holds 12-bit samples, but the DICOM header declares 8 bits allocated/],
    ['a 16-bit-word frame that is not sequential DCT (progressive)', () => encapsulatedDicom(twelveBit, JPEG_BASELINE, streams().map((s) => ((b) => ((b[b.findIndex((v, i) => v === 0xff && b[i + 1] === 0xc1) + 1] = 0xc2), b))(Uint8Array.from(s)))), CorruptStudyError, /JPEG Baseline pixel data of frame 1 of file 1 of 1 cannot be decoded: it is a progressive \(SOF2\) JPEG/],
  ] as const)('%s → 422, nothing decoded', async (_, file, type, message) => {
    const err = await errorOf(loadStudy([new Uint8Array(file())], CODEC_LIMITS));
    expect(err).toBeInstanceOf(type);
    expect(err).toMatchObject({ statusCode: 422 });
    expect(err.message).toMatch(message);
    expect(decode).not.toHaveBeenCalled();
  });
});
