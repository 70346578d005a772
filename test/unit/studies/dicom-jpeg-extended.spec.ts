import * as dicomPixels from '../../../src/studies/dicom-pixels';
import { loadStudy } from '../../../src/studies/study-loader';
import { CorruptStudyError, SliceResolutionError, UnsupportedStudyFileError } from '../../../src/studies/study-errors';
import { CODEC_COLUMNS, CODEC_LIMITS, CODEC_ROWS, decodeSpy, encapsulatedDicom, errorOf, expectAbortStops, expectCorruptWhileDecoding, expectRefusedUndecoded, header, slices, withTurns } from '../../support/codec-spec';
import { el, mrDicom, MrOptions } from '../../support/dicom-pixel-fixtures';
import { DctOptions, encodeDctJpeg, JPEG_EXTENDED, phantom } from '../../support/jpeg-dct-fixtures';
import { edited, markerAt } from '../../support/jpeg-edits';

/**
 * DICOM JPEG Extended (.51: 8- or 12-bit sequential DCT, lossy), decoded by src/studies/jpeg-dct.ts:
 * the compressed file gives the native file's modality values up to the coding loss — exactly the
 * encoder's own reconstruction, which the fixture computes — through the same Bits Stored, rescale and
 * window as native data; frames that lie are a named 4xx, before decoding where the header tells.
 */
const LIMITS = CODEC_LIMITS;
const R = CODEC_ROWS;
const C = CODEC_COLUMNS;
const rescale = [el.ds(0x00281053, 0.5), el.ds(0x00281052, -1024)];

interface Case {
  name: string;
  native: Omit<MrOptions, 'words' | 'pixelData' | 'transferSyntax'>;
  jpeg: Omit<DctOptions, 'width' | 'height'>;
  parts?: number;
  bot?: boolean;
}

const cases: Case[] = [
  { name: '12 of 16 bits stored, rescaled (an older MR export)', native: { rows: R, columns: C, bitsAllocated: 16, bitsStored: 12, extra: rescale }, jpeg: { precision: 12, quality: 90 } },
  { name: '12 of 16 bits, restart intervals, 2 frames of 2 fragments with a Basic Offset Table', native: { rows: R, columns: C, bitsAllocated: 16, bitsStored: 12, frames: 2 }, jpeg: { precision: 12, quality: 75, restartBlocks: 4 }, parts: 2, bot: true },
  { name: '12 of 16 bits, 3 frames without a Basic Offset Table (found at their EOI)', native: { rows: R, columns: C, bitsAllocated: 16, bitsStored: 12, frames: 3 }, jpeg: { precision: 12 }, parts: 2 },
  { name: '8-bit extended (process 2)', native: { rows: R, columns: C, bitsAllocated: 8 }, jpeg: { precision: 8, quality: 90 } },
  { name: '8-bit baseline stream (SOF0) under .51, MONOCHROME1', native: { rows: R, columns: C, bitsAllocated: 8, photometric: 'MONOCHROME1' }, jpeg: { precision: 8, frameType: 0 } },
];

describe('JPEG Extended DICOM decodes to the native pixels up to the coding loss', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const frames = c.native.frames ?? 1;
    const P = c.jpeg.precision;
    const src = Array.from({ length: frames }, (_, f) => phantom(C, R, P, 3 + f));
    const coded = src.map((s) => encodeDctJpeg(s, { width: C, height: R, ...c.jpeg }));
    const file = encapsulatedDicom(c.native, JPEG_EXTENDED, coded.map((x) => x.stream), c.parts, c.bot);
    // the same header written native with the source samples, and with what an exact decoder gives
    const native = await header(mrDicom({ ...c.native, words: src.flat() }));
    const exact = await header(mrDicom({ ...c.native, words: coded.flatMap((x) => [...x.expected]) }));
    const lossy = await header(file);
    const slope = c.native.extra ? 0.5 : 1;
    for (let f = 0; f < frames; f++) {
      const [n, e, l] = await Promise.all([native, exact, lossy].map((i) => dicomPixels.decodeFrame(i, f)));
      expect(l).toEqual(e);
      if (n.kind !== 'scalar' || l.kind !== 'scalar') throw new Error('expected grey');
      const err = n.values.reduce((m, v, i) => Math.max(m, Math.abs(v - l.values[i])), 0);
      expect(err).toBeGreaterThan(0); // lossy, and read as such
      expect(err).toBeLessThanOrEqual((P === 12 ? 48 : 24) * slope);
    }
    expect(await slices(file)).toHaveLength(frames);
  });

  it.each([
    ['10 of 16 bits stored, High Bit 9: the overshoot is clipped to 1023, not wrapped by Bits Stored', { bitsStored: 10 }, 1023, true],
    ['12 of 16 bits stored: already within the coded range', { bitsStored: 12 }, 4095, false],
  ] as const)('a white disc coded at quality 30, %s', async (_, layout, white, clipped) => {
    const side = 64;
    const inDisc = (i: number) => Math.hypot((i % side) - 32, Math.floor(i / side) - 32) < 20;
    const words = Array.from({ length: side * side }, (_, i) => (inDisc(i) ? white : 0));
    const { stream, expected } = encodeDctJpeg(words, { width: side, height: side, precision: 12, quality: 30 });
    expect(expected.some((v) => v > white)).toBe(clipped); // the coding overshoots past 10 bits (4095 is its own ceiling)
    const inst = await header(mrDicom({ rows: side, columns: side, bitsAllocated: 16, ...layout, transferSyntax: JPEG_EXTENDED, pixelData: el.encapsulated([stream]) }));
    const d = await dicomPixels.decodeFrame(inst, 0);
    if (d.kind !== 'scalar') throw new Error('expected grey');
    expect(Math.min(...d.values.filter((_, i) => inDisc(i)))).toBeGreaterThan(white * 0.9);
    expect(Math.max(...d.values)).toBe(white);
  });

  it('a 1024² frame is decoded over many turns of the event loop, and stops at the next one once the request is aborted', async () => {
    const side = 1024;
    const { stream, expected } = encodeDctJpeg(phantom(side, side, 12), { width: side, height: side, precision: 12, quality: 90 });
    const inst = await header(mrDicom({ rows: side, columns: side, bitsAllocated: 16, bitsStored: 12, transferSyntax: JPEG_EXTENDED, pixelData: el.encapsulated([stream]) }));
    const { result, turns } = await withTurns(() => dicomPixels.decodeFrame(inst, 0));
    expect(result.kind === 'scalar' && [result.values[5], result.values[side * side - 1]]).toEqual([expected[5], expected[side * side - 1]]);
    expect(turns).toBeGreaterThanOrEqual(60); // 1 MP in 64 bands of 16 Ki pixels (2 block rows of 1024)
    await expectAbortStops(inst);
  });
});

describe('JPEG Extended frames that lie: a named 4xx, before decoding where the header tells', () => {
  const decode = decodeSpy();

  const stream = (o: Partial<DctOptions> = {}) => encodeDctJpeg(phantom(C, R, 12), { width: C, height: R, precision: 12, ...o }).stream;
  const file = (fragment: Uint8Array, o: Partial<MrOptions> = {}) => mrDicom({ rows: R, columns: C, bitsAllocated: 16, bitsStored: 12, transferSyntax: JPEG_EXTENDED, pixelData: el.encapsulated([fragment]), ...o });
  const edit = (f: (b: Uint8Array, sof: number) => void) => edited(stream(), (b) => f(b, markerAt(b, 0xc1)));

  it.each([
    ['a frame header declaring 60,000 × 60,000 (a decompression bomb)', file(edit((b, sof) => b.set([0xea, 0x60, 0xea, 0x60], sof + 5))), SliceResolutionError, /JPEG Extended frame header of file 1 of 1 declares 60000×60000 px, more than the 4,000,000 pixels a slice may have; it was refused without being decoded/],
    ['a frame header declaring 48 × 41 for 48 × 40', file(edit((b, sof) => b.set([0, 41], sof + 5))), CorruptStudyError, /declares 48×41 px, but the DICOM header says 48×40/],
    ['12-bit samples in an 8-bit header', file(stream(), { bitsAllocated: 8, bitsStored: 8 }), CorruptStudyError, /holds 12-bit samples, but the DICOM header declares 8 bits allocated/],
    ['a progressive JPEG under .51', file(edit((b, sof) => (b[sof + 1] = 0xc2))), CorruptStudyError, /JPEG Extended pixel data of file 1 of 1 cannot be decoded: it is a progressive \(SOF2\) JPEG/],
    ['a JPEG Lossless stream under .51', file(edit((b, sof) => (b[sof + 1] = 0xc3))), CorruptStudyError, /lossless \(SOF3\) JPEG, not the sequential DCT/],
    ['a scan using an undefined Huffman table', file(edit((b) => (b[markerAt(b, 0xda) + 6] = 0x22))), CorruptStudyError, /DC Huffman table 2, which it does not define/],
    ['noise', file(Uint8Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) & 0xff)), CorruptStudyError, /JPEG Extended pixel data of file 1 of 1 cannot be decoded: it does not start with a JPEG SOI marker/],
  ] as const)('%s → %p, nothing decoded', (_, bytes, type, message) => expectRefusedUndecoded(bytes, type, message, decode()));

  it.each([
    ['cut short in its entropy-coded data', file(stream().subarray(0, 700)), /cannot be decoded: its entropy-coded data end before/],
    ['a restart marker missing', file(edited(stream({ restartBlocks: 4 }), (b) => (b[markerAt(b, 0xd2) + 1] = 0xd7))), /restart marker 3 is missing/],
    ['entropy-coded data overwritten with ones', file(edited(stream(), (b) => b.fill(0xff, b.length - 200, b.length - 2))), /cannot be decoded/],
  ] as const)('%s → 422 CORRUPT_IMAGE while decoding', (_, bytes, message) => expectCorruptWhileDecoding(bytes, message));

  it('12-bit colour JPEG Extended → 415 (8-bit colour is read: dicom-colour-jpeg.spec.ts), 32-bit → 422, from the header', async () => {
    const rgb = mrDicom({ rows: R, columns: C, bitsAllocated: 16, bitsStored: 12, photometric: 'RGB', transferSyntax: JPEG_EXTENDED, pixelData: el.encapsulated([stream()]) });
    const colour = await errorOf(loadStudy([new Uint8Array(rgb)], LIMITS));
    expect(colour).toBeInstanceOf(UnsupportedStudyFileError);
    expect(colour.message).toMatch(/12-bit colour JPEG Extended \(process 4: /);
    // this grey 12-bit stream under an 8-bit RGB header: its samples do not fit
    const rgb8 = mrDicom({ rows: R, columns: C, bitsAllocated: 8, photometric: 'RGB', transferSyntax: JPEG_EXTENDED, pixelData: el.encapsulated([stream()]) });
    expect(await errorOf(loadStudy([new Uint8Array(rgb8)], LIMITS))).toMatchObject({ statusCode: 422, message: expect.stringMatching(/holds 12-bit samples, but the DICOM header declares 8 bits allocated/) });
    const wide = await errorOf(loadStudy([new Uint8Array(file(stream(), { bitsAllocated: 32, bitsStored: 32 }))], LIMITS));
    expect(wide).toMatchObject({ statusCode: 422, code: 'CORRUPT_IMAGE' });
    expect(decode()).not.toHaveBeenCalled();
  });

  it('a correct frame still loads', async () => {
    expect(await slices(file(stream()))).toHaveLength(1);
    expect(decode()).toHaveBeenCalledTimes(1);
  });
});
