import type { DicomInstance } from './dicom';
import { CorruptStudyError, fileLabel, SliceResolutionError, UnsupportedPixelFormatError, UnsupportedTransferSyntaxError } from './study-errors';
import { JpegLosslessError, LosslessDecoder, readLosslessHeader, type LosslessHeader } from './jpeg-lossless';
import { DctDecoder, JpegDctError, readDctHeader } from './jpeg-dct';
import { nextTurn } from '../common/abort';
import type { WasmCodec } from './wasm-codecs';

/*
 * The compressed transfer syntaxes the study reader decodes itself (RLE Lossless, JPEG Lossless, JPEG Extended;
 * JPEG-LS, JPEG 2000 and HTJ2K in wasm-frames.ts), each into a frame's bytes in native layout — interleaved, little endian, one Bits Allocated word
 * per sample — so that the values then take the native path of dicom-pixels.ts (bits stored, high
 * bit, sign, Modality LUT / rescale, padding) bit for bit. JPEG Baseline goes through src/inference
 * (libvips) instead, from dicom-pixels.ts, unless its words are 16-bit (isDctBaseline).
 */

export const RLE = '1.2.840.10008.1.2.5';
export const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';
/** 8- or 12-bit sequential DCT (processes 2 and 4), decoded by jpeg-dct.ts: libvips reads 8-bit JPEG only. */
export const JPEG_EXTENDED = '1.2.840.10008.1.2.4.51';
const JPEG_LOSSLESS = new Set(['1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70']);

/** Transfer syntaxes whose pixel data this service reads. */
export const READABLE_TRANSFER_SYNTAXES: Record<string, string> = {
  '1.2.840.10008.1.2': 'Implicit VR Little Endian',
  '1.2.840.10008.1.2.1': 'Explicit VR Little Endian',
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
  '1.2.840.10008.1.2.2': 'Explicit VR Big Endian',
  [RLE]: 'RLE Lossless',
  [JPEG_BASELINE]: 'JPEG Baseline (8-bit)',
  [JPEG_EXTENDED]: 'JPEG Extended',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.201': 'HTJ2K Lossless',
  '1.2.840.10008.1.2.4.202': 'HTJ2K Lossless RPCL',
  '1.2.840.10008.1.2.4.203': 'HTJ2K',
};

/** Compressed syntaxes named in a 415 (not decoded): progressive DCT, retired from DICOM; the video syntaxes (a clip, not slices). */
const KNOWN_COMPRESSED: Record<string, string> = {
  '1.2.840.10008.1.2.4.55': 'JPEG Full Progression (retired)',
  ...Object.fromEntries(
    [
      ...['100', '100.1', '101', '101.1'].map((v) => [v, 'MPEG-2 video']),
      ...['102', '102.1', '103', '103.1', '104', '104.1', '105', '105.1', '106', '106.1'].map((v) => [v, 'MPEG-4 AVC/H.264 video']),
      ...['107', '108'].map((v) => [v, 'HEVC/H.265 video']),
    ].map(([v, name]) => [`1.2.840.10008.1.2.4.${v}`, `${name} (a clip, not slices)`]),
  ),
};

/** Decoded by the WebAssembly codecs in the codec thread (wasm-frames.ts). */
const WASM_CODECS: Record<string, WasmCodec> = {
  '1.2.840.10008.1.2.4.80': 'jpeg-ls',
  '1.2.840.10008.1.2.4.81': 'jpeg-ls',
  '1.2.840.10008.1.2.4.90': 'jpeg-2000',
  '1.2.840.10008.1.2.4.91': 'jpeg-2000',
  '1.2.840.10008.1.2.4.201': 'htj2k',
  '1.2.840.10008.1.2.4.202': 'htj2k',
  '1.2.840.10008.1.2.4.203': 'htj2k',
};

/**
 * JPEG Baseline (.50) in 16-bit grey words: 12-bit DCT JPEG that several older vendor exports label
 * Baseline. libvips reads 8-bit JPEG only (it refused these frames), so they are read as JPEG Extended
 * is, by jpeg-dct.ts with the same header checks; an 8-bit stream in 16-bit words too. .50 in 8-bit
 * words stays on libvips: on 8-bit streams the two decoders agree within 1.
 */
export const isDctBaseline = (inst: Pick<DicomInstance, 'transferSyntax' | 'bitsAllocated' | 'samplesPerPixel'>): boolean =>
  inst.transferSyntax === JPEG_BASELINE && inst.bitsAllocated === 16 && inst.samplesPerPixel === 1;
/**
 * Read through the service's one image decoder (libvips, dicom-pixels.ts): JPEG Baseline in 8-bit words,
 * and colour JPEG Extended, whose 8-bit form (process 2, SOF1) libjpeg reads as it reads Baseline (the
 * DCT decoder here reads one component); its 12-bit form (process 4) is refused by pixelFormat.
 */
export const isLibvipsJpeg = (inst: Pick<DicomInstance, 'transferSyntax' | 'bitsAllocated' | 'samplesPerPixel'>): boolean =>
  (inst.transferSyntax === JPEG_BASELINE && !isDctBaseline(inst)) || (inst.transferSyntax === JPEG_EXTENDED && inst.samplesPerPixel === 3);
/** Decoded here, a band at a time on the event loop (JPEG Lossless, grey JPEG Extended, isDctBaseline), rather than in the codec thread. */
export const isBandDecoded = (inst: Pick<DicomInstance, 'transferSyntax' | 'bitsAllocated' | 'samplesPerPixel'>): boolean =>
  JPEG_LOSSLESS.has(inst.transferSyntax) || (inst.transferSyntax === JPEG_EXTENDED && inst.samplesPerPixel !== 3) || isDctBaseline(inst);
export const wasmCodecOf = (ts: string): WasmCodec | null => WASM_CODECS[ts] ?? null;
/** JPEG Lossless (.57) and its SV1 (.70): the band decoder that reads colour too (three components, interleaved). */
export const isJpegLossless = (ts: string): boolean => JPEG_LOSSLESS.has(ts);
/** Compressed syntaxes decoded here whose samples take the native path (series-assembly.ts and colour-format.ts check their format). */
export const decodesToWords = (ts: string): boolean => JPEG_LOSSLESS.has(ts) || ts === JPEG_EXTENDED || ts in WASM_CODECS;
/**
 * Frames of these syntaxes end at a marker FF D9 (JPEG EOI, JPEG 2000 EOC) that their coded data
 * cannot contain (byte stuffing): encapsulated.ts finds frames by it.
 */
export const endsAtEoi = (ts: string): boolean => ts === JPEG_BASELINE || decodesToWords(ts);

/** 415 unless the transfer syntax is one this service decodes and the pixel data are native / encapsulated as that syntax says. */
export function assertDecodable(inst: DicomInstance): void {
  const native = inst.transferSyntax !== RLE && inst.transferSyntax !== JPEG_BASELINE && !decodesToWords(inst.transferSyntax);
  if (!(inst.transferSyntax in READABLE_TRANSFER_SYNTAXES) || (native ? !inst.pixel : !inst.encapsulatedFrame)) {
    throw new UnsupportedTransferSyntaxError(inst.transferSyntax, KNOWN_COMPRESSED[inst.transferSyntax]);
  }
}

/** What a compressed frame's header declares (checkFrameHeader). */
export type FrameHeader = Pick<LosslessHeader, 'width' | 'height' | 'components' | 'precision' | 'separateScans'>;

export const which = (inst: DicomInstance, frame: number): string => (inst.frames > 1 ? `frame ${frame + 1} of ${fileLabel(inst.pos)}` : fileLabel(inst.pos));

/**
 * A compressed frame's header (JPEG Lossless, JPEG-LS, JPEG 2000, HTJ2K) against the DICOM header, before
 * it is decoded: the size it declares against the per-slice limit (a few bytes can declare
 * 60,000 × 60,000) and Rows × Columns, its components against Samples per Pixel, and a precision
 * that fits Bits Allocated (the decoded samples are written into words of that size). A precision
 * other than Bits Stored is read as the words it decodes to, as pydicom does: Bits Stored and High
 * Bit then select the value, as for native data.
 */
export function checkFrameHeader(inst: DicomInstance, frame: number, name: string, h: FrameHeader, maxPixels: number): void {
  const at = which(inst, frame);
  if (h.width * h.height > maxPixels) {
    throw new SliceResolutionError(
      `The ${name} frame header of ${at} declares ${h.width}×${h.height} px, more than the ${maxPixels.toLocaleString('en-GB')} pixels a slice may have; it was refused without being decoded.`,
    );
  }
  if (h.width !== inst.columns || h.height !== inst.rows) {
    throw new CorruptStudyError(`The ${name} frame header of ${at} declares ${h.width}×${h.height} px, but the DICOM header says ${inst.columns}×${inst.rows} (Columns×Rows); it was refused without being decoded.`);
  }
  if (h.components !== inst.samplesPerPixel) {
    throw new CorruptStudyError(`The ${name} frame of ${at} has ${h.components} components, but the DICOM header declares ${inst.samplesPerPixel} samples per pixel.`);
  }
  const ba = inst.bitsAllocated ?? 0;
  if (h.precision > ba) throw new CorruptStudyError(`The ${name} frame of ${at} holds ${h.precision}-bit samples, but the DICOM header declares ${ba} bits allocated.`);
}

/** How a band-decoded syntax is read: its name in messages, its header reader, its decoder and how many of its rows make a band. */
interface BandCodec {
  name: string;
  read: (b: Uint8Array) => FrameHeader;
  decoder: (b: Uint8Array, maxPixels: number) => BandDecoder;
  /** rows of the decoder's unit (pixel rows, 8-pixel block rows) per band, for a frame `columns` wide */
  bandRows: (columns: number) => number;
  /** lossy coding, whose overshoot past Bits Stored is clipped (clipToBitsStored) */
  lossy: boolean;
}

interface BandDecoder {
  readonly done: boolean;
  readonly out: Uint16Array;
  next(rows: number): number;
}

/**
 * Pixels decoded between two turns of the event loop. JPEG Lossless takes ~16 ns a pixel (a 2048²
 * 12-bit frame in ~70 ms, a 512² 16-bit one in ~4 ms, measured with two busy cores), so a band of
 * 64 Ki pixels holds the loop ~1 ms. With 256 Ki-pixel bands a 24-slice 512² series held it up to
 * 47–59 ms, with these 23–33 ms, as long as the native series (scripts/measure-study-codecs.ts).
 * The DCT decoder took 42–93 ns a pixel against JPEG Lossless's 34–52 (a 512² 12-bit frame, two busy
 * cores; its inverse DCT): its bands are 16 Ki pixels, ≲ 1.5 ms; a 24-slice 512² series held the loop
 * no longer than the native one did (78 against 82 ms, scripts/measure-study-codecs.ts).
 */
const BAND_PIXELS = 1 << 16;
const DCT_BAND_PIXELS = 1 << 14;

const LOSSLESS: BandCodec = {
  name: 'JPEG Lossless',
  read: readLosslessHeader,
  decoder: (b, max) => new LosslessDecoder(b, max),
  bandRows: (columns) => Math.max(1, Math.floor(BAND_PIXELS / columns)),
  lossy: false,
};
const EXTENDED: BandCodec = {
  name: 'JPEG Extended',
  read: readDctHeader,
  decoder: (b, max) => new DctDecoder(b, max),
  bandRows: (columns) => Math.max(1, Math.floor(DCT_BAND_PIXELS / (8 * columns))),
  lossy: true,
};
/** isDctBaseline: the same decoder, named by the file's own label in messages */
const BASELINE_DCT: BandCodec = { ...EXTENDED, name: 'JPEG Baseline' };
const bandCodec = (ts: string): BandCodec => (ts === JPEG_EXTENDED ? EXTENDED : ts === JPEG_BASELINE ? BASELINE_DCT : LOSSLESS);

/** `work`, a damaged or unreadable stream (the decoder's own error) becoming a 422 naming the frame. */
function attempt<T>(inst: DicomInstance, frame: number, name: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof JpegLosslessError || err instanceof JpegDctError) throw new CorruptStudyError(`The ${name} pixel data of ${which(inst, frame)} cannot be decoded: ${err.message}.`);
    throw err;
  }
}

/** Every frame's JPEG Lossless or JPEG Extended (or isDctBaseline) header, checked (checkFrameHeader) before any frame of the study is decoded. */
export function assertBandFrameHeaders(inst: DicomInstance, maxPixels: number, locate: (frame: number) => Uint8Array): void {
  const codec = bandCodec(inst.transferSyntax);
  for (let f = 0; f < inst.frames; f++) checkBandHeader(inst, f, codec.name, attempt(inst, f, codec.name, () => codec.read(locate(f))), maxPixels);
}

/** checkFrameHeader, and colour coded a scan per component: valid JPEG Lossless the decoder here leaves out (415). */
function checkBandHeader(inst: DicomInstance, frame: number, name: string, h: FrameHeader, maxPixels: number): void {
  checkFrameHeader(inst, frame, name, h, maxPixels);
  if (h.separateScans) throw new UnsupportedPixelFormatError(inst.pos, `colour ${name} coded a scan per component (one interleaved scan is read)`);
}

/**
 * One JPEG Lossless or JPEG Extended (or isDctBaseline) frame as native-layout bytes (see the top of this file),
 * decoded a band of rows at a time, yielding to the event loop and checking `signal` between bands.
 * The header is checked again against the DICOM header before the output is allocated; a damaged
 * stream is a 422 CorruptStudyError naming the frame.
 */
export async function decodeBandFrame(inst: DicomInstance, frame: number, compressed: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
  const codec = bandCodec(inst.transferSyntax);
  const pixels = inst.rows * inst.columns;
  const h = attempt(inst, frame, codec.name, () => codec.read(compressed));
  checkBandHeader(inst, frame, codec.name, h, pixels);
  const dec = attempt(inst, frame, codec.name, () => codec.decoder(compressed, pixels));
  const band = codec.bandRows(inst.columns);
  while (!dec.done) {
    attempt(inst, frame, codec.name, () => dec.next(band));
    if (!dec.done) await nextTurn(signal);
  }
  const samples = dec.out;
  let out: Uint8Array;
  if (inst.bitsAllocated === 8) {
    out = Uint8Array.from(samples); // P ≤ 8 (checked): every sample fits
  } else {
    out = new Uint8Array(samples.length * 2);
    for (let i = 0; i < samples.length; i++) {
      out[2 * i] = samples[i] & 0xff;
      out[2 * i + 1] = samples[i] >> 8;
    }
  }
  if (codec.lossy) clipToBitsStored(inst, h.precision, out);
  return out;
}

/**
 * A lossy frame's native-layout words (Bits Allocated wide, little endian) put back into Bits Stored
 * where fewer bits are stored than the stream codes (10 stored in a 12-bit stream): the coding's
 * overshoot at a bright edge (1,030 for a white 1,023 in JPEG Extended, up to 1,098 in HTJ2K) would
 * otherwise lose its high bit to Bits Stored on the native path and turn black. Only values stored
 * from bit 0 (High Bit = Bits Stored − 1; elsewhere the word holds more than the value), and signed
 * ones only where the codec's samples are signed too (`signedSamples`: JPEG 2000, HTJ2K), which the
 * words then hold sign-extended; JPEG's samples are unsigned bit patterns. Not for lossless streams,
 * whose bits above Bits Stored are the data's own and are masked off.
 */
export function clipToBitsStored(inst: DicomInstance, precision: number, words: Uint8Array, signedSamples = false): void {
  const bs = inst.bitsStored ?? precision;
  const signed = inst.pixelRepresentation === 1;
  if (bs >= precision || signed !== signedSamples || (inst.highBit ?? bs - 1) !== bs - 1) return;
  const lo = signed ? -(2 ** (bs - 1)) : 0;
  const hi = signed ? 2 ** (bs - 1) - 1 : 2 ** bs - 1;
  const wide = inst.bitsAllocated !== 8;
  for (let i = 0; i < words.length - (wide ? 1 : 0); i += wide ? 2 : 1) {
    let v = wide ? words[i] | (words[i + 1] << 8) : words[i];
    if (signed) v = wide ? (v << 16) >> 16 : (v << 24) >> 24;
    const c = v < lo ? lo : v > hi ? hi : v;
    if (c === v) continue;
    words[i] = c & 0xff;
    if (wide) words[i + 1] = (c >> 8) & 0xff;
  }
}

/**
 * DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header (segment count, 15 offsets), then one
 * PackBits segment per byte plane — for each sample, most significant byte first. Returns the
 * frame interleaved and little endian, or null when the data are inconsistent.
 */
export function decodeRle(data: Uint8Array, samples: number, bytesPer: number, pixels: number): Uint8Array | null {
  if (data.length < 64) return null;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const segments = dv.getUint32(0, true);
  if (segments !== samples * bytesPer || segments > 15) return null;
  const offsets: number[] = [];
  for (let i = 0; i < segments; i++) offsets.push(dv.getUint32(4 + 4 * i, true));
  const out = new Uint8Array(pixels * samples * bytesPer);
  for (let seg = 0; seg < segments; seg++) {
    const sample = Math.floor(seg / bytesPer);
    const byteLE = bytesPer - 1 - (seg % bytesPer);
    const stride = samples * bytesPer;
    const base = sample * bytesPer + byteLE;
    let p = offsets[seg];
    const end = seg + 1 < segments ? offsets[seg + 1] : data.length;
    if (p < 64 || p > end || end > data.length) return null;
    let i = 0;
    while (i < pixels && p < end) {
      const n = (data[p++] << 24) >> 24; // int8
      if (n >= 0) {
        for (let k = 0; k <= n && i < pixels; k++) out[base + stride * i++] = data[p++];
      } else if (n !== -128) {
        const v = data[p++];
        for (let k = 0; k < 1 - n && i < pixels; k++) out[base + stride * i++] = v;
      }
    }
    if (i !== pixels) return null;
  }
  return out;
}
