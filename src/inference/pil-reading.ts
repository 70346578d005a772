import { pngChunksBeforeIdat } from '../common/png-chunks';

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
