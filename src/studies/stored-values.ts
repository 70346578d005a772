import type { ModalityLut } from './voi-lut';

/*
 * Stored values out of a frame's native-layout words (PS3.5 8): shared by grey frames, whose values
 * then become modality values, and PALETTE COLOR frames, whose values index the palette
 * (dicom-pixels.ts, colour-pixels.ts).
 */

export interface BitLayout {
  ba: number;
  le: boolean;
  signed: boolean;
  /** HighBit − BitsStored + 1: where the stored value starts in its word */
  shift: number;
  stored: number;
  /** Pixel Padding Value range (stored values, inclusive); empty (∞, −∞) when none */
  padLo: number;
  padHi: number;
  /** Modality LUT Sequence, applied instead of slope/intercept */
  lut: ModalityLut | null;
  /** subtracted from each modality value before it is stored (decodeFrame) */
  origin: number;
}

/**
 * values[start..end) = stored value (shifted down, masked, sign-extended; 8, 16 and 32 bits
 * alike) × slope + intercept; padding pixels (PS3.3 C.7.5.1.1.2: outside the image, e.g. the
 * corners of a rotated reconstruction) become NaN, which the percentile sampler skips and every
 * window renders black (MONOCHROME1 too) — so they neither stretch the window nor pass for tissue.
 */
export function decodeRange(view: DataView, values: Float32Array, start: number, end: number, l: BitLayout, slope: number, intercept: number): void {
  const { ba, le, signed, shift, stored, padLo, padHi, lut, origin } = l;
  const span = 2 ** stored; // a number, not an int32: BitsStored may be 32
  const mask = stored < 32 ? span - 1 : 0;
  const signBit = span / 2;
  for (let i = start; i < end; i++) {
    let v = ba === 8 ? view.getUint8(i) : ba === 16 ? view.getUint16(i * 2, le) : view.getUint32(i * 4, le);
    if (shift) v >>>= shift;
    if (stored < 32) v &= mask; // non-negative: mask < 2^31
    if (signed && v >= signBit) v -= span;
    values[i] = v >= padLo && v <= padHi ? NaN : (lut ? lookUp(lut, v) : v * slope + intercept) - origin;
  }
}

export function lookUp(lut: ModalityLut, v: number): number {
  const i = v - lut.first;
  return lut.data[i < 0 ? 0 : i >= lut.data.length ? lut.data.length - 1 : i];
}
