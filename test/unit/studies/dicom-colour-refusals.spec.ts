import { FileCheckError } from '../../../src/common/errors';
import { codecThread } from '../../../src/studies/codec-thread';
import * as dicomPixels from '../../../src/studies/dicom-pixels';
import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { CorruptStudyError, UnsupportedStudyFileError } from '../../../src/studies/study-errors';
import { colourDicom, greyRamp, greyToRgb, JPEG_LS, ob, paletteElements, RLE, rleColour, seg, segmentedPaletteElements } from '../../support/colour-dicom-fixtures';
import { El, el } from '../../support/dicom-pixel-fixtures';
import { encodeLosslessJpeg } from '../../support/jpeg-lossless-fixtures';
import { encodeJpegLs } from '../../support/wasm-encoders';

/**
 * Colour DICOM the reader does not read, or no valid file is: each a named refusal from the header
 * (415 for a valid encoding left out, 422 for an impossible one), before any frame is decoded —
 * never a 500, never a wrong image. Then a few hundred headers mutated at random: each an answer
 * or a named 4xx.
 */

const LIMITS: StudyLimits = { maxBytes: 64 * 1024 * 1024, maxSlices: 50, minSide: 16, maxPixels: 1_000_000 };
const W = 32;
const H = 24;
const GREY = Uint8Array.from({ length: W * H }, (_, i) => (i * 37) % 256);
const RGB = greyToRgb(GREY);

afterAll(() => codecThread.end());
afterEach(() => jest.restoreAllMocks());

async function refusal(file: Buffer): Promise<FileCheckError> {
  const e = await loadStudy([new Uint8Array(file)], LIMITS).then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof FileCheckError)) throw new Error(`expected a named refusal, got ${String(e)}`);
  return e;
}

const palette = (extra: El[], o: { bitsAllocated?: number; transferSyntax?: string; pixelData?: El } = {}) =>
  colourDicom({ width: W, height: H, photometric: 'PALETTE COLOR', pixelData: o.pixelData ?? ob(GREY), bitsAllocated: o.bitsAllocated, transferSyntax: o.transferSyntax, extra });
const ramp = paletteElements(greyRamp(16));
const without = (tags: number[]) => ramp.filter((e) => !tags.includes(e.tag));
const replacing = (...els: El[]) => [...ramp.filter((e) => !els.some((x) => x.tag === e.tag)), ...els];

/** A grey lossless stream whose frame header declares three components: its one scan codes the first (valid JPEG, colour a scan per component). */
function threeComponentFrameOneScan(): Uint8Array {
  const grey = encodeLosslessJpeg(GREY, { width: W, height: H, precision: 8 });
  const at = grey.indexOf(0xc3) - 1; // FF C3, 11 bytes of segment for one component
  const sof = [0xff, 0xc3, 0, 17, 8, H >> 8, H & 0xff, W >> 8, W & 0xff, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0];
  return Uint8Array.from([...grey.subarray(0, at), ...sof, ...grey.subarray(at + 13)]);
}

describe('malformed palettes → 422 CORRUPT_IMAGE naming what is wrong, nothing decoded', () => {
  const cases: [string, Buffer, RegExp][] = [
    ['a descriptor of two values', palette(replacing(el.us(0x00281101, 256, 0))), /Red Palette Color Lookup Table Descriptor of 4 bytes/],
    ['12 bits per entry', palette(replacing(...[0, 1, 2].map((c) => el.us(0x00281101 + c, 256, 0, 12)))), /palette entries of 12 bits \(8 or 16\)/],
    ['descriptors that differ', palette(replacing(el.us(0x00281102, 256, 1, 16))), /Descriptors that differ/],
    ['no Green descriptor', palette(without([0x00281102])), /without a Green Palette Color Lookup Table Descriptor/],
    ['no Blue table data', palette(without([0x00281203])), /without Blue Palette Color Lookup Table Data/],
    ['table data cut short (200 bytes for 256 16-bit entries)', palette(replacing(el.bytes(0x00281201, 'OW', new Uint8Array(200)))), /Red Palette Color Lookup Table Data of 200 bytes, not the 512/],
    ['more entries declared than the data hold (0 = 65,536)', palette(replacing(...[0, 1, 2].map((c) => el.us(0x00281101 + c, 0, 0, 16)))), /of 512 bytes, not the 131072 that 65536 entries/],
    ['an 8-bit entry above 255', palette(paletteElements([Array(256).fill(300), greyRamp(8)[1], greyRamp(8)[2]], { bits: 8, wordsFor8: true })), /holding 300 in an 8-bit entry/],
    [
      'a segmented palette of empty segments (palettes read from segments: dicom-segmented-palette.spec.ts)',
      palette([...[0, 1, 2].map((c) => el.us(0x00281101 + c, 256, 0, 16)), ...[0, 1, 2].map((c) => el.bytes(0x00281221 + c, 'OW', new Uint8Array(8)))]),
      /Segmented Red Palette Color Lookup Table Data expanding to 0 entries, not the 256/,
    ],
    ['32-bit indices', palette(ramp, { bitsAllocated: 32, pixelData: el.bytes(0x7fe00010, 'OW', new Uint8Array(W * H * 4)) }), /32-bit PALETTE COLOR indices/],
  ];
  it.each(cases)('%s', async (_what, file, reason) => {
    const decode = jest.spyOn(dicomPixels, 'decodeFrame');
    const err = await refusal(file);
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect(err).toMatchObject({ statusCode: 422, code: 'CORRUPT_IMAGE' });
    expect(err.message).toMatch(reason);
    expect(decode).not.toHaveBeenCalled();
  });
});

describe('colour encodings still not read → 415 UNSUPPORTED_TYPE, named', () => {
  const cases: [string, () => Promise<Buffer> | Buffer, RegExp][] = [
    ['a palette in JPEG Baseline (lossy indices)', () => palette(ramp, { transferSyntax: '1.2.840.10008.1.2.4.50', pixelData: el.encapsulated([new Uint8Array(64)]) }), /PALETTE COLOR in JPEG Baseline/],
    [
      'a palette in near-lossless JPEG-LS',
      async () => palette(ramp, { transferSyntax: '1.2.840.10008.1.2.4.81', pixelData: el.encapsulated([await encodeJpegLs(GREY, { width: W, height: H, bits: 8, near: 2 })]) }),
      /PALETTE COLOR in lossy JPEG-LS/,
    ],
    ['YBR_PARTIAL_420 uncompressed', () => colourDicom({ width: W, height: H, photometric: 'YBR_PARTIAL_420', pixelData: ob(RGB) }), /YBR_PARTIAL_420 (uncompressed )?\(4:2:0 chroma, defined for the MPEG-2 \/ H.264 \/ HEVC video syntaxes, not read here; YBR_FULL_422 and YBR_PARTIAL_422 are\)/],
    ['YBR_PARTIAL_420 in RLE Lossless', () => colourDicom({ width: W, height: H, photometric: 'YBR_PARTIAL_420', transferSyntax: RLE, pixelData: rleColour(RGB) }), /YBR_PARTIAL_420 \(4:2:0 chroma, defined for the MPEG-2/],
    ['YBR_ICT uncompressed (a JPEG 2000 term)', () => colourDicom({ width: W, height: H, photometric: 'YBR_ICT', pixelData: ob(RGB) }), /YBR_ICT colour pixel data/],
    ['YBR_FULL_422 in RLE Lossless', () => colourDicom({ width: W, height: H, photometric: 'YBR_FULL_422', transferSyntax: RLE, pixelData: rleColour(RGB) }), /YBR_FULL_422 RLE Lossless colour/],
    [
      '12-bit colour JPEG Extended (process 4; 8-bit colour is read: dicom-colour-jpeg.spec.ts)',
      () => colourDicom({ width: W, height: H, photometric: 'YBR_FULL_422', bitsAllocated: 16, bitsStored: 12, transferSyntax: '1.2.840.10008.1.2.4.51', pixelData: el.encapsulated([new Uint8Array(64)]) }),
      /12-bit colour JPEG Extended \(process 4: .*8-bit colour JPEG Extended and 12-bit grey are read\) is not supported/,
    ],
    ['YBR_FULL_422 in JPEG Lossless', () => colourDicom({ width: W, height: H, photometric: 'YBR_FULL_422', transferSyntax: '1.2.840.10008.1.2.4.70', pixelData: el.encapsulated([new Uint8Array(64)]) }), /YBR_FULL_422 JPEG Lossless SV1 colour/],
    ['colour JPEG Lossless coded a scan per component', () => colourDicom({ width: W, height: H, photometric: 'RGB', transferSyntax: '1.2.840.10008.1.2.4.70', pixelData: el.encapsulated([threeComponentFrameOneScan()]) }), /colour JPEG Lossless coded a scan per component/],
    ['16-bit YBR_FULL (16-bit RGB is read: dicom-colour-16bit.spec.ts)', () => colourDicom({ width: W, height: H, photometric: 'YBR_FULL', bitsAllocated: 16, pixelData: el.bytes(0x7fe00010, 'OW', new Uint8Array(W * H * 6)) }), /16-bit YBR_FULL colour \(8-bit colour, and RGB in 16-bit words, are read\)/],
    ['YBR_FULL_422 in JPEG-LS', async () => colourDicom({ width: W, height: H, photometric: 'YBR_FULL_422', transferSyntax: JPEG_LS, pixelData: el.encapsulated([await encodeJpegLs(RGB, { width: W, height: H, bits: 8, components: 3 })]) }), /YBR_FULL_422 JPEG-LS Lossless colour/],
  ];
  it.each(cases)('%s', async (_what, file, reason) => {
    const err = await refusal(await file());
    expect(err).toBeInstanceOf(UnsupportedStudyFileError);
    expect(err).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_TYPE' });
    expect(err.message).toMatch(reason);
  });
});

describe('impossible YBR layouts → 422 naming them', () => {
  const cases: [string, Buffer, RegExp][] = [
    ['YBR_FULL without Planar Configuration', colourDicom({ width: W, height: H, photometric: 'YBR_FULL', planar: null, pixelData: ob(RGB) }), /no Planar Configuration \(0028,0006\)/],
    ['Planar Configuration 2', colourDicom({ width: W, height: H, photometric: 'RGB', planar: 2, pixelData: ob(RGB) }), /Planar Configuration 2 \(0 or 1\)/],
    ['YBR_FULL_422 with Planar Configuration 1', colourDicom({ width: W, height: H, photometric: 'YBR_FULL_422', planar: 1, pixelData: ob(new Uint8Array(W * H * 2)) }), /YBR_FULL_422 with Planar Configuration 1/],
    ['YBR_FULL_422 with an odd number of columns', colourDicom({ width: W - 1, height: H, photometric: 'YBR_FULL_422', pixelData: ob(new Uint8Array((W - 1) * H * 2)) }), /odd number of columns \(31/],
    ['YBR_FULL_422 pixel data cut short', colourDicom({ width: W, height: H, photometric: 'YBR_FULL_422', pixelData: ob(new Uint8Array(W * H * 2 - 64)) }), /truncated/],
  ];
  it.each(cases)('%s', async (_what, file, reason) => {
    const err = await refusal(file);
    expect(err).toMatchObject({ statusCode: 422, code: 'CORRUPT_IMAGE' });
    expect(err.message).toMatch(reason);
  });
});

describe('colour headers mutated at random: an answer or a named 4xx, never anything else', () => {
  /** mulberry32: the same 300 headers every run */
  let seed = 0x5eed;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const WORDS = [0, 1, 2, 3, 4, 7, 8, 9, 12, 15, 16, 17, 24, 31, 32, 33, 64, 255, 256, 257, 4096, 32767, 32768, 65535] as const;
  const PHOTOMETRIC = ['PALETTE COLOR', 'RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_PARTIAL_422', 'YBR_PARTIAL_420', 'YBR_ICT', 'YBR_RCT', 'MONOCHROME2', 'HSV', 'ARGB', 'CMYK'] as const;
  const SYNTAX = ['1.2.840.10008.1.2.1', '1.2.840.10008.1.2', RLE, JPEG_LS, '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.70', '1.2.840.10008.1.2.4.50'] as const;
  const word = () => (rand() < 0.8 ? pick(WORDS) : Math.floor(rand() * 65536));

  interface Header {
    photometric: string;
    transferSyntax?: string;
    pixelData: El;
    planar?: number | null;
    bitsAllocated?: number;
    extra: El[];
  }
  const words16 = (v: Uint8Array, add = 0) => {
    const b = Buffer.alloc(v.length * 2);
    v.forEach((x, i) => b.writeUInt16LE(x + add, 2 * i));
    return b;
  };
  /** valid colour files, each read as it is */
  const BASES: ((lsFrame: Uint8Array) => Header)[] = [
    () => ({ photometric: 'PALETTE COLOR', pixelData: ob(GREY), extra: paletteElements(greyRamp(16)) }),
    () => ({ photometric: 'PALETTE COLOR', pixelData: ob(GREY), extra: paletteElements(greyRamp(8), { bits: 8 }) }),
    () => ({ photometric: 'PALETTE COLOR', bitsAllocated: 16, pixelData: el.bytes(0x7fe00010, 'OW', words16(GREY, 100)), extra: paletteElements(greyRamp(16), { first: 100 }) }),
    () => ({ photometric: 'YBR_FULL_422', pixelData: ob(new Uint8Array(W * H * 2).fill(128)), extra: [] }),
    () => ({ photometric: 'RGB', planar: 1, pixelData: ob(RGB), extra: [] }),
    () => ({ photometric: 'YBR_FULL', transferSyntax: RLE, pixelData: rleColour(RGB), extra: [] }),
    (ls) => ({ photometric: 'RGB', transferSyntax: JPEG_LS, pixelData: el.encapsulated([ls]), extra: [] }),
    () => ({ photometric: 'YBR_FULL', transferSyntax: '1.2.840.10008.1.2.4.70', pixelData: el.encapsulated([encodeLosslessJpeg(RGB, { width: W, height: H, precision: 8, components: 3 })]), extra: [] }),
    () => ({ photometric: 'PALETTE COLOR', pixelData: ob(GREY), extra: segmentedPaletteElements([0, 1, 2].map(() => [seg.discrete(0), seg.linear(127, 32768), seg.indirect(2, 0)]) as [number[][], number[][], number[][]], { entries: 256 }) }),
    () => ({ photometric: 'RGB', bitsAllocated: 16, pixelData: el.bytes(0x7fe00010, 'OW', words16(RGB)), extra: [] }),
  ];
  const MUTATIONS: ((h: Header) => string)[] = [
    (h) => {
      const tag = pick([0x00280002, 0x00280006, 0x00280100, 0x00280101, 0x00280102, 0x00280103, 0x00280010, 0x00280011]);
      const v = word();
      h.extra.push(el.us(tag, v));
      return `${tag.toString(16)}=${v}`;
    },
    (h) => (h.photometric = pick(PHOTOMETRIC)),
    (h) => (h.transferSyntax = pick(SYNTAX)),
    (h) => {
      const c = Math.floor(rand() * 3);
      const v = [word(), word(), pick([8, 16, word()])];
      h.extra.push(el.us(0x00281101 + c, ...v));
      return `descriptor ${c}=${v.join('/')}`;
    },
    (h) => {
      const c = Math.floor(rand() * 3);
      const n = pick([0, 1, 2, 255, 256, 511, 512, 513, Math.floor(rand() * 2000)]);
      h.extra.push(el.bytes(0x00281201 + c, 'OW', Uint8Array.from({ length: n }, () => Math.floor(rand() * 256))));
      return `table ${c} of ${n} bytes`;
    },
    (h) => {
      h.extra.push(...paletteElements(greyRamp(16)));
      return 'a palette added';
    },
    (h) => {
      // segmented table data of random words, mostly small opcodes and lengths, now and then huge ones
      const c = Math.floor(rand() * 3);
      const units = Array.from({ length: pick([2, 3, 6, 40, 300]) }, () => (rand() < 0.5 ? pick([0, 1, 2, 3]) : word()));
      const b = Buffer.alloc(units.length * 2);
      units.forEach((v, i) => b.writeUInt16LE(v, 2 * i));
      h.extra = h.extra.filter((e) => e.tag !== 0x00281201 + c);
      h.extra.push(el.bytes(0x00281221 + c, 'OW', b));
      return `segmented table ${c}: ${units.slice(0, 8).join(',')}…`;
    },
    (h) => {
      const data = Uint8Array.from({ length: pick([0, 10, W * H, W * H * 2, W * H * 3 - 1, W * H * 3]) }, () => Math.floor(rand() * 256));
      h.pixelData = rand() < 0.5 ? ob(data) : el.encapsulated([data]);
      return `pixel data of ${data.length} bytes`;
    },
  ];

  /** One header: a valid colour file with one to three of its attributes replaced by odd values; now and then bytes flipped as well. */
  async function mutated(lsFrame: Uint8Array): Promise<{ what: string; file: Buffer }> {
    const base = Math.floor(rand() * BASES.length);
    const h = BASES[base](lsFrame);
    const what: string[] = [`base ${base}`];
    const k = 1 + Math.floor(rand() * 3);
    for (let m = 0; m < k; m++) what.push(pick(MUTATIONS)(h));
    let file = colourDicom({ width: W, height: H, ...h, extra: dedupe(h.extra) });
    if (rand() < 0.25) {
      // a few bytes of the dataset (past the preamble and the file meta) flipped
      file = Buffer.from(file);
      for (let f = 0; f < 3; f++) {
        const at = 300 + Math.floor(rand() * Math.max(1, file.length - 300));
        file[at] ^= 1 << Math.floor(rand() * 8);
        what.push(`flip@${at}`);
      }
    }
    return { what: what.join(', '), file };
  }

  /** the last element of each tag wins (the writer would otherwise write both) */
  const dedupe = (els: El[]) => [...new Map(els.map((e) => [e.tag, e])).values()];

  it('300 headers', async () => {
    const lsFrame = await encodeJpegLs(RGB, { width: W, height: H, bits: 8, components: 3, interleave: 0 });
    const outcomes = { read: 0, refused: new Map<number, number>() };
    const wrong: string[] = [];
    for (let i = 0; i < 300; i++) {
      const { what, file } = await mutated(lsFrame);
      const r = await loadStudy([new Uint8Array(file)], LIMITS).then(
        (study) => ({ study }),
        (err: unknown) => ({ err }),
      );
      if ('study' in r) {
        outcomes.read++;
        continue;
      }
      const err = r.err;
      if (err instanceof FileCheckError && err.statusCode >= 400 && err.statusCode < 500 && err.message.length > 0) {
        outcomes.refused.set(err.statusCode, (outcomes.refused.get(err.statusCode) ?? 0) + 1);
      } else wrong.push(`${what}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    }
    expect(wrong).toEqual([]);
    // the mutations reach both outcomes: some headers are still read, and refusals are of both kinds
    expect(outcomes.read).toBeGreaterThan(0);
    expect(outcomes.refused.get(415)).toBeGreaterThan(0);
    expect(outcomes.refused.get(422)).toBeGreaterThan(0);
  });
});
