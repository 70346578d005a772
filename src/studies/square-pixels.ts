import { FileCheckError } from '../common/errors';
import { pillowVerticalFirst, planResize, RawImage, resizeRowsH, resizeRowsV } from '../inference/preprocess';

/*
 * Square physical pixels for every study slice, DICOM and NIfTI alike (study-loader.ts plans,
 * windowing.ts resamples). A slice whose row spacing differs from its column spacing (0.5 × 1.0 mm
 * is common with rectangular acquisition matrices) is a distorted picture of the anatomy when its
 * pixels are drawn square: a viewer stretches it to its physical shape, and so must the service,
 * because the models were trained on images shown that way and the heat map and thumbnails are
 * read by people as anatomy.
 */

/**
 * Largest in-plane pixel aspect accepted. Real in-plane MR pixels stay within ~1:4 (reduced
 * phase resolution without interpolation); beyond 8:1 the header almost certainly misstates the
 * geometry (a unit slip, the slice thickness written as a pixel spacing), so both choices —
 * stretching the slice 8× or ignoring the spacing — would analyse an image known to be
 * misdescribed. It is refused with a named 422 instead of answered.
 */
export const MAX_PIXEL_ASPECT = 8;

export class PixelSpacingError extends FileCheckError {
  readonly code = 'PIXEL_SPACING_OUT_OF_RANGE';
  readonly statusCode = 422;
}

/**
 * How the slices were given square pixels: `square` — the spacing says they already are (within
 * half a pixel over the slice), kept as stored, byte for byte; `resampled` — to `width` × `height`;
 * `assumed_square` — no usable in-plane spacing (absent, zero, negative or not a number, as in
 * many exported or converted files): shown as stored, as a viewer does, and reported so that the
 * reader knows the aspect is the file's, not the anatomy's.
 */
export type PixelShape = 'square' | 'resampled' | 'assumed_square';

export interface SquarePlan {
  width: number;
  height: number;
  shape: PixelShape;
}

export interface InPlaneSpacing {
  column: number | null;
  row: number | null;
}

const usable = (v: number | null): v is number => v !== null && Number.isFinite(v) && v > 0;

/**
 * The size a width × height slice is shown at: the finer spacing becomes the square pixel's side,
 * so the coarser axis is stretched and no detail along the finer one is lost (as a viewer draws
 * it). The result never exceeds `maxPixels` (the per-slice limit, checked here, before anything
 * is allocated): a larger one is scaled down as a whole, keeping its physical aspect.
 */
export function planSquarePixels(width: number, height: number, spacing: InPlaneSpacing, maxPixels: number): SquarePlan {
  const { column, row } = spacing;
  if (!usable(column) || !usable(row)) return { width, height, shape: 'assumed_square' };
  const ratio = Math.max(column, row) / Math.min(column, row);
  if (!(ratio <= MAX_PIXEL_ASPECT)) {
    throw new PixelSpacingError(
      `The in-plane pixel spacing (${round(row)} mm between rows, ${round(column)} mm between columns) is a ${round(ratio)}:1 aspect; ` +
        `at most ${MAX_PIXEL_ASPECT}:1 is accepted (a larger one almost always means a wrong Pixel Spacing / pixdim in the header).`,
    );
  }
  const side = Math.min(column, row);
  // n × spacing / side as always; by the ratio (≤ 8) where the product overflows (spacings near
  // 1e308, which DS allows), which made a NaN × NaN plan that passed the size checks as an empty slice
  const stretch = (n: number, along: number) => (Number.isFinite(n * along) ? (n * along) / side : n * (along / side));
  let w = Math.max(1, Math.round(stretch(width, column)));
  let h = Math.max(1, Math.round(stretch(height, row)));
  if (w === width && h === height) return { width, height, shape: 'square' };
  if (w * h > maxPixels) {
    const f = Math.sqrt(maxPixels / (w * h));
    w = Math.max(1, Math.floor(w * f));
    h = Math.max(1, Math.floor(h * f));
  }
  return { width: w, height: h, shape: 'resampled' };
}

/** Counts work and yields to the event loop (windowing.ts's Pacer). */
export interface WorkPacer {
  work(pixels: number): Promise<void>;
}

/** Output pixels per band between two calls to the pacer. */
const BAND_PIXELS = 1 << 18;

/**
 * The slice at its plan's size: the service's one resampler (PIL's antialiased bilinear,
 * preprocess.ts) per channel, run in bands of rows with the pacer between them, so a 4 MP slice
 * never holds the event loop for a whole resample. Its two passes run in Pillow 13's order, decided
 * by the letterbox's own rule (pillowVerticalFirst: vertical first where the height loses more than
 * twice the pixels the width loses, i.e. a tall slice scaled down to the per-slice limit), so each
 * value is resizeBilinearF's, rounded: horizontal first always, the float32 intermediate rounded
 * elsewhere and 8 of 4.0 M pixels of generated tall slices came out 1 grey level off. A slice whose
 * plan keeps its size is returned as it is (the same object: square slices are byte-identical to
 * what they were).
 */
export async function toSquarePixels(img: RawImage, plan: SquarePlan, pacer: WorkPacer): Promise<RawImage> {
  if (plan.width === img.width && plan.height === img.height) return img;
  const { width: w, height: h, channels } = img;
  const { width: nw, height: nh } = plan;
  const verticalFirst = nw !== w && pillowVerticalFirst(w, h, nw, nh);
  // vertical first: the vertical pass over whole rows (w × nh), then the horizontal one, as resizeBilinearF
  const resize = verticalFirst ? planResize(w, h, w, nh) : planResize(w, h, nw, nh);
  const across = verticalFirst ? planResize(w, nh, nw, nh) : null;
  const out = new Uint8Array(nw * nh * channels);
  const plane = new Float32Array(w * h);
  const tmp = across ? new Float32Array(w * nh) : resize.horizontal ? new Float32Array(nw * resize.tmpH) : plane;
  const res = across || resize.vertical ? new Float32Array(nw * nh) : tmp;
  const floor = Math.floor; // a local: a global looked up per pixel is slow in a vm context (jest)
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < w * h; i++) plane[i] = img.data[i * channels + c];
    await pacer.work(w * h);
    if (across) {
      await banded(nh, w, pacer, (y0, y1) => resizeRowsV(resize, plane, tmp, y0, y1));
      await banded(nh, nw, pacer, (y0, y1) => resizeRowsH(across, tmp, res, y0, y1));
    } else {
      if (resize.horizontal) await banded(resize.tmpH, nw, pacer, (y0, y1) => resizeRowsH(resize, plane, tmp, y0, y1));
      if (resize.vertical) await banded(nh, nw, pacer, (y0, y1) => resizeRowsV(resize, tmp, res, y0, y1));
    }
    for (let i = 0; i < nw * nh; i++) {
      const v = floor(res[i] + 0.5);
      out[i * channels + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    await pacer.work(nw * nh);
  }
  return { width: nw, height: nh, channels, data: out };
}

/** One pass over `rows` output rows of `width` pixels, a band of rows at a time, the pacer between bands. */
async function banded(rows: number, width: number, pacer: WorkPacer, pass: (y0: number, y1: number) => void): Promise<void> {
  const step = Math.max(1, Math.floor(BAND_PIXELS / width));
  for (let y = 0; y < rows; y += step) {
    pass(y, Math.min(rows, y + step));
    await pacer.work(Math.min(step, rows - y) * width * 2);
  }
}

/** To the µm where that is a number; else 3 significant digits (1e308 was "Infinity mm", 1e-308 "0 mm"). */
function round(v: number): number {
  const r = Math.round(v * 1000) / 1000;
  return Number.isFinite(r) && (r !== 0 || v === 0) ? r : Number(v.toPrecision(3));
}
