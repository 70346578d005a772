import { CorruptImageError, UnsupportedTypeError } from '../common/errors';
import { pngChunksBeforeIdat, u32 } from '../common/png-chunks';

/**
 * Animated PNGs (APNG), read from the chunk list before any decode.
 *
 * libvips (sharp) decodes only a PNG's default image — its IDAT — whatever acTL/fcTL/fdAT say,
 * while browsers play the animation. Two ways that goes wrong:
 *  - no fcTL before IDAT: the default image is not part of the animation at all. Every browser
 *    shows the animation, and the model, the heat map and the PDF would describe a hidden image
 *    the user never saw.
 *  - fcTL before IDAT and more than one frame: the model reads frame 1 only, the user sees a loop.
 *
 * Decision for the second case: refused too, not analysed-with-a-note. A user who uploads an
 * animated cine loop expects the loop analysed, or does not know it is animated; a silent
 * "frame 1 of 30" answer is the same mismatch as above, only less extreme, and a note would have to
 * travel through the result, its page, the history and the PDF to be sure it is seen. The service
 * analyses one image; asking for that one image as a still PNG is what the study upload does for
 * several echoes (MIXED_SERIES). A one-frame APNG whose frame is the default image looks the same
 * in every viewer as a still PNG, so it is accepted.
 */

/** APNG's own bound on num_frames (a PNG four-byte integer, at most 2^31 − 1). */
export const MAX_APNG_DECLARED_FRAMES = 0x7fffffff;

const STILL_HINT = 'Upload the frame you mean as a still (non-animated) PNG.';

/** The chunk types that decide it (the walk, png-chunks.ts, stops at the first IDAT: acTL after it is ignored by APNG readers). */
const ACTL = 'acTL';
const FCTL = 'fcTL';

/**
 * Throws 415 UNSUPPORTED_TYPE for an animated PNG (saying why), 422 CORRUPT_IMAGE for an acTL whose
 * frame count no APNG may declare. Reads chunk headers only, up to the first IDAT: one pass over
 * at most the upload's size in 12-byte steps, no copy; the declared count is checked, never
 * looped over. A chunk list it cannot follow (truncated, bad length) is left to the decoder, which
 * refuses it as corrupt.
 */
export function refuseAnimatedPng(bytes: Uint8Array): void {
  let declaredFrames: number | null = null;
  let fctlBeforeIdat = false; // in either order with acTL: the spec fixes only that both precede IDAT
  const walk = pngChunksBeforeIdat(bytes);
  for (const { type, length, dataAt } of walk.chunks) {
    if (type === ACTL && declaredFrames === null && length >= 8 && dataAt + 8 <= bytes.length) {
      declaredFrames = u32(bytes, dataAt);
      if (declaredFrames === 0 || declaredFrames > MAX_APNG_DECLARED_FRAMES) {
        throw new CorruptImageError(`The animated PNG declares ${declaredFrames} frames (1 to ${MAX_APNG_DECLARED_FRAMES} are valid).`);
      }
    }
    if (type === FCTL) fctlBeforeIdat = true;
  }
  const reachedIdat = walk.reachedIdat();
  // cut off before its image data: not ours to name, the decoder refuses it as corrupt
  if (declaredFrames === null || !reachedIdat) return;
  if (!fctlBeforeIdat) {
    throw new UnsupportedTypeError(
      `Animated PNG whose still image is not its first frame: browsers show the animation, but the analysis would read a hidden image you never saw. ${STILL_HINT}`,
    );
  }
  if (declaredFrames === 1) return; // a one-frame APNG whose frame is the default image: a still in every viewer
  throw new UnsupportedTypeError(
    `Animated PNG (${declaredFrames} frames): only one image can be analysed, and its first frame alone is not what a browser shows. ${STILL_HINT}`,
  );
}
