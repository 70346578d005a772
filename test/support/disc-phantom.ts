import type { RawImage } from '../../src/inference/preprocess';
import type { StudyLimits } from '../../src/studies/study-loader';
import { syntheticSlice } from './study-fixtures';

/**
 * The non-square-pixel phantom of the square-pixels and Enhanced MR spacing specs: a disc of 20 mm
 * radius stored as 128 columns at 0.5 mm × 64 rows at 1.0 mm, so it is round only once the slice
 * has been stretched to square physical pixels.
 */
export const LIMITS: StudyLimits = { maxBytes: 100 * 1024 * 1024, maxSlices: 400, minSide: 32, maxPixels: 4 * 1024 * 1024 };
export const inDisc = (xmm: number, ymm: number) => (xmm - 32) ** 2 + (ymm - 32) ** 2 < 20 ** 2;
/** stored pixel (x, y) of a 0.5 mm column × 1.0 mm row grid, at its centre in mm */
export const disc = syntheticSlice(128, 64, (x, y) => (inDisc(x * 0.5 + 0.25, y + 0.5) ? 200 : 20));

/** width and height (pixels) of the bright region through the image's centre row and column */
export function extent(img: RawImage): { across: number; down: number } {
  const bright = (x: number, y: number) => img.data[y * img.width + x] > 110;
  let across = 0;
  let down = 0;
  for (let x = 0; x < img.width; x++) if (bright(x, img.height >> 1)) across++;
  for (let y = 0; y < img.height; y++) if (bright(img.width >> 1, y)) down++;
  return { across, down };
}
