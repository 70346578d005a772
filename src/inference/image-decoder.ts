import sharp from 'sharp';
import type { Metadata } from 'sharp';
import { CorruptImageError, ResolutionOutOfRangeError } from '../common/errors';
import { pngChunksBeforeIdat, u32 } from '../common/png-chunks';
import { refuseJpegFrame } from './jpeg-frame';
import { countJpegScans, MAX_JPEG_SCANS } from './jpeg-scans';
import { blackenPilTransparent, orientLikePil, pilFallbackOrientation, PilTransparency, pilTransparency } from './pil-reading';
import type { RawImage } from './preprocess';

export interface DecodeLimits {
  maxPixels: number;
  minSide: number;
}

export interface DecodedImage extends RawImage {
  /** dimensions after EXIF orientation */
  format: 'jpeg' | 'png';
  /**
   * A browser draws this file otherwise than the model is given it (ImageHeader.shownOtherwise):
   * the result carries the analysed image for the page to show.
   */
  shownOtherwise?: true;
}

// sharp's own thread pool is shared with libvips operations; keep its cache small since we
// never decode the same bytes twice.
sharp.cache({ memory: 32, files: 0, items: 32 });

/**
 * Decodes JPEG/PNG bytes in memory into 8-bit grey or RGB, mirroring ml/'s to_rgb8():
 * EXIF orientation applied; any ICC profile ignored (PIL does not apply it); alpha flattened onto
 * black as floor(c·a/255 + 0.5); 16-bit grey
 * scaled by its maximum (as ml/ does); palettes converted to sRGB. CMYK/YCCK JPEGs are refused
 * from their header (jpeg-frame.ts): libvips and PIL turn their ink into different pixels.
 * Resolution is checked from the header before any pixel is decoded (decompression bombs),
 * and sharp's limitInputPixels is the backstop.
 */
export async function decodeImage(bytes: Buffer, limits: DecodeLimits, opts: DecodeOptions = {}): Promise<DecodedImage> {
  return decodePixels(bytes, await readImageHeader(bytes, limits), limits, opts);
}

export interface DecodeOptions {
  /**
   * Apply an EXIF Orientation (default true: an uploaded photo is shown upright, as PIL's exif_transpose
   * in ml/ does). False for a JPEG frame inside DICOM, whose Rows, Columns and Image Orientation say
   * how it lies: no DICOM viewer applies a camera's EXIF tag, and turning the frame would answer on
   * another picture (or refuse it, its size no longer Rows × Columns).
   */
  exifOrientation?: boolean;
}

/** What the header says, read without decoding a pixel (cheap: fine on the event loop). */
export interface ImageHeader {
  format: 'jpeg' | 'png';
  width: number;
  height: number;
  /** 16-bit grey: scaled by its maximum, as ml/ does */
  sixteenBit: boolean;
  greySpace: boolean;
  /**
   * Whether a browser draws other pixels than the model is given: 16-bit grey (scaled by its
   * maximum here; a browser draws the top 8 bits, and a 12-bit scan comes out black), an embedded
   * ICC profile or a PNG gamma other than 1/2.2 (ignored here as in ml/, applied by a browser: a
   * grey export tagged linear is drawn ~47 levels brighter).
   */
  shownOtherwise: boolean;
  /**
   * A PNG transparency that PIL reads otherwise than libvips (pil-reading.ts): the decoder applies
   * PIL's reading. A browser draws those pixels transparent where the model is given them opaque
   * (or the other way round), so such a file is also `shownOtherwise`.
   */
  pilTransparency?: PilTransparency;
  /**
   * An orientation (2..8) PIL applies and libvips does not (XMP tiff:Orientation, a PNG's "Raw
   * profile type exif", an eXIf after IDAT or with a repeated prefix: pil-reading.ts); the
   * decoder turns the image so. A browser draws it unturned.
   */
  pilOrientation?: number;
}

/**
 * Format and resolution from the header; the resolution is checked here, before any pixel is
 * decoded (decompression bombs), so callers can also size their pixel budget from it.
 */
export async function readImageHeader(bytes: Buffer | Uint8Array, limits: DecodeLimits): Promise<ImageHeader> {
  // first, from the markers alone: a CMYK/YCCK or 12-bit JPEG is refused for what it is, whatever else is wrong with it
  refuseJpegFrame(bytes);
  let meta: Metadata;
  try {
    // Header only: no pixel is decoded here, so read the true size without sharp's pixel limit
    // (which would throw first and make a decompression bomb look like a corrupt file); the
    // resolution check below then refuses it with RESOLUTION_OUT_OF_RANGE.
    meta = await sharp(bytes, { limitInputPixels: false, failOn: 'warning' }).metadata();
  } catch {
    throw new CorruptImageError();
  }
  const format = meta.format === 'jpeg' ? 'jpeg' : meta.format === 'png' ? 'png' : undefined;
  if (!format || !meta.width || !meta.height) throw new CorruptImageError();
  checkResolution(meta.width, meta.height, limits);
  if (format === 'jpeg' && countJpegScans(bytes) > MAX_JPEG_SCANS) {
    throw new CorruptImageError(`The JPEG holds more than ${MAX_JPEG_SCANS} scans (a normal progressive JPEG has about 10); it is refused before decoding.`);
  }
  const greySpace = meta.space === 'b-w' || meta.space === 'grey16';
  // 16-bit grey with an alpha channel goes the 8-bit way, as in ml/: PIL opens it as 8-bit LA. With
  // a tRNS grey value instead (colour type 0) PIL opens it as 16-bit: scaled by its maximum, that
  // value black (the tRNS value is not an alpha channel: 8 bits of it would be 256 times too coarse)
  const sixteenBit = meta.depth === 'ushort' && greySpace && (!meta.hasAlpha || (format === 'png' && pngColourType(bytes) === 0));
  const pilTrns = format === 'png' ? pilTransparency(bytes) : null;
  const pilOrientation = pilFallbackOrientation(bytes, format, meta);
  const shownOtherwise = sixteenBit || pilTrns !== null || pilOrientation !== null || meta.hasProfile === true || (format === 'png' && pngGammaApplied(bytes));
  return {
    format, width: meta.width, height: meta.height, greySpace, sixteenBit, shownOtherwise,
    ...(pilTrns ? { pilTransparency: pilTrns } : {}),
    ...(pilOrientation ? { pilOrientation } : {}),
  };
}

/**
 * The pixels, as 8-bit grey or RGB. CPU- and memory-heavy for large images (libvips decode, then
 * the 16-bit scaling and alpha loops in JS): large images come here in a prepare-pool worker
 * (image-decode.service.ts), small ones inline. sharp's limitInputPixels is the backstop.
 */
export async function decodePixels(bytes: Buffer | Uint8Array, header: ImageHeader, limits: DecodeLimits, opts: DecodeOptions = {}): Promise<DecodedImage> {
  // ignoreIcc: sharp would otherwise convert through an embedded ICC profile to sRGB, PIL (ml/, the
  // contract the models were trained and calibrated on) hands over the stored values. A Display P3
  // phone photo moved by up to 36 grey levels, a grey export tagged with a linear grey profile by
  // 47 on average: the model would have seen other pixels than ml/ gives it.
  const options = { limitInputPixels: limits.maxPixels, failOn: 'warning' as const, ignoreIcc: true };
  const { format } = header;
  try {
    let pipeline = sharp(bytes, options);
    if (opts.exifOrientation !== false) pipeline = header.pilOrientation ? orientLikePil(pipeline, header.pilOrientation) : pipeline.rotate();
    if (header.sixteenBit) {
      // grey16 explicitly: without it libvips hands over the values already cut to 8 bits (972 → 3)
      // in 16-bit slots, and a 12-bit or low-range scan would be stretched from a few grey levels
      // a tRNS value comes back as a second (alpha) channel
      const { data, info } = await pipeline.toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
      return { format, shownOtherwise: true, width: info.width, height: info.height, channels: 1, data: scale16ByMax(data, info.width * info.height, info.channels) };
    }
    // PIL's reading of the tRNS (pil-reading.ts): libvips's alpha dropped, then for 16-bit RGB PIL's matches blackened
    if (header.pilTransparency) pipeline = pipeline.removeAlpha();
    if (!header.greySpace) pipeline = pipeline.toColourspace('srgb');
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    const image = toGreyOrRgb(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height, info.channels);
    if (Array.isArray(header.pilTransparency) && image.channels === 3) blackenPilTransparent(image.data, header.pilTransparency);
    return { format, ...(header.shownOtherwise ? { shownOtherwise: true as const } : {}), ...image };
  } catch (err) {
    if (err instanceof ResolutionOutOfRangeError) throw err;
    throw new CorruptImageError();
  }
}

export function checkResolution(width: number, height: number, limits: DecodeLimits): void {
  if (width < limits.minSide || height < limits.minSide) {
    throw new ResolutionOutOfRangeError(
      `The image is ${width}×${height} px; at least ${limits.minSide}×${limits.minSide} px is required.`,
    );
  }
  if (width * height > limits.maxPixels) {
    throw new ResolutionOutOfRangeError(
      // in pixels, not rounded megapixels: 40,001,000 would read "40.0 megapixels; at most 40"
      `The image is ${width}×${height} px = ${(width * height).toLocaleString('en-GB')} pixels; at most ${limits.maxPixels.toLocaleString('en-GB')} are accepted.`,
    );
  }
}

/**
 * ml/: np.clip(arr * 255 / max(arr.max(), 1) + 0.5, 0, 255) truncated to uint8; with a second
 * (tRNS alpha) channel, its transparent pixels are 0 (the maximum is taken over every pixel).
 */
function scale16ByMax(buf: Buffer, n: number, channels = 1): Uint8Array {
  const v = new Uint16Array(buf.buffer, buf.byteOffset, n * channels);
  let hi = 1;
  for (let i = 0; i < n; i++) if (v[i * channels] > hi) hi = v[i * channels];
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const transparent = channels === 2 && v[i * 2 + 1] === 0;
    out[i] = transparent ? 0 : Math.min(255, Math.max(0, Math.floor((v[i * channels] * 255) / hi + 0.5)));
  }
  return out;
}

/** A PNG's IHDR colour type (0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA); IHDR is always the first chunk. */
function pngColourType(bytes: Uint8Array): number | null {
  const isIhdr = bytes.length > 25 && bytes[12] === 0x49 && bytes[13] === 0x48 && bytes[14] === 0x44 && bytes[15] === 0x52;
  return isIhdr ? bytes[25] : null;
}

/** gAMA 1/2.2 (45455): how most writers tag a plain sRGB-like image; a browser draws it as stored. */
const PLAIN_GAMMA = 45455;

/**
 * Whether a browser applies a PNG's gAMA chunk: one other than 1/2.2 before IDAT, without an sRGB
 * or iCCP chunk (either takes precedence). Chunk headers only; a list it cannot follow ends the walk.
 */
function pngGammaApplied(bytes: Uint8Array): boolean {
  let gamma: number | null = null;
  for (const { type, length, dataAt } of pngChunksBeforeIdat(bytes).chunks) {
    if (type === 'sRGB' || type === 'iCCP') return false;
    if (type === 'gAMA' && length === 4 && dataAt + 4 <= bytes.length) gamma = u32(bytes, dataAt);
  }
  return gamma !== null && gamma !== PLAIN_GAMMA;
}

/** Drops alpha by compositing onto black exactly as ml/ does; returns 1 or 3 channels. */
export function toGreyOrRgb(data: Uint8Array, width: number, height: number, channels: number): Omit<RawImage, never> {
  const n = width * height;
  if (channels === 1 || channels === 3) return { width, height, channels, data };
  const colour = channels === 4 ? 3 : 1;
  const out = new Uint8Array(n * colour);
  for (let i = 0; i < n; i++) {
    const a = data[i * channels + colour] / 255;
    for (let c = 0; c < colour; c++) out[i * colour + c] = Math.floor(data[i * channels + c] * a + 0.5);
  }
  return { width, height, channels: colour === 3 ? 3 : 1, data: out };
}
