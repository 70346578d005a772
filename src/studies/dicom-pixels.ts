import type { DicomInstance } from './dicom';
import { BitLayout, decodeRange, lookUp } from './stored-values';
import { colourLayout, isColour } from './colour-format';
import { colourFrameBytes, colourRange, narrowRange, paletteRange, yccOf } from './colour-pixels';
import { isPaletteProblem, type PaletteLut } from './palette';
import { CorruptStudyError, fileLabel, SliceResolutionError, UnsupportedPixelFormatError } from './study-errors';
import { assertBandFrameHeaders, assertDecodable, decodeBandFrame, decodeRle, isBandDecoded, isLibvipsJpeg, READABLE_TRANSFER_SYNTAXES, RLE, wasmCodecOf } from './dicom-codecs';
import { assertWasmFrameHeaders, decodeWasmFrame } from './wasm-frames';
import { decodeImage } from '../inference/image-decoder';
import { hasJfifMarker, readJpegFrame, withAdobeTransform, type JpegFrameInfo } from '../inference/jpeg-frame';
import { nextTurn } from '../common/abort';
import { FileCheckError } from '../common/errors';
import { YIELD_EVERY_PIXELS } from './windowing';

/*
 * Pixel decoding of a parsed DICOM instance (src/studies/dicom reads the header and locates the
 * pixel data; nothing here parses tags): native frames, and RLE, JPEG Lossless, JPEG Extended, JPEG-LS, JPEG 2000 and HTJ2K
 * frames decoded to native layout (dicom-codecs.ts, wasm-frames.ts), take one path; JPEG Baseline frames go through src/inference
 * (but 12-bit ones, in 16-bit words, which are read as JPEG Extended: isDctBaseline), and so do colour JPEG Extended ones (isLibvipsJpeg).
 */

export type DecodedFrame =
  | { kind: 'scalar'; width: number; height: number; values: Float32Array }
  | { kind: 'rgb'; width: number; height: number; data: Uint8Array };

/**
 * One frame's pixels: grey frames as modality values (stored value taken from bits
 * HighBit−BitsStored+1…HighBit, sign-extended, then the Modality LUT Sequence if any, else
 * × RescaleSlope + RescaleIntercept); colour frames (RGB, YBR, palette: colour-format.ts) as interleaved
 * 8-bit RGB. `signal` (the
 * request's end) stops a long decode between its chunks. Every kind allocates a frame's worth of
 * pixels: the loader runs it within the pixel budget (frame-budget.ts).
 *
 * `origin` is subtracted from every modality value, in double precision, before it is stored as
 * float32: a 32-bit stored value (or one rescaled past 2^24) is not exact in float32, so a narrow
 * header window far from zero (width 10 at 3×10^9) windowed its rounding, not the image; taken
 * relative to the window's centre, the values the window shows are exact (study-loader.ts).
 */
export async function decodeFrame(inst: DicomInstance, frame: number, signal?: AbortSignal, origin = 0): Promise<DecodedFrame> {
  assertDecodable(inst);
  const { rows, columns, samplesPerPixel: spp, bitsAllocated: ba } = inst;
  const n = rows * columns;
  const bad = (why: string) => new CorruptStudyError(`${fileLabel(inst.pos)}: ${why}`);
  if (isLibvipsJpeg(inst)) return decodeJpegFrame(inst, frame, bad, signal);
  const colour = isColour(inst) ? colourLayout(inst) : null;
  if (colour && colour !== 'palette') {
    if (ba !== 8 && ba !== 16) throw bad(`colour pixel data (${inst.photometric}, ${ba}-bit) is not supported.`); // colourFormat refused it before
    const words = await frameBytes(inst, frame, colourFrameBytes(colour, n, ba / 8), bad, signal);
    const src = ba === 16 ? await narrowFrame(inst, words, bad, signal) : words;
    const ycc = yccOf(inst.photometric);
    if (colour === 'interleaved' && !ycc) return { kind: 'rgb', width: columns, height: rows, data: Uint8Array.from(src) };
    const data = new Uint8Array(n * 3);
    for (let s = 0; s < n; s += YIELD_EVERY_PIXELS) {
      if (s > 0) await nextTurn(signal);
      colourRange(src, data, s, Math.min(n, s + YIELD_EVERY_PIXELS), n, colour, ycc);
    }
    return { kind: 'rgb', width: columns, height: rows, data };
  }
  if (spp !== 1) throw bad(`${spp} samples per pixel is not supported.`);
  // PALETTE COLOR (the other colours were read above): its indices are stored values, read as grey ones are
  let lut: PaletteLut | null = null;
  if (colour) {
    if (!inst.palette || isPaletteProblem(inst.palette)) throw bad('its palette cannot be read.'); // pixelFormat refused it before
    lut = inst.palette;
  } else if (!inst.photometric?.startsWith('MONOCHROME')) throw bad(`photometric interpretation ${inst.photometric ?? '(none)'} is not supported.`);
  if (ba !== 8 && ba !== 16 && (lut || ba !== 32)) throw bad(`${ba ?? 'unknown'}-bit pixel data is not supported.`);
  // PS3.5 8: the stored value occupies bits HighBit−BitsStored+1 … HighBit of each word; other bits
  // may hold anything (overlays, garbage) and are discarded. An impossible layout is refused
  // rather than guessed at.
  const stored = inst.bitsStored;
  if (stored === null || !(stored >= 1 && stored <= ba)) throw bad(`Bits Stored (${stored ?? 'none'}) does not fit Bits Allocated (${ba}).`);
  // absent, High Bit is Bits Stored − 1: the one value PS3.3 C.7.6.3 allows ("shall be one less than
  // Bits Stored"); pydicom ignores the tag and reads the low Bits Stored bits always
  const hb = inst.highBit ?? stored - 1;
  if (!(hb < ba && hb >= stored - 1)) throw bad(`High Bit (${hb}) is inconsistent with Bits Stored (${stored}) and Bits Allocated (${ba}).`);
  const bytesPer = ba / 8;
  const src = await frameBytes(inst, frame, n * spp * bytesPer, bad, signal);
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const le = !inst.bigEndian || inst.encapsulatedFrame !== null;
  const signed = inst.pixelRepresentation === 1;
  // palette indices are stored values as they are: no padding, Modality LUT or rescale applies to them
  const layout: BitLayout = lut
    ? { ba, le, signed, shift: hb - stored + 1, stored, padLo: Infinity, padHi: -Infinity, lut: null, origin: 0 }
    : { ba, le, signed, shift: hb - stored + 1, stored, padLo: inst.padding?.lo ?? Infinity, padHi: inst.padding?.hi ?? -Infinity, lut: inst.modalityLut, origin };
  const fi = inst.frameInfo?.[frame];
  const slope = lut ? 1 : fi?.slope ?? inst.slope;
  const intercept = lut ? 0 : (fi?.intercept ?? inst.intercept);
  const values = new Float32Array(n);
  const rgb = lut ? new Uint8Array(n * 3) : null;
  // a 4 MP frame is tens of ms of this loop: decoded in chunks, letting the event loop in between
  // (and stopping there once the request is over)
  for (let s = 0; s < n; s += YIELD_EVERY_PIXELS) {
    if (s > 0) await nextTurn(signal);
    const e = Math.min(n, s + YIELD_EVERY_PIXELS);
    decodeRange(view, values, s, e, layout, slope, intercept);
    if (lut && rgb) paletteRange(values, rgb, s, e, lut);
  }
  if (rgb) return { kind: 'rgb', width: columns, height: rows, data: rgb };
  return { kind: 'scalar', width: columns, height: rows, values };
}

/**
 * A colour frame in 16-bit words (RGB: colour-format.ts) as one byte a sample, its layout kept: Bits
 * Stored and High Bit checked as for grey (an impossible layout refused, not guessed at), then each
 * sample's top 8 stored bits (narrowRange), a chunk at a time.
 */
async function narrowFrame(inst: DicomInstance, words: Uint8Array, bad: (why: string) => Error, signal?: AbortSignal): Promise<Uint8Array> {
  const stored = inst.bitsStored;
  if (stored === null || !(stored >= 1 && stored <= 16)) throw bad(`Bits Stored (${stored ?? 'none'}) does not fit Bits Allocated (16).`);
  const hb = inst.highBit ?? stored - 1;
  if (!(hb < 16 && hb >= stored - 1)) throw bad(`High Bit (${hb}) is inconsistent with Bits Stored (${stored}) and Bits Allocated (16).`);
  const layout = { le: !inst.bigEndian || inst.encapsulatedFrame !== null, shift: hb - stored + 1, stored };
  const samples = words.length / 2;
  const out = new Uint8Array(samples);
  for (let s = 0; s < samples; s += 3 * YIELD_EVERY_PIXELS) {
    if (s > 0) await nextTurn(signal);
    narrowRange(words, out, s, Math.min(samples, s + 3 * YIELD_EVERY_PIXELS), layout);
  }
  return out;
}

/**
 * JPEG Baseline frames through the service's one image decoder (src/inference, sharp): 8-bit
 * grey becomes stored values (then rescale and window as usual), colour becomes RGB, converted as
 * the stream's JFIF / Adobe marker says, else as the Photometric Interpretation does (jpegColourTransform),
 * never by libjpeg's guess from component ids. The decode
 * settles only when libvips is done, even once aborted, so the pixel budget the loader holds
 * around it (frame-budget.ts) is given back when the pixels really are free, as
 * ImageDecodeService does.
 */
async function decodeJpegFrame(inst: DicomInstance, frame: number, bad: (why: string) => Error, signal?: AbortSignal): Promise<DecodedFrame> {
  if (inst.bitsAllocated !== 8) throw bad(`${inst.bitsAllocated}-bit ${READABLE_TRANSFER_SYNTAXES[inst.transferSyntax]} is not read here.`); // pixelFormat refused it before
  const compressed = locateFrame(inst, frame, bad);
  const header = checkJpegFrameHeader(inst, frame, compressed, inst.rows * inst.columns);
  const colour = inst.samplesPerPixel === 3 && header.components === 3;
  const stream = colour ? withAdobeTransform(compressed, jpegColourTransform(inst.photometric, header, compressed)) : Buffer.from(compressed);
  return jpegFramePixels(inst, frame, stream, bad, signal);
}

/**
 * Whether a colour JPEG Baseline frame's components are YCbCr (1: converted to RGB) or RGB (0: taken
 * as they are). The stream says so itself when it carries a JFIF APP0 (YCbCr: T.871) or an Adobe
 * APP14 (its transform flag, 0 none or 1 YCbCr) — what libjpeg writes whenever it encodes (JFIF over
 * YCbCr, Adobe 0 over RGB: DCMTK's dcmcjpeg, Pillow) — and PS3.5 8.2.1 has the stream's own
 * characteristics control decoding where the data elements disagree (RGB is valid "as long as no
 * multi-component transformation was specified by the JPEG bit stream"). What goes wrong in practice
 * is the label: RGB kept over a stream coded as YCbCr (dcm4che #565), YBR_FULL_422 put on every JPEG
 * by a fixer. So a grey picture coded either way, under either label, reads grey (dicom-colour-jpeg.spec.ts);
 * DCMTK (label always) reads two of those four coloured, libjpeg alone (markers, then component ids)
 * the unmarked RGB ones. Where the stream says nothing — no JFIF, no Adobe 0/1, or JFIF with an Adobe
 * 0 that contradicts it — the Photometric Interpretation decides: RGB without the transform, the YBR
 * terms with it, over component ids (libjpeg reads 'R' 'G' 'B' as RGB, anything else as YCbCr; no
 * standard defines them), which DICOM encoders write as they please.
 */
function jpegColourTransform(photometric: string | null, header: JpegFrameInfo, stream: Uint8Array): 0 | 1 {
  const jfif = hasJfifMarker(stream);
  const adobe = header.adobeTransform === 0 || header.adobeTransform === 1 ? header.adobeTransform : null;
  if (jfif && adobe !== 0) return 1;
  if (!jfif && adobe !== null) return adobe;
  return photometric?.startsWith('YBR') ? 1 : 0;
}

async function jpegFramePixels(inst: DicomInstance, frame: number, stream: Buffer, bad: (why: string) => Error, signal?: AbortSignal): Promise<DecodedFrame> {
  let img: Awaited<ReturnType<typeof decodeImage>>;
  try {
    img = await decodeImage(stream, { maxPixels: inst.rows * inst.columns, minSide: 1 }, { exifOrientation: false });
  } catch {
    throw bad('the JPEG-compressed frame could not be decoded.');
  }
  signal?.throwIfAborted(); // libvips ran on its own threads; the pass below need not, for nobody
  if (img.width !== inst.columns || img.height !== inst.rows) throw bad('the JPEG frame size differs from Rows/Columns.');
  if (img.channels === 3 && inst.samplesPerPixel === 3) return { kind: 'rgb', width: img.width, height: img.height, data: img.data };
  const step = img.channels; // a grey image stored as a 3-channel JPEG: its first channel
  const values = new Float32Array(img.width * img.height);
  const fi = inst.frameInfo?.[frame];
  const slope = fi?.slope ?? inst.slope;
  const intercept = fi?.intercept ?? inst.intercept;
  const padLo = inst.padding?.lo ?? Infinity;
  const padHi = inst.padding?.hi ?? -Infinity;
  const lut = inst.modalityLut;
  for (let i = 0; i < values.length; i++) {
    const v = img.data[i * step];
    values[i] = v >= padLo && v <= padHi ? NaN : lut ? lookUp(lut, v) : v * slope + intercept; // as in decodeRange
  }
  return { kind: 'scalar', width: img.width, height: img.height, values };
}

/**
 * Every JPEG frame of a JPEG Baseline (or, in dicom-codecs.ts and wasm-frames.ts, JPEG Lossless, JPEG Extended, JPEG-LS, JPEG 2000, HTJ2K) instance, from its frame header (SOF) alone, before any
 * frame of the study is decoded: a few hundred compressed bytes can declare a 60,000 × 60,000
 * frame (a decompression bomb), so the size the JPEG declares is what is checked — against the
 * per-slice limit, then against the DICOM Rows/Columns it must equal — not the size of its bytes.
 * A frame larger than the whole decode budget is not refused here: the budget runs it alone, as
 * it does a larger upload (STUDY_MAX_SLICE_PIXELS is what bounds a study slice).
 */
export function assertJpegFrameHeaders(inst: DicomInstance, maxPixels: number): void {
  const bad = (why: string) => new CorruptStudyError(`${fileLabel(inst.pos)}: ${why}`);
  if (isBandDecoded(inst)) return assertBandFrameHeaders(inst, maxPixels, (f) => locateFrame(inst, f, bad));
  const wasm = wasmCodecOf(inst.transferSyntax);
  if (wasm) return assertWasmFrameHeaders(inst, wasm, maxPixels, (f) => locateFrame(inst, f, bad));
  if (!isLibvipsJpeg(inst)) return;
  for (let f = 0; f < inst.frames; f++) checkJpegFrameHeader(inst, f, locateFrame(inst, f, bad), maxPixels);
}

function checkJpegFrameHeader(inst: DicomInstance, frame: number, compressed: Uint8Array, maxPixels: number): JpegFrameInfo {
  const which = inst.frames > 1 ? `frame ${frame + 1} of ${fileLabel(inst.pos)}` : fileLabel(inst.pos);
  const header = readJpegFrame(compressed);
  if (!header) throw new CorruptStudyError(`The JPEG-compressed pixel data of ${which} has no JPEG frame header (corrupt or not JPEG).`);
  // A 4-component frame (CMYK/YCCK ink, whatever SamplesPerPixel says): libvips and PIL decode it
  // to different pixels (inference/jpeg-frame.ts), so it is refused from its frame header, undecoded.
  if (header.components === 4) {
    throw new UnsupportedPixelFormatError(inst.pos, `a ${header.adobeTransform === 2 ? 'YCCK (CMYK)' : 'CMYK'} JPEG frame — a print export, not a scan —`);
  }
  const { width, height } = header;
  if (width * height > maxPixels) {
    throw new SliceResolutionError(
      `The JPEG frame header of ${which} declares ${width}×${height} px, more than the ${maxPixels.toLocaleString('en-GB')} pixels a slice may have; it was refused without being decoded.`,
    );
  }
  if (width !== inst.columns || height !== inst.rows) {
    throw new CorruptStudyError(
      `The JPEG frame header of ${which} declares ${width}×${height} px, but the DICOM header says ${inst.columns}×${inst.rows} (Columns×Rows); it was refused without being decoded.`,
    );
  }
  // 12-bit samples need 16-bit words (isDctBaseline reads those); libvips would only fail on them later
  if (header.precision > 8) throw new CorruptStudyError(`The JPEG frame of ${which} holds ${header.precision}-bit samples, but the DICOM header declares ${inst.bitsAllocated} bits allocated.`);
  return header;
}

/**
 * One frame's bytes in native layout (interleaved samples; little endian unless the file is
 * big endian): a view into the file for native pixel data (a copy when its byte pairs are
 * swapped), a decoded buffer for RLE, JPEG Lossless and JPEG Extended (dicom-codecs.ts), JPEG-LS, JPEG 2000 and HTJ2K (wasm-frames.ts). `size`: the bytes one frame takes (native 4:2:2 colour takes 2 a pixel);
 * samples are Bits Allocated wide (checked by the caller).
 */
async function frameBytes(inst: DicomInstance, frame: number, size: number, bad: (why: string) => Error, signal?: AbortSignal): Promise<Uint8Array> {
  const bytesPer = (inst.bitsAllocated ?? 8) / 8;
  if (inst.encapsulatedFrame) {
    const compressed = locateFrame(inst, frame, bad);
    const ts = inst.transferSyntax;
    const wasm = wasmCodecOf(ts);
    const out = isBandDecoded(inst)
      ? await decodeBandFrame(inst, frame, compressed, signal)
      : wasm
        ? await decodeWasmFrame(inst, frame, wasm, compressed, signal)
        : ts === RLE
          ? decodeRle(compressed, inst.samplesPerPixel, bytesPer, inst.rows * inst.columns)
          : null;
    if (!out || out.length !== size) throw bad(`the ${READABLE_TRANSFER_SYNTAXES[ts] ?? 'compressed'} pixel data is corrupt.`);
    return out;
  }
  const start = inst.pixel!.offset + frame * size;
  if (start + size > inst.pixel!.offset + inst.pixel!.length || start + size > inst.bytes.length) throw bad('the pixel data is truncated.');
  if (inst.swappedPairs) return unswapPairs(inst.bytes, inst.pixel!.offset, frame * size, size);
  return inst.bytes.subarray(start, start + size);
}

/**
 * `size` bytes from `at` into the value starting at `offset`, each pair of bytes of the value put
 * back in order (8-bit samples in a big-endian OW value). Pairs count from the value's start: a frame
 * of odd size starts and ends mid-pair. The value has an even length (PS3.5 7.1.1), so a frame that
 * fits in it has the other half of its last pair too.
 */
function unswapPairs(bytes: Uint8Array, offset: number, at: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let k = 0; k < size; k++) out[k] = bytes[offset + ((at + k) ^ 1)];
  return out;
}

/** The compressed bytes of a frame; a named refusal (e.g. an undeterminable fragment layout) passes through. */
function locateFrame(inst: DicomInstance, frame: number, bad: (why: string) => Error): Uint8Array {
  try {
    return inst.encapsulatedFrame!(frame);
  } catch (err) {
    if (err instanceof FileCheckError) throw err;
    throw bad('the compressed frames could not be located.');
  }
}
