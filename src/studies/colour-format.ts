import type { DicomInstance } from './dicom';
import { isBandDecoded, isJpegLossless, JPEG_BASELINE, READABLE_TRANSFER_SYNTAXES, RLE, wasmCodecOf } from './dicom-codecs';
import { isPaletteProblem } from './palette';
import { InvalidPixelFormatError, MissingPixelTagError, UnsupportedPixelFormatError } from './study-errors';

/*
 * Which colour encodings the study reader reads (PS3.3 C.7.6.3.1.2, PS3.5 8.2), checked from the
 * header before any frame is decoded. Every one becomes 8-bit RGB (colour-pixels.ts), which the
 * pipeline reads as it reads a colour PNG: the triage's colour gate refuses a coloured image, grey
 * content stored in colour passes as grey.
 *
 * - PALETTE COLOR, 8- or 16-bit indices, uncompressed or in any lossless syntax read here (the
 *   indices decode as grey samples do); not in lossy JPEG (the standard allows it only lossless)
 * - RGB and YBR_FULL, 8 bits: uncompressed (Planar Configuration 0 or 1), RLE Lossless, JPEG Lossless,
 *   JPEG-LS, JPEG 2000, HTJ2K; JPEG 2000 and HTJ2K also YBR_ICT / YBR_RCT (the codec undoes the transform);
 *   RGB in 16-bit words too: uncompressed, RLE, JPEG Lossless, JPEG-LS (WIDE)
 * - YBR_FULL_422 and YBR_PARTIAL_422 uncompressed (two luma samples, then Cb and Cr, per pair of columns)
 * - JPEG Baseline colour through libvips, its colour transform set by the stream's JFIF / Adobe marker, else by the Photometric Interpretation (dicom-pixels.ts)
 * Refused, named: 12-bit colour JPEG Extended (pixelFormat: libjpeg reads 8-bit samples, the DCT decoder one component),
 * YBR_PARTIAL_420 (4:2:0 chroma: a term of the video syntaxes, PS3.3 A.8.5.4, which are not read; JPEG Baseline
 * under it is read as YCbCr, as libjpeg codes it), YBR colour above 8 bits, HSV, ARGB, CMYK, XYB.
 */

/** An image the reader turns into RGB: three samples, or palette indices. */
export const isColour = (inst: Pick<DicomInstance, 'samplesPerPixel' | 'photometric'>): boolean => inst.samplesPerPixel === 3 || inst.photometric === 'PALETTE COLOR';

/** Read from JPEG 2000 / HTJ2K: the codec undoes its own colour transform (ICT, RCT), so those come out as RGB; YBR_FULL is converted as uncompressed. */
const J2K_COLOUR = new Set(['RGB', 'YBR_ICT', 'YBR_RCT', 'YBR_FULL']);
const SUBSAMPLED = new Set(['YBR_FULL_422', 'YBR_PARTIAL_422']);
/**
 * Read in 16-bit words too (microscopy, some secondary captures): RGB, uncompressed, RLE, JPEG Lossless
 * and JPEG-LS. Its top 8 stored bits become the 8-bit RGB (colour-pixels.ts narrowRange), as PIL reads a
 * 16-bit RGB PNG; the YBR terms are left at 8 bits (their chroma is centred on 2^(Bits Stored − 1)).
 * JPEG 2000 / HTJ2K colour stays 8-bit: their decoder gave OpenJPEG's 16-bit RGB codestreams back
 * exactly, but the encoders the tests build streams with do not write 16-bit colour, so nothing here
 * would notice it break (2026-12-07: the OpenJPEG WebAssembly encoder stops with "memory access out of
 * bounds" on any colour above 8 bits; OpenJPH's writes the first samples into all three components,
 * which no component-order fault would show through).
 */
const WIDE = new Set(['RGB']);
const PARTIAL_420 = '(4:2:0 chroma, defined for the MPEG-2 / H.264 / HEVC video syntaxes, not read here; YBR_FULL_422 and YBR_PARTIAL_422 are)';
/** DCT JPEG syntaxes: lossy always, so never palette indices */
const LOSSY_DCT = new Set([JPEG_BASELINE, '1.2.840.10008.1.2.4.51']);

/** The stored layout of a colour frame's bytes once decoded (dicom-codecs.ts, wasm-frames.ts give interleaved samples). */
export type ColourLayout = 'palette' | 'interleaved' | 'planar' | 'pairs';

/**
 * The format a colour instance decodes to (always 3 one-byte samples: the RGB frame), or a named
 * refusal: a valid encoding not read → 415, one no valid file has → 422. Called from pixelFormat
 * once Photometric Interpretation, Samples per Pixel and Bits Allocated are known to agree.
 */
export function colourFormat(inst: DicomInstance): { samples: 3; bytesPerSample: 1 } {
  const { photometric: pi, bitsAllocated: ba, pos, transferSyntax: ts } = inst;
  const name = READABLE_TRANSFER_SYNTAXES[ts] ?? 'this transfer syntax';
  if (pi === 'PALETTE COLOR') {
    const palette = inst.palette;
    if (!palette) throw new InvalidPixelFormatError(pos, 'PALETTE COLOR without a palette');
    if (LOSSY_DCT.has(ts)) throw new UnsupportedPixelFormatError(pos, `PALETTE COLOR in ${name} (palette indices coded lossily)`);
    if (isPaletteProblem(palette)) throw new InvalidPixelFormatError(pos, palette.what);
    if (ba !== 8 && ba !== 16) throw new InvalidPixelFormatError(pos, `${ba}-bit PALETTE COLOR indices (8 or 16)`);
    return { samples: 3, bytesPerSample: 1 };
  }
  // 4:2:0 chroma has no layout outside a video stream, and the video syntaxes are refused by name (dicom-codecs.ts)
  if (pi === 'YBR_PARTIAL_420') throw new UnsupportedPixelFormatError(pos, `YBR_PARTIAL_420 ${inst.encapsulatedFrame ? '' : 'uncompressed '}${PARTIAL_420}`);
  const wasm = wasmCodecOf(ts);
  // before the general check: 16-bit colour JPEG 2000 is mostly YBR_RCT (PS3.5 8.2.4), whose 415 said that
  // "RGB in 16-bit words" is read, which in JPEG 2000 / HTJ2K it is not (WIDE says why)
  if (wasm && ba !== 8 && wasm !== 'jpeg-ls') throw new UnsupportedPixelFormatError(pos, `${ba}-bit ${pi} ${name} colour (16-bit RGB is read uncompressed, in RLE, JPEG Lossless and JPEG-LS)`);
  if (ba !== 8 && !(ba === 16 && WIDE.has(pi!))) throw new UnsupportedPixelFormatError(pos, `${ba}-bit ${pi} colour (8-bit colour, and RGB in 16-bit words, are read)`);
  if (isBandDecoded(inst)) {
    // JPEG Lossless codes the samples as they are (RGB, or YBR_FULL converted after); the DCT decoder reads one component
    if (!isJpegLossless(ts) || (pi !== 'RGB' && pi !== 'YBR_FULL')) throw new UnsupportedPixelFormatError(pos, `${pi} ${name} colour`);
    return { samples: 3, bytesPerSample: 1 };
  }
  if (wasm) {
    const read = wasm === 'jpeg-ls' ? pi === 'RGB' || pi === 'YBR_FULL' : J2K_COLOUR.has(pi!);
    if (!read) throw new UnsupportedPixelFormatError(pos, `${pi} ${name} colour`);
    return { samples: 3, bytesPerSample: 1 };
  }
  if (ts === RLE) {
    // RLE stores each sample as its own segment: Planar Configuration does not apply; 4:2:2 is not defined for it (PS3.5 8.2.2)
    if (pi !== 'RGB' && pi !== 'YBR_FULL') throw new UnsupportedPixelFormatError(pos, `${pi} RLE Lossless colour`);
    return { samples: 3, bytesPerSample: 1 };
  }
  // the loader has checked the transfer syntax (assertDecodable), and pixelFormat JPEG Baseline colour: no other compressed one is left
  if (inst.encapsulatedFrame) throw new UnsupportedPixelFormatError(pos, `${pi} ${name} colour`);
  if (pi === 'RGB' || pi === 'YBR_FULL') {
    // interleaved or planes: both valid, so not guessed
    if (inst.planarConfiguration === null) throw new MissingPixelTagError(pos, 'PlanarConfiguration');
    if (inst.planarConfiguration !== 0 && inst.planarConfiguration !== 1) throw new InvalidPixelFormatError(pos, `Planar Configuration ${inst.planarConfiguration} (0 or 1)`);
    return { samples: 3, bytesPerSample: 1 };
  }
  if (SUBSAMPLED.has(pi!)) {
    // PS3.3 C.7.6.3.1.2: 4:2:2 data are stored as pairs Y Y Cb Cr, and Planar Configuration "shall be 0" (absent, nothing is left to guess)
    if (inst.planarConfiguration !== null && inst.planarConfiguration !== 0) throw new InvalidPixelFormatError(pos, `${pi} with Planar Configuration ${inst.planarConfiguration} (it is stored as pixel pairs: 0)`);
    if (inst.columns % 2) throw new InvalidPixelFormatError(pos, `${pi} with an odd number of columns (${inst.columns}; it is stored as pixel pairs)`);
    return { samples: 3, bytesPerSample: 1 };
  }
  throw new UnsupportedPixelFormatError(pos, `${pi} colour pixel data (uncompressed, RGB, YBR_FULL, YBR_FULL_422 and YBR_PARTIAL_422 are read)`);
}

/** How a checked colour instance's decoded frame bytes are laid out (colourFormat has accepted it). */
export function colourLayout(inst: DicomInstance): ColourLayout {
  if (inst.photometric === 'PALETTE COLOR') return 'palette';
  if (inst.encapsulatedFrame) return 'interleaved';
  if (SUBSAMPLED.has(inst.photometric ?? '')) return 'pairs';
  return inst.planarConfiguration === 1 ? 'planar' : 'interleaved';
}
