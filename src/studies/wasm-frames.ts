import type { DicomInstance } from './dicom';
import { codecThread, CodecStreamError } from './codec-thread';
import { CodestreamError, CodestreamHeader, readHtj2kHeader, readJ2kHeader, readJpegLsHeader } from './codestream-headers';
import { checkFrameHeader, clipToBitsStored, which } from './dicom-codecs';
import { CorruptStudyError, UnsupportedPixelFormatError } from './study-errors';
import type { WasmCodec, WasmFrame } from './wasm-codecs';

/*
 * DICOM JPEG-LS (.80, .81) and JPEG 2000 (.90, .91) frames: each frame's header read and checked
 * before any frame of the study is decoded, then decoded in the codec thread (codec-thread.ts) and
 * written as native-layout words (little endian, Bits Allocated wide), so that the values take the
 * native path of dicom-pixels.ts, as JPEG Lossless frames do (dicom-codecs.ts).
 */

const NAMES: Record<WasmCodec, string> = { 'jpeg-ls': 'JPEG-LS', 'jpeg-2000': 'JPEG 2000', htj2k: 'HTJ2K' };
const READERS: Record<WasmCodec, (b: Uint8Array) => CodestreamHeader> = { 'jpeg-ls': readJpegLsHeader, 'jpeg-2000': readJ2kHeader, htj2k: readHtj2kHeader };

function header(inst: DicomInstance, frame: number, codec: WasmCodec, compressed: Uint8Array): CodestreamHeader {
  try {
    return READERS[codec](compressed);
  } catch (err) {
    if (err instanceof CodestreamError) throw new CorruptStudyError(`The ${NAMES[codec]} pixel data of ${which(inst, frame)} cannot be decoded: ${err.message}.`);
    throw err;
  }
}

/**
 * checkFrameHeader (dicom-codecs.ts), and one refusal of our own: the OpenJPEG build clamps the
 * negative samples of signed JPEG 2000 of ≤ 8 bits to 0 (found by scripts/codec-differential.ts:
 * every such file differed from opj_decompress), so that is a 415 rather than a wrong image. The
 * OpenJPH build (HTJ2K) gives signed 2–8-bit samples back exactly (dicom-htj2k.spec.ts): not refused.
 */
function checkHeader(inst: DicomInstance, frame: number, codec: WasmCodec, h: CodestreamHeader, maxPixels: number): void {
  checkFrameHeader(inst, frame, NAMES[codec], h, maxPixels);
  if (codec === 'jpeg-2000' && h.signed && h.precision <= 8) throw new UnsupportedPixelFormatError(inst.pos, `signed JPEG 2000 of ${h.precision} bits`);
  // a lossy stream's indices are other indices, whose colours need not be near (the standard has palettes lossless)
  if (h.lossy && inst.photometric === 'PALETTE COLOR') throw new UnsupportedPixelFormatError(inst.pos, `PALETTE COLOR in lossy ${NAMES[codec]} (palette indices coded lossily)`);
  everyTileHeld(inst, frame, codec, h);
}

/**
 * A JPEG 2000 / HTJ2K frame must hold every tile its SIZ segment declares: OpenJPEG and OpenJPH
 * decode a missing tile as zeros without a word, so 2.8 KB holding one 64² tile under a SIZ of
 * 2048² in 16² tiles "decoded" to 16,383 blank tiles and was analysed, a 200
 * (scripts/fuzz-uploads.ts) — a frame of decoder fill, as a cut HTJ2K stream is.
 */
function everyTileHeld(inst: DicomInstance, frame: number, codec: WasmCodec, h: CodestreamHeader): void {
  if (!h.tiles || h.tiles.held >= h.tiles.declared) return;
  const n = (v: number) => v.toLocaleString('en-GB');
  throw new CorruptStudyError(`The ${NAMES[codec]} pixel data of ${which(inst, frame)} cannot be decoded: its tile-parts hold ${n(h.tiles.held)} of the ${n(h.tiles.declared)} tiles its SIZ segment declares.`);
}

/** Every frame's header, checked before any frame of the study is decoded. */
export function assertWasmFrameHeaders(inst: DicomInstance, codec: WasmCodec, maxPixels: number, locate: (frame: number) => Uint8Array): void {
  for (let f = 0; f < inst.frames; f++) checkHeader(inst, f, codec, header(inst, f, codec, locate(f)), maxPixels);
}

/**
 * One frame as native-layout bytes. The header is checked again (this frame may be decoded on its
 * own); the decoder's answer must match it — size, components, precision — or the frame is a 422,
 * as is a stream the codec refuses. A lossy stream's samples are clipped to Bits Stored where it codes
 * more bits than are stored (clipToBitsStored). `signal` takes the frame out of the codec thread's
 * queue, or stops its decode.
 */
export async function decodeWasmFrame(inst: DicomInstance, frame: number, codec: WasmCodec, compressed: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
  const name = NAMES[codec];
  const h = header(inst, frame, codec, compressed);
  checkHeader(inst, frame, codec, h, inst.rows * inst.columns);
  let d: WasmFrame;
  try {
    d = await codecThread.decode(codec, compressed, h.width * h.height, signal);
  } catch (err) {
    if (err instanceof CodecStreamError) throw new CorruptStudyError(`The ${name} pixel data of ${which(inst, frame)} cannot be decoded: ${err.message}.`);
    throw err;
  }
  const n = h.width * h.height;
  const wide = d.bitsPerSample > 8;
  if (d.width !== h.width || d.height !== h.height || d.componentCount !== h.components || d.bitsPerSample !== h.precision || d.data.length !== n * h.components * (wide ? 2 : 1)) {
    throw new CorruptStudyError(
      `The ${name} frame of ${which(inst, frame)} decoded to ${d.width}×${d.height} px, ${d.componentCount} component(s) of ${d.bitsPerSample} bits, not the ${h.width}×${h.height} px, ${h.components} of ${h.precision} bits its header declares.`,
    );
  }
  // colour planes, where CharLS gives them, are interleaved here (8-bit, or 16-bit RGB: colour-format.ts)
  const data = h.planar ? interleave(d.data, n, h.components, wide ? 2 : 1) : d.data;
  const out = inst.bitsAllocated === 8 || wide ? data : widen(data, d.isSigned === true);
  if (h.lossy) clipToBitsStored(inst, h.precision, out, d.isSigned === true);
  return out;
}

/** Samples of ≤ 8 bits as 16-bit little-endian words (sign-extended when signed, for Bits Stored above the precision); wider samples and 8-bit words are the codec's output as it is. */
function widen(data: Uint8Array, signed: boolean): Uint8Array {
  const out = new Uint8Array(data.length * 2);
  for (let i = 0; i < data.length; i++) {
    const v = signed ? (data[i] << 24) >> 24 : data[i];
    out[2 * i] = v & 0xff;
    out[2 * i + 1] = (v >> 8) & 0xff;
  }
  return out;
}

/** `components` planes of `n` samples of `bytes` bytes as interleaved pixels. */
function interleave(planes: Uint8Array, n: number, components: number, bytes: 1 | 2): Uint8Array {
  const out = new Uint8Array(planes.length);
  for (let c = 0; c < components; c++) {
    for (let i = 0; i < n; i++) for (let b = 0; b < bytes; b++) out[(i * components + c) * bytes + b] = planes[(c * n + i) * bytes + b];
  }
  return out;
}
