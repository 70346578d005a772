import * as dicomPixels from '../../../src/studies/dicom-pixels';
import { loadStudy } from '../../../src/studies/study-loader';
import { CorruptStudyError, SliceResolutionError, UnsupportedStudyFileError } from '../../../src/studies/study-errors';
import {
  CODEC_COLUMNS,
  CODEC_LIMITS,
  CODEC_ROWS,
  decodeSpy,
  encapsulatedDicom,
  errorOf,
  expectAbortStops,
  expectCorruptWhileDecoding,
  expectRefusedUndecoded,
  expectSamePixels,
  frameSamples,
  header,
  slices,
  values,
  withTurns,
} from '../../support/codec-spec';
import { el, mrDicom, MrOptions } from '../../support/dicom-pixel-fixtures';
import { edited, markerAt } from '../../support/jpeg-edits';
import { encodeLosslessJpeg, JPEG_LOSSLESS, JPEG_LOSSLESS_SV1, LosslessOptions } from '../../support/jpeg-lossless-fixtures';

/**
 * DICOM JPEG Lossless (.57, .70): the same pixels written native and JPEG Lossless-compressed give
 * the same decoded values, bit for bit (decodeFrame's modality values and the windowed slices the
 * models see), whatever the bit layout; a frame that lies about itself is a named 4xx before or
 * while it is decoded.
 */
const LIMITS = CODEC_LIMITS;

interface Case {
  name: string;
  /** native layout (Bits Allocated, Stored, High Bit, sign) and the words stored, all frames */
  native: Omit<MrOptions, 'words' | 'pixelData' | 'transferSyntax'>;
  words: number[];
  /** what the JPEG codes for each word: the stored value's bits (P = Bits Stored), or the whole word */
  sample: (word: number) => number;
  jpeg: Omit<LosslessOptions, 'width' | 'height'>;
  ts: string;
  /** fragments per frame, and whether a Basic Offset Table says where frames start */
  parts?: number;
  bot?: boolean;
}

const R = CODEC_ROWS;
const C = CODEC_COLUMNS;
const rescale = [el.ds(0x00281053, 0.5), el.ds(0x00281052, -1024)];
const cases: Case[] = [
  {
    name: '16-bit unsigned, all 16 bits stored, rescaled, SV1 (predictor 1)',
    native: { rows: R, columns: C, bitsAllocated: 16, extra: [...rescale, el.ds(0x00281050, 30000), el.ds(0x00281051, 60000)] },
    words: values(R * C, 16, 1),
    sample: (w) => w,
    jpeg: { precision: 16, predictor: 1 },
    ts: JPEG_LOSSLESS_SV1,
  },
  {
    name: '12 of 16 bits stored, signed, junk in the 4 high bits, predictor 6 (precision 12)',
    native: { rows: R, columns: C, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 1 },
    words: values(R * C, 12, 2).map((v, i) => v | ((i * 5) % 16) << 12),
    sample: (w) => w & 0xfff,
    jpeg: { precision: 12, predictor: 6 },
    ts: JPEG_LOSSLESS,
  },
  {
    name: '12 bits stored at High Bit 15 (the low 4 bits junk), the whole word coded (precision 16), predictor 4',
    native: { rows: R, columns: C, bitsAllocated: 16, bitsStored: 12, highBit: 15 },
    words: values(R * C, 16, 3),
    sample: (w) => w,
    jpeg: { precision: 16, predictor: 4 },
    ts: JPEG_LOSSLESS,
  },
  {
    name: '16-bit signed (CT-like range), Modality LUT-free rescale, predictor 7, restart every 8 lines',
    native: { rows: R, columns: C, bitsAllocated: 16, pixelRepresentation: 1, extra: [el.ds(0x00281053, 1), el.ds(0x00281052, 0)] },
    words: values(R * C, 16, 4),
    sample: (w) => w,
    jpeg: { precision: 16, predictor: 7, restartLines: 8 },
    ts: JPEG_LOSSLESS,
  },
  {
    name: '8-bit MONOCHROME1, predictor 5, fitted Huffman table',
    native: { rows: R, columns: C, bitsAllocated: 8, photometric: 'MONOCHROME1' },
    words: values(R * C, 8, 5),
    sample: (w) => w,
    jpeg: { precision: 8, predictor: 5, table: 'fitted' },
    ts: JPEG_LOSSLESS,
  },
  {
    name: '16-bit, low 2 bits zero, point transform 2, predictor 2',
    native: { rows: R, columns: C, bitsAllocated: 16 },
    words: values(R * C, 16, 6).map((v) => v & ~3),
    sample: (w) => w,
    jpeg: { precision: 16, predictor: 2, pointTransform: 2 },
    ts: JPEG_LOSSLESS,
  },
  {
    name: '3 frames, each in 3 fragments, no Basic Offset Table (frames found at their EOI markers), SV1',
    native: { rows: R, columns: C, bitsAllocated: 16, bitsStored: 14, frames: 3 },
    words: values(3 * R * C, 14, 7),
    sample: (w) => w,
    jpeg: { precision: 14, predictor: 1 },
    ts: JPEG_LOSSLESS_SV1,
    parts: 3,
  },
  {
    name: '2 frames, 2 fragments each, with a Basic Offset Table, predictor 3',
    native: { rows: R, columns: C, bitsAllocated: 16, bitsStored: 10, frames: 2 },
    words: values(2 * R * C, 10, 8),
    sample: (w) => w,
    jpeg: { precision: 10, predictor: 3 },
    ts: JPEG_LOSSLESS,
    parts: 2,
    bot: true,
  },
];

function compressed(c: Case): Buffer {
  const streams = frameSamples(c.words, c.native.frames ?? 1, c.sample).map((s) => encodeLosslessJpeg(s, { width: C, height: R, ...c.jpeg }));
  return encapsulatedDicom(c.native, c.ts, streams, c.parts, c.bot);
}

describe('JPEG Lossless DICOM decodes to exactly the native pixels', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const native = mrDicom({ ...c.native, words: c.words });
    const jpeg = compressed(c);
    expect(jpeg.length).toBeLessThan(native.length * 2); // a real JPEG stream, not raw words in disguise
    await expectSamePixels(native, jpeg, c.native.frames ?? 1);
  });

  it('a frame is decoded over several turns of the event loop, and stops at the next one once the request is aborted', async () => {
    const rows = 1024;
    const cols = 1024;
    const words = Array.from({ length: rows * cols }, (_, i) => (i * 7) & 0xfff);
    const file = mrDicom({ rows, columns: cols, bitsAllocated: 16, bitsStored: 12, transferSyntax: JPEG_LOSSLESS_SV1, pixelData: el.encapsulated([encodeLosslessJpeg(words, { width: cols, height: rows, precision: 12 })]) });
    const inst = await header(file);
    const { result: frame, turns } = await withTurns(() => dicomPixels.decodeFrame(inst, 0));
    expect(frame.kind === 'scalar' && frame.values[1000]).toBe(7000 & 0xfff);
    expect(turns).toBeGreaterThanOrEqual(15); // 1 MP in 16 bands of 64 Ki pixels: a turn between each two
    await expectAbortStops(inst);
  });
});

describe('JPEG Lossless frames that lie: a named 4xx, before decoding where the header tells', () => {
  const decode = decodeSpy();

  const px = values(R * C, 12, 9);
  const stream = (o: Partial<LosslessOptions> = {}) => encodeLosslessJpeg(px, { width: C, height: R, precision: 12, ...o });
  const file = (fragment: Uint8Array, o: Partial<MrOptions> = {}) =>
    mrDicom({ rows: R, columns: C, bitsAllocated: 16, bitsStored: 12, transferSyntax: JPEG_LOSSLESS_SV1, pixelData: el.encapsulated([fragment]), ...o });
  /** the stream with its frame header's height and width replaced */
  const claiming = (w: number, h: number) => {
    const b = Uint8Array.from(stream());
    const at = b.indexOf(0xc3) - 1;
    b.set([h >> 8, h & 0xff, w >> 8, w & 0xff], at + 5);
    return b;
  };

  it.each([
    ['a frame header declaring 60,000 × 60,000 (a decompression bomb)', file(claiming(60_000, 60_000)), SliceResolutionError, /declares 60000×60000 px, more than the 4,000,000 pixels a slice may have; it was refused without being decoded/],
    ['a frame header declaring 48 × 41 for 48 × 40', file(claiming(48, 41)), CorruptStudyError, /declares 48×41 px, but the DICOM header says 48×40/],
    ['16-bit samples in an 8-bit header', file(encodeLosslessJpeg(values(R * C, 16, 1), { width: C, height: R, precision: 16 }), { bitsAllocated: 8, bitsStored: 8 }), CorruptStudyError, /holds 16-bit samples, but the DICOM header declares 8 bits allocated/],
    ['a baseline JPEG under a lossless transfer syntax', file(Uint8Array.from([0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0, R, 0, C, 1, 1, 0x11, 0, 0xff, 0xd9])), CorruptStudyError, /frame type SOF0/],
    ['noise', file(Uint8Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) & 0xff)), CorruptStudyError, /JPEG Lossless pixel data of file 1 of 1 cannot be decoded: it does not start with a JPEG SOI marker/],
  ] as const)('%s → %p, nothing decoded', (_, bytes, type, message) => expectRefusedUndecoded(bytes, type, message, decode()));

  it.each([
    ['cut short in its entropy-coded data', file(stream().subarray(0, 900)), /cannot be decoded: its entropy-coded data end before/],
    ['a restart marker missing', file(edited(stream({ restartLines: 5 }), (b) => (b[markerAt(b, 0xd2) + 1] = 0xd7))), /restart marker 3 is missing/],
    ['a Huffman code its table does not define', file(edited(stream(), (b) => b.fill(0xff, b.length - 200, b.length - 2))), /cannot be decoded/],
  ] as const)('%s → 422 CORRUPT_IMAGE while decoding', (_, bytes, message) => expectCorruptWhileDecoding(bytes, message));

  it('colour JPEG Lossless does not define (4:2:2 chroma) → 415, 32-bit → 422, from the header (RGB and YBR_FULL are read: dicom-colour.spec.ts)', async () => {
    const sub = mrDicom({ rows: R, columns: C, bitsAllocated: 8, photometric: 'RGB', transferSyntax: JPEG_LOSSLESS, pixelData: el.encapsulated([stream()]), extra: [el.str(0x00280004, 'CS', 'YBR_FULL_422')] });
    const rgbErr = await errorOf(loadStudy([new Uint8Array(sub)], LIMITS));
    expect(rgbErr).toBeInstanceOf(UnsupportedStudyFileError);
    expect(rgbErr.message).toMatch(/YBR_FULL_422 JPEG Lossless colour is not supported/);
    const wide = await errorOf(loadStudy([new Uint8Array(file(stream(), { bitsAllocated: 32, bitsStored: 32 }))], LIMITS));
    expect(wide).toMatchObject({ statusCode: 422, code: 'CORRUPT_IMAGE' });
    expect(wide.message).toMatch(/32-bit JPEG Lossless/);
    expect(decode()).not.toHaveBeenCalled();
  });

  it('a 3-component frame in a grey header → 422, nothing decoded', async () => {
    const b = Uint8Array.from(stream());
    const at = b.indexOf(0xc3) - 1;
    // Nf 3 with three component specs: the segment grows by 6 bytes
    const sof = [0xff, 0xc3, 0, 17, 12, 0, R, 0, C, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0];
    const three = Uint8Array.from([...b.subarray(0, at), ...sof, ...b.subarray(at + 13)]);
    const err = await errorOf(loadStudy([new Uint8Array(file(three))], LIMITS));
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect(err.message).toMatch(/has 3 components, but the DICOM header declares 1 samples per pixel/);
    expect(decode()).not.toHaveBeenCalled();
  });

  it('a correct frame still loads', async () => {
    expect(await slices(file(stream()))).toHaveLength(1);
    expect(decode()).toHaveBeenCalledTimes(1);
  });
});
