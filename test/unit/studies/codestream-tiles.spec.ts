import { readHtj2kHeader, readJ2kHeader } from '../../../src/studies/codestream-headers';
import { CorruptStudyError } from '../../../src/studies/study-errors';
import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { el, mrDicom } from '../../support/dicom-pixel-fixtures';
import { HTJ2K, J2K } from '../../support/colour-dicom-fixtures';
import { encodeHtj2k, encodeJ2k } from '../../support/wasm-encoders';

/**
 * A JPEG 2000 or HTJ2K frame must hold every tile its SIZ segment declares (ISO/IEC 15444-1 A.4.2:
 * each tile has at least one tile-part). scripts/fuzz-uploads.ts found a 2.8 KB DICOM whose one
 * 64 × 64 tile sat under a SIZ (and Rows × Columns) of 2048 × 2048 in 16 × 16 tiles: OpenJPEG and
 * OpenJPH "decoded" it, the 16,383 missing tiles as zeros, and the study was analysed (200) — a
 * frame that is almost all decoder fill, as a cut HTJ2K stream is (refused already).
 */
const side = 64;
const samples = Array.from({ length: side * side }, (_, i) => (i * 37) % 4096);
const LIMITS: StudyLimits = { maxBytes: 100 * 1024 * 1024, maxSlices: 400, minSide: 64, maxPixels: 2048 * 2048 };

/** The stream with its SIZ image size and tile size rewritten (image and tile offsets 0). */
function withTiling(stream: Uint8Array, width: number, tile: number): Uint8Array {
  const b = Buffer.from(stream);
  // SOC (FF 4F), SIZ (FF 51), Lsiz, Rsiz, Xsiz, Ysiz, XOsiz, YOsiz, XTsiz, YTsiz
  b.writeUInt32BE(width, 8);
  b.writeUInt32BE(width, 12);
  b.writeUInt32BE(tile, 24);
  b.writeUInt32BE(tile, 28);
  return new Uint8Array(b);
}

const study = (frame: Uint8Array, syntax: string, rows: number) =>
  loadStudy([new Uint8Array(mrDicom({ rows, columns: rows, bitsAllocated: 16, pixelData: el.encapsulated([frame]), transferSyntax: syntax }))], LIMITS).then(
    (s) => s.kind,
    (e: unknown) => e,
  );

describe('JPEG 2000 / HTJ2K: every declared tile present', () => {
  it.each([
    ['JPEG 2000', J2K, readJ2kHeader, () => encodeJ2k(samples, { width: side, height: side, bits: 12 })],
    ['HTJ2K', HTJ2K, readHtj2kHeader, () => encodeHtj2k(samples, { width: side, height: side, bits: 12 })],
  ] as const)('%s: the encoder\'s one-tile frame loads; its tile-part under a SIZ of 2048² in 16,384 tiles → 422', async (name, syntax, read, encode) => {
    const stream = await encode();
    expect(read(stream).tiles).toEqual({ held: 1, declared: 1 });
    expect(await study(stream, syntax, side)).toBe('slices');
    const sparse = withTiling(stream, 2048, 16);
    expect(read(sparse).tiles).toEqual({ held: 1, declared: 16_384 });
    const err = await study(sparse, syntax, 2048);
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect((err as Error).message).toBe(`The ${name} pixel data of file 1 of 1 cannot be decoded: its tile-parts hold 1 of the 16,384 tiles its SIZ segment declares.`);
  });
});
