import * as zlib from 'node:zlib';
import type { Sharp } from 'sharp';
import { pngChunks, pngChunksBeforeIdat } from '../common/png-chunks';

/**
 * Where PIL (ml/, which trained and calibrated the models: the contract's reference) reads a file
 * otherwise than libvips, measured by the encoder-variant campaign (scripts/decode-campaign,
 * docs/model-contract.md "Encoder variants"). Header bytes only; the decoder applies the answer.
 */

/**
 * A PNG tRNS chunk that PIL applies otherwise than libvips, by IHDR colour type and bit depth:
 * - 'ignore': 2- and 4-bit grey. PIL compares the chunk's raw value (0..3, 0..15) with the pixels
 *   already scaled to 8 bits (0, 85, 170, 255 / multiples of 17), so no pixel is transparent but
 *   those of value 0, which are black either way; libvips makes every pixel of that value
 *   transparent (black after flattening).
 * - [r, g, b]: 16-bit RGB. PIL keeps each sample's high byte and compares it with the low byte of
 *   each tRNS sample (it packs them into 8 bits); libvips compares the full 16-bit samples.
 * null for every other PNG (8-bit and 1-bit grey, 16-bit grey, 8-bit RGB, palettes: the same in
 * both) and for JPEG.
 */
export type PilTransparency = 'ignore' | [number, number, number];

export function pilTransparency(bytes: Uint8Array): PilTransparency | null {
  const isIhdr = bytes.length > 28 && bytes[12] === 0x49 && bytes[13] === 0x48 && bytes[14] === 0x44 && bytes[15] === 0x52;
  if (!isIhdr) return null;
  const depth = bytes[24];
  const colourType = bytes[25];
  const greyLowDepth = colourType === 0 && (depth === 2 || depth === 4);
  const rgb16 = colourType === 2 && depth === 16;
  if (!greyLowDepth && !rgb16) return null;
  for (const { type, length, dataAt } of pngChunksBeforeIdat(bytes).chunks) {
    if (type !== 'tRNS') continue;
    if (greyLowDepth) return 'ignore';
    // a tRNS of another length is refused by both decoders' PNG readers or ignored by both
    if (length !== 6 || dataAt + 6 > bytes.length) return null;
    return [bytes[dataAt + 1], bytes[dataAt + 3], bytes[dataAt + 5]];
  }
  return null;
}

/** PIL's reading of a 16-bit RGB tRNS on the 8-bit RGB pixels: the matching ones black (transparent, flattened). */
export function blackenPilTransparent(rgb: Uint8Array, key: [number, number, number]): void {
  const [r, g, b] = key;
  for (let i = 0; i + 2 < rgb.length; i += 3) {
    if (rgb[i] === r && rgb[i + 1] === g && rgb[i + 2] === b) rgb[i] = rgb[i + 1] = rgb[i + 2] = 0;
  }
}

/** What sharp's metadata says about orientation: libvips's EXIF reading, and the XMP packet it found. */
export interface OrientationMeta {
  orientation?: number;
  exif?: Buffer;
  xmp?: Buffer;
}

/** PIL reads at most this much of a compressed text chunk (PngImagePlugin.MAX_TEXT_CHUNK). */
const MAX_TEXT_CHUNK = 1 << 20;

/**
 * The orientation PIL's exif_transpose (ml/) applies where libvips applies none, 2..8, else null.
 * libvips reads the Orientation tag of a JPEG's EXIF or a PNG's eXIf chunk before the image data,
 * as PIL does (identical on 1..8, little- and big-endian, SHORT or LONG, and out-of-range values in
 * the campaign). Where libvips finds none, PIL may still:
 * - read a PNG's eXIf that libvips cannot: one that repeats the "Exif\0\0" prefix (PIL strips it),
 *   or one after the image data (PIL reads it when it loads the pixels; it keeps the last);
 * - without any eXIf, read a PNG's "Raw profile type exif" text chunk (tEXt, zTXt or iTXt,
 *   anywhere; ImageMagick keeps EXIF in a PNG so);
 * - where that EXIF has no Orientation, read the XMP packet's tiff:Orientation
 *   (`tiff:Orientation="6"` or `<tiff:Orientation>6<`).
 * A browser applies none of these, so such a file is drawn unturned while the model is given it turned.
 */
export function pilFallbackOrientation(bytes: Uint8Array, format: 'jpeg' | 'png', meta: OrientationMeta): number | null {
  if (meta.orientation !== undefined) return null;
  let o: number | null = null;
  if (format === 'png') {
    const { exif, rawProfile } = pngExifChunks(bytes);
    const data = exif ?? (rawProfile && rawProfileExif(rawProfile));
    if (data) o = tiffOrientation(data);
  } else if (meta.exif) {
    o = tiffOrientation(meta.exif);
  }
  if (o === null && meta.xmp) {
    const m = /tiff:Orientation(="|>)([0-9])/.exec(meta.xmp.toString('latin1'));
    if (m) o = Number(m[2]);
  }
  return o !== null && o >= 2 && o <= 8 ? o : null;
}

/** A PNG's last eXIf chunk and last "Raw profile type exif" text chunk (PIL keeps the last of each), headers only. */
function pngExifChunks(bytes: Uint8Array): { exif: Buffer | null; rawProfile: { type: string; rest: Buffer } | null } {
  const KEY = 'Raw profile type exif';
  let exif: Buffer | null = null;
  let rawProfile: { type: string; rest: Buffer } | null = null;
  for (const { type, length, dataAt } of pngChunks(bytes)) {
    if (dataAt + length + 4 > bytes.length) break; // its data and CRC run past the end: the list ends here
    const data = (): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset + dataAt, length);
    if (type === 'eXIf') exif = data();
    else if (type === 'tEXt' || type === 'zTXt' || type === 'iTXt') {
      const d = data();
      if (d.length > KEY.length && d[KEY.length] === 0 && d.toString('latin1', 0, KEY.length) === KEY) rawProfile = { type, rest: d.subarray(KEY.length + 1) };
    }
  }
  return { exif, rawProfile };
}

/**
 * The EXIF bytes of a raw-profile text chunk, from its hex lines after the third. Only the last
 * chunk is decompressed: many compressed copies must not each cost an inflate.
 */
function rawProfileExif({ type, rest }: { type: string; rest: Buffer }): Buffer | null {
  const text = chunkText(type, rest);
  if (text === null) return null;
  const hex = text.split('\n').slice(3).join('').replace(/\s+/g, '');
  return /^([0-9a-fA-F]{2})+$/.test(hex) ? Buffer.from(hex, 'hex') : null;
}

function chunkText(type: string, rest: Buffer): string | null {
  try {
    if (type === 'tEXt') return rest.toString('latin1');
    if (type === 'zTXt') return rest[0] === 0 ? zlib.inflateSync(rest.subarray(1), { maxOutputLength: MAX_TEXT_CHUNK }).toString('latin1') : null;
    // iTXt: compression flag, method, language\0, translated keyword\0, text
    const lang = rest.indexOf(0, 2);
    const tkw = lang < 0 ? -1 : rest.indexOf(0, lang + 1);
    if (tkw < 0) return null;
    const body = rest.subarray(tkw + 1);
    return (rest[0] === 1 ? zlib.inflateSync(body, { maxOutputLength: MAX_TEXT_CHUNK }) : body).toString('utf8');
  } catch {
    return null; // PIL cannot read it either
  }
}

/** Orientation (tag 0x0112, SHORT or LONG) of IFD0 of EXIF bytes (an "Exif\0\0" prefix, once or twice, skipped as PIL does). */
export function tiffOrientation(exif: Uint8Array): number | null {
  let at = 0;
  const EXIF = [0x45, 0x78, 0x69, 0x66, 0, 0];
  for (let k = 0; k < 2 && EXIF.every((b, i) => exif[at + i] === b); k++) at += 6;
  const t = Buffer.from(exif.buffer, exif.byteOffset + at, exif.length - at);
  if (t.length < 8) return null;
  const le = t[0] === 0x49 && t[1] === 0x49;
  if (!le && !(t[0] === 0x4d && t[1] === 0x4d)) return null;
  const r16 = (p: number) => (le ? t.readUInt16LE(p) : t.readUInt16BE(p));
  const r32 = (p: number) => (le ? t.readUInt32LE(p) : t.readUInt32BE(p));
  const ifd = r32(4);
  if (ifd + 2 > t.length) return null;
  const n = r16(ifd);
  for (let i = 0; i < n && ifd + 2 + i * 12 + 12 <= t.length; i++) {
    const e = ifd + 2 + i * 12;
    if (r16(e) !== 0x0112) continue;
    const type = r16(e + 2); // PIL takes any integer type; writers use SHORT, a few LONG
    return type === 3 ? r16(e + 8) : type === 4 ? r32(e + 8) : null;
  }
  return null;
}

/**
 * PIL's transposition for orientation 2..8 as sharp operations. sharp runs flip/flop before the
 * rotation (clockwise), whatever the order of the calls.
 */
export function orientLikePil(p: Sharp, orientation: number): Sharp {
  switch (orientation) {
    case 2: return p.flop();
    case 3: return p.rotate(180);
    case 4: return p.flip();
    case 5: return p.flop().rotate(270);
    case 6: return p.rotate(90);
    case 7: return p.flop().rotate(90);
    case 8: return p.rotate(270);
    default: return p;
  }
}
