import { codecThread } from '../../../src/studies/codec-thread';
import * as dicomPixels from '../../../src/studies/dicom-pixels';
import { loadStudy } from '../../../src/studies/study-loader';
import { CorruptStudyError, SliceResolutionError, UnsupportedStudyFileError } from '../../../src/studies/study-errors';
import { CODEC_COLUMNS, CODEC_LIMITS, CODEC_ROWS, encapsulatedDicom, errorOf, expectSamePixels, frameSamples, header, slices, values, withTurns } from '../../support/codec-spec';
import { el, mrDicom, MrOptions } from '../../support/dicom-pixel-fixtures';
import { encodeJ2k, encodeJpegLs, WasmEncodeOptions } from '../../support/wasm-encoders';

/**
 * DICOM JPEG-LS (.80, .81) and JPEG 2000 (.90, .91), decoded by the WebAssembly codecs in the codec
 * thread: the lossless syntaxes give exactly the native pixels (decodeFrame's modality values and
 * the windowed slices), whatever the bit layout; frames that lie are a named 4xx, from their header
 * before anything is decoded where it tells; the decode runs off the event loop and stops on abort.
 */
const LIMITS = CODEC_LIMITS;
const JLS = '1.2.840.10008.1.2.4.80';
const JLS_NEAR = '1.2.840.10008.1.2.4.81';
const J2K = '1.2.840.10008.1.2.4.90';
const J2K_LOSSY = '1.2.840.10008.1.2.4.91';
const R = CODEC_ROWS;
const C = CODEC_COLUMNS;

afterAll(() => codecThread.end());

type Encode = (samples: ArrayLike<number>, o: WasmEncodeOptions) => Promise<Uint8Array>;
interface Case {
  name: string;
  native: Omit<MrOptions, 'words' | 'pixelData' | 'transferSyntax'>;
  words: number[];
  /** what the codec codes for each word */
  sample: (word: number) => number;
  encode: Encode;
  opts: Omit<WasmEncodeOptions, 'width' | 'height'>;
  ts: string;
  parts?: number;
  bot?: boolean;
}

const sext12 = (w: number) => ((w & 0xfff) << 20) >> 20; // the 12-bit two's complement value
const cases: Case[] = [
  { name: 'JPEG-LS, 16 bits stored, rescaled', native: { rows: R, columns: C, bitsAllocated: 16, extra: [el.ds(0x00281053, 0.5), el.ds(0x00281052, -1024)] }, words: values(R * C, 16, 1), sample: (w) => w, encode: encodeJpegLs, opts: { bits: 16 }, ts: JLS },
  { name: 'JPEG-LS, 12 of 16 bits stored, signed, junk high bits', native: { rows: R, columns: C, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 1 }, words: values(R * C, 12, 2).map((v, i) => v | ((i * 5) % 16) << 12), sample: (w) => w & 0xfff, encode: encodeJpegLs, opts: { bits: 12 }, ts: JLS },
  { name: 'JPEG-LS, 8-bit MONOCHROME1', native: { rows: R, columns: C, bitsAllocated: 8, photometric: 'MONOCHROME1' }, words: values(R * C, 8, 3), sample: (w) => w, encode: encodeJpegLs, opts: { bits: 8 }, ts: JLS },
  { name: 'JPEG-LS, 3 frames in 3 fragments each, no Basic Offset Table (split at EOI)', native: { rows: R, columns: C, bitsAllocated: 16, bitsStored: 14, frames: 3 }, words: values(3 * R * C, 14, 4), sample: (w) => w, encode: encodeJpegLs, opts: { bits: 14 }, ts: JLS, parts: 3 },
  { name: 'JPEG 2000, 16 bits stored', native: { rows: R, columns: C, bitsAllocated: 16 }, words: values(R * C, 16, 5), sample: (w) => w, encode: encodeJ2k, opts: { bits: 16 }, ts: J2K },
  { name: 'JPEG 2000, 12 of 16 bits stored, signed samples, junk high bits', native: { rows: R, columns: C, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 1 }, words: values(R * C, 12, 6).map((v, i) => v | ((i * 3) % 16) << 12), sample: sext12, encode: encodeJ2k, opts: { bits: 12, signed: true }, ts: J2K },
  { name: 'JPEG 2000, 8-bit, no wavelet levels', native: { rows: R, columns: C, bitsAllocated: 8 }, words: values(R * C, 8, 7), sample: (w) => w, encode: encodeJ2k, opts: { bits: 8, levels: 0 }, ts: J2K },
  { name: 'JPEG 2000, 8-bit samples in 16-bit words, 2 frames in 2 fragments each with a Basic Offset Table', native: { rows: R, columns: C, bitsAllocated: 16, bitsStored: 8, frames: 2 }, words: values(2 * R * C, 8, 8), sample: (w) => w, encode: encodeJ2k, opts: { bits: 8 }, ts: J2K, parts: 2, bot: true },
];

async function compressed(c: Case): Promise<Buffer> {
  const streams: Uint8Array[] = [];
  for (const s of frameSamples(c.words, c.native.frames ?? 1, c.sample)) streams.push(await c.encode(s, { width: C, height: R, ...c.opts }));
  return encapsulatedDicom(c.native, c.ts, streams, c.parts, c.bot);
}

describe('JPEG-LS and JPEG 2000 DICOM decode to exactly the native pixels', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const native = mrDicom({ ...c.native, words: c.words });
    await expectSamePixels(native, await compressed(c), c.native.frames ?? 1);
  });

  it.each([
    ['JPEG-LS near-lossless (NEAR 3)', JLS_NEAR, () => encodeJpegLs(values(R * C, 12, 9), { width: C, height: R, bits: 12, near: 3 }), 3],
    ['JPEG 2000 irreversible', J2K_LOSSY, () => encodeJ2k(values(R * C, 12, 9), { width: C, height: R, bits: 12, lossy: true }), 4095],
  ] as const)('%s: decoded, every value within the codec’s loss', async (_, ts, encode, loss) => {
    const native = await dicomPixels.decodeFrame(await header(mrDicom({ rows: R, columns: C, bitsAllocated: 16, bitsStored: 12, words: values(R * C, 12, 9) })), 0);
    const lossy = await dicomPixels.decodeFrame(await header(mrDicom({ rows: R, columns: C, bitsAllocated: 16, bitsStored: 12, transferSyntax: ts, pixelData: el.encapsulated([await encode()]) })), 0);
    if (native.kind !== 'scalar' || lossy.kind !== 'scalar') throw new Error('expected grey');
    const diff = native.values.reduce((m, v, i) => Math.max(m, Math.abs(v - lossy.values[i])), 0);
    expect(diff).toBeLessThanOrEqual(loss);
    expect(lossy.values.some((v, i) => v !== native.values[i]) || ts === JLS_NEAR).toBe(true);
  });
});

describe('the codec thread: off the event loop, cancellable, no global side effects', () => {
  const big = (side: number) => values(side * side, 12, 11).map((v, i) => (v + i) & 0xfff);

  it('a 1024² JPEG 2000 frame decodes while the event loop keeps turning; an aborted one stops, and the next decodes', async () => {
    const side = 1024;
    const j2k = await encodeJ2k(big(side), { width: side, height: side, bits: 12 });
    const inst = await header(mrDicom({ rows: side, columns: side, bitsAllocated: 16, bitsStored: 12, transferSyntax: J2K, pixelData: el.encapsulated([j2k]) }));
    const listeners = ['uncaughtException', 'unhandledRejection', 'exit'].map((e) => process.listenerCount(e));
    const { result: frame, turns } = await withTurns(() => dicomPixels.decodeFrame(inst, 0));
    expect(frame.kind === 'scalar' && frame.values[5]).toBe(big(side)[5]);
    expect(turns).toBeGreaterThan(10); // the main thread was free while the worker decoded
    expect(['uncaughtException', 'unhandledRejection', 'exit'].map((e) => process.listenerCount(e))).toEqual(listeners);

    const ac = new AbortController();
    const reason = new Error('client gone');
    setImmediate(() => ac.abort(reason));
    await expect(dicomPixels.decodeFrame(inst, 0, ac.signal)).rejects.toBe(reason);
    const again = await dicomPixels.decodeFrame(inst, 0);
    expect(again).toEqual(frame);
  });
});

describe('JPEG-LS and JPEG 2000 frames that lie: a named 4xx', () => {
  let decode: jest.SpyInstance;
  beforeEach(() => (decode = jest.spyOn(dicomPixels, 'decodeFrame')));
  afterEach(() => decode.mockRestore());

  const px = values(R * C, 12, 12);
  const file = (ts: string, fragment: Uint8Array, o: Partial<MrOptions> = {}) => mrDicom({ rows: R, columns: C, bitsAllocated: 16, bitsStored: 12, transferSyntax: ts, pixelData: el.encapsulated([fragment]), ...o });
  /** JPEG-LS with its SOF55 size replaced */
  const lsClaiming = async (w: number, h: number) => {
    const b = Uint8Array.from(await encodeJpegLs(px, { width: C, height: R, bits: 12 }));
    const at = b.findIndex((v, i) => v === 0xff && b[i + 1] === 0xf7);
    b.set([h >> 8, h & 0xff, w >> 8, w & 0xff], at + 5);
    return b;
  };
  /** JPEG 2000 with its SIZ size replaced */
  const j2kClaiming = async (w: number, h: number) => {
    const b = Uint8Array.from(await encodeJ2k(px, { width: C, height: R, bits: 12 }));
    new DataView(b.buffer).setUint32(8, w);
    new DataView(b.buffer).setUint32(12, h);
    return b;
  };

  it.each([
    ['JPEG-LS declaring 60,000 × 60,000', JLS, () => lsClaiming(60_000, 60_000), SliceResolutionError, /JPEG-LS frame header of file 1 of 1 declares 60000×60000 px, more than the 4,000,000 pixels/],
    ['JPEG 2000 declaring 60,000 × 60,000', J2K, () => j2kClaiming(60_000, 60_000), SliceResolutionError, /JPEG 2000 frame header of file 1 of 1 declares 60000×60000 px, more than/],
    ['JPEG-LS declaring 48 × 41 for 48 × 40', JLS, () => lsClaiming(48, 41), CorruptStudyError, /declares 48×41 px, but the DICOM header says 48×40/],
    ['JPEG 2000 declaring 49 × 40 for 48 × 40', J2K, () => j2kClaiming(49, 40), CorruptStudyError, /declares 49×40 px, but the DICOM header says 48×40/],
    ['16-bit JPEG-LS samples in an 8-bit header', JLS, () => encodeJpegLs(values(R * C, 16, 1), { width: C, height: R, bits: 16 }), CorruptStudyError, /holds 16-bit samples, but the DICOM header declares 8 bits allocated/],
    ['noise as JPEG 2000', J2K, async () => Uint8Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) & 0xff), CorruptStudyError, /JPEG 2000 pixel data of file 1 of 1 cannot be decoded: it does not start with a JPEG 2000 codestream/],
    ['a JPEG-LS stream under JPEG 2000', J2K, () => encodeJpegLs(px, { width: C, height: R, bits: 12 }), CorruptStudyError, /does not start with a JPEG 2000 codestream/],
    ['a JPEG 2000 stream under JPEG-LS', JLS, () => encodeJ2k(px, { width: C, height: R, bits: 12 }), CorruptStudyError, /does not start with a JPEG SOI marker/],
    // cut JPEG-LS streams held CharLS for ~16 s (codec-thread.spec.ts): refused before they reach it
    ['a JPEG-LS stream cut after 50 bytes', JLS, () => encodeJpegLs(px, { width: C, height: R, bits: 12 }).then((b) => b.subarray(0, 50)), CorruptStudyError, /does not end with an EOI marker \(cut short\)/],
  ] as const)('%s → 422 from the header, nothing decoded', async (_, ts, stream, type, message) => {
    const bytes = await stream();
    const err = await errorOf(loadStudy([new Uint8Array(file(ts, bytes, message.source.includes('8 bits') ? { bitsAllocated: 8, bitsStored: 8 } : {}))], LIMITS));
    expect(err).toBeInstanceOf(type);
    expect(err).toMatchObject({ statusCode: 422 });
    expect(err.message).toMatch(message);
    expect(decode).not.toHaveBeenCalled();
  });

  it.each([
    ['JPEG-LS cut in half', JLS, () => encodeJpegLs(px, { width: C, height: R, bits: 12 }).then((b) => b.subarray(0, b.length >> 1))],
    ['JPEG 2000 cut in half', J2K, () => encodeJ2k(px, { width: C, height: R, bits: 12 }).then((b) => b.subarray(0, b.length >> 1))],
    ['JPEG-LS whose scan is noise', JLS, () => encodeJpegLs(px, { width: C, height: R, bits: 12 }).then((b) => Uint8Array.from(b, (v, i) => (i > 40 && i < b.length - 2 ? (i * 7919) & 0x7f : v)))],
  ] as const)('%s → 422 CORRUPT_IMAGE, and the codec thread still decodes the next frame', async (_, ts, stream) => {
    const err = await errorOf(loadStudy([new Uint8Array(file(ts, await stream()))], LIMITS));
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect(err).toMatchObject({ statusCode: 422, code: 'CORRUPT_IMAGE' });
    expect(await slices(file(ts, await (ts === JLS ? encodeJpegLs : encodeJ2k)(px, { width: C, height: R, bits: 12 })))).toHaveLength(1);
  });

  it('signed JPEG 2000 of 8 bits → 415 from the header (the OpenJPEG build clamps its negative samples to 0), nothing decoded', async () => {
    const samples = values(R * C, 8, 13);
    const j2k = await encodeJ2k(samples, { width: C, height: R, bits: 8, signed: true });
    const err = await errorOf(loadStudy([new Uint8Array(mrDicom({ rows: R, columns: C, bitsAllocated: 8, pixelRepresentation: 1, transferSyntax: J2K, pixelData: el.encapsulated([j2k]) }))], LIMITS));
    expect(err).toBeInstanceOf(UnsupportedStudyFileError);
    expect(err.message).toMatch(/signed JPEG 2000 of 8 bits is not supported/);
    expect(decode).not.toHaveBeenCalled();
  });

  it('colour it does not define (4:2:2 chroma) → 415, 32-bit → 422, from the header (RGB, YBR_FULL, YBR_RCT / ICT are read: dicom-colour.spec.ts)', async () => {
    const sub = mrDicom({ rows: R, columns: C, bitsAllocated: 8, photometric: 'RGB', transferSyntax: J2K, pixelData: el.encapsulated([new Uint8Array(100)]), extra: [el.str(0x00280004, 'CS', 'YBR_FULL_422')] });
    const rgbErr = await errorOf(loadStudy([new Uint8Array(sub)], LIMITS));
    expect(rgbErr).toBeInstanceOf(UnsupportedStudyFileError);
    expect(rgbErr.message).toMatch(/YBR_FULL_422 JPEG 2000 Lossless colour is not supported/);
    const wide = await errorOf(loadStudy([new Uint8Array(file(JLS, new Uint8Array(100), { bitsAllocated: 32, bitsStored: 32 }))], LIMITS));
    expect(wide).toMatchObject({ statusCode: 422, code: 'CORRUPT_IMAGE' });
    expect(wide.message).toMatch(/32-bit JPEG-LS Lossless/);
    expect(decode).not.toHaveBeenCalled();
  });
});
