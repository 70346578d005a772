import type { PaletteLut } from './palette';
import type { ColourLayout } from './colour-format';

/*
 * A colour frame's decoded bytes (or palette indices) as interleaved 8-bit RGB, the one colour form
 * the pipeline reads (a colour PNG decodes to the same). Conversions per PS3.3 C.7.6.3.1.2; each
 * works on a range of pixels so that the caller can yield between ranges (dicom-pixels.ts).
 */

/** Photometric interpretations whose samples are Y, Cb, Cr: full range (YBR_FULL, YBR_FULL_422) or partial (YBR_PARTIAL_422). */
type Ycc = 'full' | 'partial' | null;

export function yccOf(photometric: string | null): Ycc {
  if (photometric === 'YBR_FULL' || photometric === 'YBR_FULL_422') return 'full';
  if (photometric === 'YBR_PARTIAL_422') return 'partial';
  return null; // RGB; YBR_ICT / YBR_RCT were turned back into RGB by the codec
}

const clamp8 = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

/**
 * Y Cb Cr → R G B into out[o..o+2]. Full range (JPEG/JFIF, YBR_FULL): the inverse of PS3.3's
 * Y = .299R + .587G + .114B, Cb/Cr centred on 128; a grey pixel (Cb = Cr = 128) stays exactly Y.
 * Partial range (YBR_PARTIAL_422, ITU-R BT.601): Y 16–235 and Cb/Cr 16–240 stretched to 0–255 first.
 */
function yccToRgb(y: number, cb: number, cr: number, ycc: 'full' | 'partial', out: Uint8Array, o: number): void {
  let l = y;
  let b = cb - 128;
  let r = cr - 128;
  if (ycc === 'partial') {
    l = ((y - 16) * 255) / 219;
    b = (b * 255) / 224;
    r = (r * 255) / 224;
  }
  out[o] = clamp8(l + 1.402 * r);
  out[o + 1] = clamp8(l - 0.344136 * b - 0.714136 * r);
  out[o + 2] = clamp8(l + 1.772 * b);
}

/**
 * Pixels [start, end) of a frame of `n` pixels, `columns` wide, from `src` (laid out as `layout`
 * says: interleaved R G B, three planes, or 4:2:2 pairs Y1 Y2 Cb Cr) into `out` (interleaved RGB).
 * For pairs, `start` and `end` are even: each pair shares its chroma.
 */
export function colourRange(src: Uint8Array, out: Uint8Array, start: number, end: number, n: number, layout: Exclude<ColourLayout, 'palette'>, ycc: Ycc): void {
  for (let i = start; i < end; i++) {
    let a: number;
    let b: number;
    let c: number;
    if (layout === 'interleaved') {
      a = src[3 * i];
      b = src[3 * i + 1];
      c = src[3 * i + 2];
    } else if (layout === 'planar') {
      a = src[i];
      b = src[n + i];
      c = src[2 * n + i];
    } else {
      const pair = i >> 1; // 4 bytes a pair of pixels; rows have an even number of columns (checked), so pairs never straddle rows
      a = src[4 * pair + (i & 1)];
      b = src[4 * pair + 2];
      c = src[4 * pair + 3];
    }
    if (ycc) yccToRgb(a, b, c, ycc, out, 3 * i);
    else {
      out[3 * i] = a;
      out[3 * i + 1] = b;
      out[3 * i + 2] = c;
    }
  }
}

/** Pixels [start, end): each stored value (`values`, from stored-values.ts) looked up in the palette, clamped to its first and last entries (PS3.3 C.7.6.3.1.5). */
export function paletteRange(values: Float32Array, out: Uint8Array, start: number, end: number, lut: PaletteLut): void {
  const last = lut.red.length - 1;
  for (let i = start; i < end; i++) {
    const k = values[i] - lut.first;
    const e = k < 0 ? 0 : k > last ? last : k;
    out[3 * i] = lut.red[e];
    out[3 * i + 1] = lut.green[e];
    out[3 * i + 2] = lut.blue[e];
  }
}

/** Bytes a decoded frame of `pixels` pixels takes in `layout` (before it becomes RGB), `bytesPer` a sample (4:2:2 pairs: 8-bit only). */
export function colourFrameBytes(layout: ColourLayout, pixels: number, bytesPer: number): number {
  return layout === 'palette' ? pixels * bytesPer : layout === 'pairs' ? pixels * 2 : pixels * 3 * bytesPer;
}

/** Where a sample's value lies in its 16-bit word: PS3.5 8, bits HighBit−BitsStored+1 … HighBit. */
export interface WordLayout {
  le: boolean;
  shift: number;
  stored: number;
}

/**
 * Samples [start, end) of 16-bit words (`src`, two bytes each) as 8-bit ones into `out`, in the same
 * layout: the stored value's top 8 bits (its bits past 8 dropped, as PIL reads a 16-bit RGB PNG and
 * DCMTK shows colour of more than 8 bits), or one of fewer bits stretched to 0–255.
 */
export function narrowRange(src: Uint8Array, out: Uint8Array, start: number, end: number, w: WordLayout): void {
  const mask = 2 ** w.stored - 1;
  const down = w.stored - 8;
  for (let i = start; i < end; i++) {
    const word = w.le ? src[2 * i] | (src[2 * i + 1] << 8) : (src[2 * i] << 8) | src[2 * i + 1];
    const v = (word >> w.shift) & mask;
    out[i] = down >= 0 ? v >> down : Math.round((v * 255) / mask);
  }
}
