import { codecThread } from '../../../src/studies/codec-thread';
import { readHtj2kHeader, readJ2kHeader, readJpegLsHeader } from '../../../src/studies/codestream-headers';
import * as dicomPixels from '../../../src/studies/dicom-pixels';
import { expectSamePixels, header } from '../../support/codec-spec';
import { el, mrDicom } from '../../support/dicom-pixel-fixtures';
import { encodeHtj2k, encodeJ2k, encodeJpegLs } from '../../support/wasm-encoders';

/**
 * Lossy JPEG 2000, HTJ2K and near-lossless JPEG-LS whose codestream precision is above Bits Stored
 * (a 12-bit stream of 10-bit data): the coding's overshoot at a white edge (1,024–1,098 for a 1,023)
 * is clipped to Bits Stored, as JPEG Extended's is, rather than losing its high bit to Bits Stored on
 * the native path and turning black. Lossless streams are not clipped: whatever bits above Bits Stored
 * they carry are masked off as in native data.
 */
const J2K = '1.2.840.10008.1.2.4.90';
const J2K_LOSSY = '1.2.840.10008.1.2.4.91';
const HT_LOSSY = '1.2.840.10008.1.2.4.203';
const JLS_NEAR = '1.2.840.10008.1.2.4.81';
const side = 64;
const inDisc = (i: number) => Math.hypot((i % side) - 32, Math.floor(i / side) - 32) < 20;
/** a white 1,023 disc on a field of 0 and 900 stripes */
const words = Array.from({ length: side * side }, (_, i) => (inDisc(i) ? 1023 : (i >> 1) & 1 ? 900 : 0));
const size = { width: side, height: side, bits: 12 };

afterAll(() => codecThread.end());

describe('lossy streams of 12-bit precision holding 10 of 16 bits stored (High Bit 9)', () => {
  it.each([
    ['irreversible JPEG 2000 (.91)', J2K_LOSSY, () => encodeJ2k(words, { ...size, lossy: true })],
    ['irreversible HTJ2K (.203), coarse step 0.01', HT_LOSSY, () => encodeHtj2k(words, { ...size, lossy: true, step: 0.01 })],
    ['near-lossless JPEG-LS (.81), NEAR 3', JLS_NEAR, () => encodeJpegLs(words, { ...size, near: 3 })],
  ] as const)('%s: the white disc stays white, its overshoot clipped to 1023', async (_, ts, encode) => {
    const inst = await header(mrDicom({ rows: side, columns: side, bitsAllocated: 16, bitsStored: 10, transferSyntax: ts, pixelData: el.encapsulated([await encode()]) }));
    const d = await dicomPixels.decodeFrame(inst, 0);
    if (d.kind !== 'scalar') throw new Error('expected grey');
    expect(Math.min(...d.values.filter((_, i) => inDisc(i)))).toBeGreaterThan(1023 * 0.9);
    expect(Math.max(...d.values)).toBe(1023);
    expect(d.values.every((v, i) => Math.abs(v - words[i]) < 200)).toBe(true);
  });
});

describe('signed: a 12-bit signed irreversible HTJ2K stream holding 10 of 16 bits stored, signed (-512…511)', () => {
  it('the 511 disc stays at the top and the -512 field at the bottom, neither wrapped past the other', async () => {
    const signedWords = words.map((w) => (w === 1023 ? 511 : w === 900 ? 400 : -512));
    const stream = await encodeHtj2k(signedWords, { ...size, signed: true, lossy: true, step: 0.01 });
    const inst = await header(mrDicom({ rows: side, columns: side, bitsAllocated: 16, bitsStored: 10, pixelRepresentation: 1, transferSyntax: HT_LOSSY, pixelData: el.encapsulated([stream]) }));
    const d = await dicomPixels.decodeFrame(inst, 0);
    if (d.kind !== 'scalar') throw new Error('expected grey');
    expect(Math.min(...d.values.filter((_, i) => inDisc(i)))).toBeGreaterThan(400);
    expect([Math.min(...d.values), Math.max(...d.values)]).toEqual([-512, 511]);
    expect(d.values.every((v, i) => Math.abs(v - signedWords[i]) < 200)).toBe(true);
  });
});

describe('lossless streams whose precision is above Bits Stored are masked, not clipped', () => {
  // 16-bit words coded whole: 10 bits stored under junk in bits 10-15, which Bits Stored discards
  const junk = words.map((w, i) => w | (((i * 7) % 64) << 10));
  it.each([
    ['reversible JPEG 2000 (.90)', J2K, () => encodeJ2k(junk, { ...size, bits: 16 })],
    ['reversible JPEG 2000 under .91', J2K_LOSSY, () => encodeJ2k(junk, { ...size, bits: 16 })],
    ['lossless JPEG-LS under .81 (NEAR 0)', JLS_NEAR, () => encodeJpegLs(junk, { ...size, bits: 16 })],
    ['reversible HTJ2K under .203', HT_LOSSY, () => encodeHtj2k(junk, { ...size, bits: 16 })],
  ] as const)('%s: the native file\'s pixels exactly', async (_, ts, encode) => {
    const o = { rows: side, columns: side, bitsAllocated: 16, bitsStored: 10 } as const;
    await expectSamePixels(mrDicom({ ...o, words: junk }), mrDicom({ ...o, transferSyntax: ts, pixelData: el.encapsulated([await encode()]) }), 1);
  });
});

describe('which streams count as lossy, from their headers alone', () => {
  /** the stream with a main-header COC segment for component 0 inserted before its first SOT, selecting `transform` (0: 9/7) */
  const withCoc = (b: Uint8Array, transform: number) => {
    const sot = b.findIndex((v, i) => v === 0xff && b[i + 1] === 0x90);
    return Uint8Array.from([...b.subarray(0, sot), 0xff, 0x53, 0, 9, 0, 0, 5, 4, 4, 0, transform, ...b.subarray(sot)]);
  };
  it('JPEG 2000 and HTJ2K: the 9/7 wavelet in COD or COC; JPEG-LS: NEAR > 0', async () => {
    const reversible = await encodeJ2k(words, size);
    expect([readJ2kHeader(reversible).lossy, readJ2kHeader(await encodeJ2k(words, { ...size, lossy: true })).lossy]).toEqual([false, true]);
    expect([readJ2kHeader(withCoc(reversible, 1)).lossy, readJ2kHeader(withCoc(reversible, 0)).lossy]).toEqual([false, true]);
    expect([readHtj2kHeader(await encodeHtj2k(words, size)).lossy, readHtj2kHeader(await encodeHtj2k(words, { ...size, lossy: true })).lossy]).toEqual([false, true]);
    expect([readJpegLsHeader(await encodeJpegLs(words, size)).lossy, readJpegLsHeader(await encodeJpegLs(words, { ...size, near: 1 })).lossy]).toEqual([false, true]);
  });
});
