import { codecThread } from '../../../src/studies/codec-thread';
import * as dicomPixels from '../../../src/studies/dicom-pixels';
import { loadStudy } from '../../../src/studies/study-loader';
import { CorruptStudyError, SliceResolutionError, UnsupportedStudyFileError, UnsupportedTransferSyntaxError } from '../../../src/studies/study-errors';
import { decodeWasm } from '../../../src/studies/wasm-codecs';
import { CODEC_COLUMNS, CODEC_LIMITS, CODEC_ROWS, encapsulatedDicom, errorOf, expectSamePixels, frameSamples, header, slices, values, withTurns } from '../../support/codec-spec';
import { el, mrDicom, MrOptions } from '../../support/dicom-pixel-fixtures';
import { encodeHtj2k, encodeJ2k, HTJ2K_ORDER } from '../../support/wasm-encoders';

/**
 * DICOM HTJ2K (.201 lossless, .202 lossless RPCL, .203), decoded by OpenJPH's WebAssembly build in
 * the codec thread: the lossless syntaxes give exactly the native pixels — signed samples of ≤ 8
 * bits included, which the OpenJPEG build (JPEG 2000) clamped — and streams that lie or are cut
 * are a named 4xx before anything is decoded (OpenJPH itself decodes a cut stream to zeros).
 */
const LIMITS = CODEC_LIMITS;
const HT = '1.2.840.10008.1.2.4.201';
const HT_RPCL = '1.2.840.10008.1.2.4.202';
const HT_LOSSY = '1.2.840.10008.1.2.4.203';
const R = CODEC_ROWS;
const C = CODEC_COLUMNS;

afterAll(() => codecThread.end());

interface Case {
  name: string;
  native: Omit<MrOptions, 'words' | 'pixelData' | 'transferSyntax'>;
  words: number[];
  /** what the codec codes for each word (two's complement in the low `bits` bits when signed) */
  sample: (word: number) => number;
  bits: number;
  signed?: boolean;
  order?: number;
  ts: string;
  parts?: number;
  bot?: boolean;
}

const low = (bits: number) => (w: number) => w & (2 ** bits - 1);
/** the signed value of the word's low `bits` bits: what a signed sample is, and what the decoder gives back (sign-extended) */
const sext = (bits: number) => (w: number) => ((w & (2 ** bits - 1)) << (32 - bits)) >> (32 - bits);
const cases: Case[] = [
  { name: '16 bits stored, rescaled, LRCP', native: { rows: R, columns: C, bitsAllocated: 16, extra: [el.ds(0x00281053, 0.5), el.ds(0x00281052, -1024)] }, words: values(R * C, 16, 1), sample: low(16), bits: 16, order: HTJ2K_ORDER.LRCP, ts: HT },
  { name: '16 bits stored, signed', native: { rows: R, columns: C, bitsAllocated: 16, pixelRepresentation: 1 }, words: values(R * C, 16, 2), sample: sext(16), bits: 16, signed: true, ts: HT },
  { name: '12 of 16 bits stored, signed, junk high bits', native: { rows: R, columns: C, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 1 }, words: values(R * C, 12, 3).map((v, i) => v | ((i * 3) % 16) << 12), sample: sext(12), bits: 12, signed: true, ts: HT },
  { name: '8-bit signed (OpenJPEG clamped these)', native: { rows: R, columns: C, bitsAllocated: 8, pixelRepresentation: 1 }, words: values(R * C, 8, 4), sample: sext(8), bits: 8, signed: true, ts: HT },
  { name: '8-bit signed samples in 16-bit words', native: { rows: R, columns: C, bitsAllocated: 16, bitsStored: 8, pixelRepresentation: 1 }, words: values(R * C, 8, 5), sample: sext(8), bits: 8, signed: true, ts: HT },
  { name: '8-bit MONOCHROME1', native: { rows: R, columns: C, bitsAllocated: 8, photometric: 'MONOCHROME1' }, words: values(R * C, 8, 6), sample: low(8), bits: 8, ts: HT },
  { name: 'RPCL (.202), 14 of 16 bits, 2 frames in 2 fragments each with a Basic Offset Table', native: { rows: R, columns: C, bitsAllocated: 16, bitsStored: 14, frames: 2 }, words: values(2 * R * C, 14, 7), sample: low(14), bits: 14, order: HTJ2K_ORDER.RPCL, ts: HT_RPCL, parts: 2, bot: true },
  { name: '3 frames in 3 fragments each, no Basic Offset Table (split at EOC)', native: { rows: R, columns: C, bitsAllocated: 16, bitsStored: 12, frames: 3 }, words: values(3 * R * C, 12, 8), sample: low(12), bits: 12, ts: HT, parts: 3 },
];

async function compressed(c: Case): Promise<Buffer> {
  const streams: Uint8Array[] = [];
  for (const s of frameSamples(c.words, c.native.frames ?? 1, c.sample)) streams.push(await encodeHtj2k(s, { width: C, height: R, bits: c.bits, signed: c.signed, order: c.order }));
  return encapsulatedDicom(c.native, c.ts, streams, c.parts, c.bot);
}

describe('HTJ2K DICOM decodes to exactly the native pixels', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const native = mrDicom({ ...c.native, words: c.words });
    await expectSamePixels(native, await compressed(c), c.native.frames ?? 1);
  });

  it('irreversible HTJ2K (.203): decoded, every value within the quantisation loss, and not all exact', async () => {
    const words = values(R * C, 12, 9);
    const o = { rows: R, columns: C, bitsAllocated: 16, bitsStored: 12 } as const;
    const native = await dicomPixels.decodeFrame(await header(mrDicom({ ...o, words })), 0);
    const stream = await encodeHtj2k(words, { width: C, height: R, bits: 12, lossy: true });
    const lossy = await dicomPixels.decodeFrame(await header(mrDicom({ ...o, transferSyntax: HT_LOSSY, pixelData: el.encapsulated([stream]) })), 0);
    if (native.kind !== 'scalar' || lossy.kind !== 'scalar') throw new Error('expected grey');
    const diff = native.values.reduce((m, v, i) => Math.max(m, Math.abs(v - lossy.values[i])), 0);
    expect(diff).toBeLessThanOrEqual(LOSSY_BOUND);
    expect(lossy.values.some((v, i) => v !== native.values[i])).toBe(true);
  });

  // ringing around a saturated edge overshoots the sample range; OpenJPH saturates 8- and 16-bit output itself
  // (measured: no wrapped sample at steps 0.005–0.1, errors up to 30 / 7,799), 9–15-bit output is clipped by clampSamples
  it.each([
    [8, 8, 0.1],
    [16, 16, 0.05],
    [12, 16, 0.05],
  ] as const)('irreversible HTJ2K, %i bits in %i-bit words, coarse step %d: a saturated white disc stays white, nothing wraps', async (bits, bitsAllocated, step) => {
    const max = 2 ** bits - 1;
    const inDisc = (i: number) => Math.hypot((i % C) - C / 2, Math.floor(i / C) - R / 2) < R / 3;
    const words = Array.from({ length: R * C }, (_, i) => (inDisc(i) ? max : (i >> 1) & 1 ? Math.round(max * 0.9) : 0));
    const stream = await encodeHtj2k(words, { width: C, height: R, bits, lossy: true, step });
    const o = { rows: R, columns: C, bitsAllocated, bitsStored: bits, transferSyntax: HT_LOSSY, pixelData: el.encapsulated([stream]) };
    const lossy = await dicomPixels.decodeFrame(await header(mrDicom(o)), 0);
    if (lossy.kind !== 'scalar') throw new Error('expected grey');
    const disc = lossy.values.filter((_, i) => inDisc(i));
    expect(Math.min(...disc)).toBeGreaterThan(max * 0.75);
    expect(lossy.values.every((v, i) => Math.abs(v - words[i]) < max / 2)).toBe(true);
  });
});

describe('the OpenJPH module: loaded from its package, no global side effects; decoded off the event loop', () => {
  it('loading and decoding in this thread adds no process listeners and no globals', async () => {
    const events = ['uncaughtException', 'unhandledRejection', 'exit'];
    const listeners = events.map((e) => process.listenerCount(e));
    const globals = Object.keys(globalThis).length;
    const frame = await decodeWasm('htj2k', await encodeHtj2k(values(R * C, 12, 10), { width: C, height: R, bits: 12 }));
    expect(frame).toMatchObject({ width: C, height: R, bitsPerSample: 12, componentCount: 1 });
    expect(events.map((e) => process.listenerCount(e))).toEqual(listeners);
    expect(Object.keys(globalThis).length).toBe(globals);
  });

  it('a 1024² frame decodes in the codec thread while the event loop keeps turning', async () => {
    const side = 1024;
    const px = values(side * side, 12, 11).map((v, i) => (v + i) & 0xfff);
    const ht = await encodeHtj2k(px, { width: side, height: side, bits: 12 });
    const inst = await header(mrDicom({ rows: side, columns: side, bitsAllocated: 16, bitsStored: 12, transferSyntax: HT, pixelData: el.encapsulated([ht]) }));
    const { result, turns } = await withTurns(() => dicomPixels.decodeFrame(inst, 0));
    expect(result.kind === 'scalar' && [result.values[5], result.values[side * side - 1]]).toEqual([px[5], px[side * side - 1]]);
    expect(turns).toBeGreaterThan(2);
  });
});

/** Irreversible HTJ2K at step 0.001 left these 12-bit values within 4 (measured), once decoded samples are clipped to 12 bits (wasm-codecs.ts clampSamples; unclipped, a white 4095 came back 4096 and read as 0). */
const LOSSY_BOUND = 8;

describe('HTJ2K frames that lie or are cut: a named 4xx', () => {
  let decode: jest.SpyInstance;
  beforeEach(() => (decode = jest.spyOn(dicomPixels, 'decodeFrame')));
  afterEach(() => decode.mockRestore());

  const px = values(R * C, 12, 12);
  const stream = () => encodeHtj2k(px, { width: C, height: R, bits: 12 });
  const file = (fragment: Uint8Array, o: Partial<MrOptions> = {}) => mrDicom({ rows: R, columns: C, bitsAllocated: 16, bitsStored: 12, transferSyntax: HT, pixelData: el.encapsulated([fragment]), ...o });
  const claiming = async (w: number, h: number) => {
    const b = Uint8Array.from(await stream());
    new DataView(b.buffer).setUint32(8, w);
    new DataView(b.buffer).setUint32(12, h);
    return b;
  };
  const cut = (n: (length: number) => number) => stream().then((b) => b.subarray(0, n(b.length)));

  it.each([
    ['declaring 60,000 × 60,000', () => claiming(60_000, 60_000), SliceResolutionError, /HTJ2K frame header of file 1 of 1 declares 60000×60000 px, more than the 4,000,000 pixels/],
    ['declaring 49 × 40 for 48 × 40', () => claiming(49, 40), CorruptStudyError, /declares 49×40 px, but the DICOM header says 48×40/],
    ['16-bit samples in an 8-bit header', () => encodeHtj2k(values(R * C, 16, 1), { width: C, height: R, bits: 16 }), CorruptStudyError, /holds 16-bit samples, but the DICOM header declares 8 bits allocated/],
    ['noise', async () => Uint8Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) & 0xff), CorruptStudyError, /HTJ2K pixel data of file 1 of 1 cannot be decoded: it does not start with a JPEG 2000 codestream/],
    ['a JPEG 2000 (Part 1) stream', () => encodeJ2k(px, { width: C, height: R, bits: 12 }), CorruptStudyError, /declares no HTJ2K \(Part 15\) coding/],
    ['a stream cut in half', () => cut((n) => n >> 1), CorruptStudyError, /tile-parts do not run to an EOC marker at its end \(cut short or damaged\)/],
    ['a stream without its EOC marker', () => cut((n) => n - 2), CorruptStudyError, /tile-parts do not run to an EOC marker/],
    ['a stream cut in its main header', () => cut(() => 60), CorruptStudyError, /its main header is cut off or damaged/],
    ['a stream whose bytes after SIZ are noise', () => stream().then((b) => Uint8Array.from(b, (v, i) => (i >= 45 ? (i * 7919) & 0xff : v))), CorruptStudyError, /cannot be decoded/],
  ] as const)('%s → 422 from the header, nothing decoded', async (_, bytes, type, message) => {
    const err = await errorOf(loadStudy([new Uint8Array(file(await bytes(), message.source.includes('8 bits') ? { bitsAllocated: 8, bitsStored: 8 } : {}))], LIMITS));
    expect(err).toBeInstanceOf(type);
    expect(err).toMatchObject({ statusCode: 422 });
    expect(err.message).toMatch(message);
    expect(decode).not.toHaveBeenCalled();
  });

  it('a stream padded to an even length with a 00 byte is read', async () => {
    const b = await stream();
    const padded = b.length % 2 ? Uint8Array.from([...b, 0]) : b;
    expect(await slices(file(padded))).toHaveLength(1);
  });

  it('colour it does not define (4:2:2 chroma) → 415 from the header (RGB, YBR_FULL, YBR_RCT / ICT are read: dicom-colour.spec.ts)', async () => {
    const sub = mrDicom({ rows: R, columns: C, bitsAllocated: 8, photometric: 'RGB', transferSyntax: HT, pixelData: el.encapsulated([new Uint8Array(100)]), extra: [el.str(0x00280004, 'CS', 'YBR_FULL_422')] });
    const err = await errorOf(loadStudy([new Uint8Array(sub)], LIMITS));
    expect(err).toBeInstanceOf(UnsupportedStudyFileError);
    expect(err.message).toMatch(/YBR_FULL_422 HTJ2K Lossless colour is not supported/);
    expect(err).not.toBeInstanceOf(UnsupportedTransferSyntaxError);
    expect(decode).not.toHaveBeenCalled();
  });
});
