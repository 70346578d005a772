/**
 * Contract preprocessing (docs/model-contract.md), bit-for-bit with the Python side where
 * possible: float32 luma, PIL's antialiased BILINEAR resample on a mode-"F" image (a port of
 * Pillow's ImagingResample), letterbox with pad 0, then scale/mean/std.
 * Pure functions only — no sharp, no onnxruntime — so they are unit-testable.
 */

/** A decoded 8-bit image: 1 channel (grey) or 3 channels (RGB), row-major, interleaved. */
export interface RawImage {
  width: number;
  height: number;
  channels: 1 | 3;
  /** the pixels; empty when `prepared` is set */
  data: Uint8Array;
  /**
   * A large upload reduced, where it was decoded, to all the pipeline ever reads of it: each
   * model size's letterbox and the display luma (~1 MB instead of hundreds), made from the full
   * luma exactly as they would be later. Its pixels are never kept (issue 11, peak memory).
   */
  prepared?: PreparedPixels;
}

export interface PreparedPixels {
  boxes: { size: number; canvas: Float32Array; geometry: LetterboxGeometry }[];
  display: { luma: Float32Array; width: number; height: number };
  /** the colour gate's measure of the full pixels (colour-share.ts), when its parameters were given */
  colourShare?: number;
}

export interface LetterboxGeometry {
  size: number;
  /** resized image size inside the canvas */
  nw: number;
  nh: number;
  /** top-left offset of the image inside the canvas */
  x0: number;
  y0: number;
}

const f32 = Math.fround;

/** Contract step 2: L = (R*299 + G*587 + B*114) / 1000 as float32; grey input stays as is. */
export function toLuma(img: RawImage): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(n);
  if (img.channels === 1) {
    for (let i = 0; i < n; i++) out[i] = img.data[i];
    return out;
  }
  const d = img.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) out[i] = (d[j] * 299 + d[j + 1] * 587 + d[j + 2] * 114) / 1000;
  return out;
}

/** Python's round() is replaced in ml/ by floor(v + 0.5) (half up); the same here. */
export function letterboxGeometry(w: number, h: number, size: number): LetterboxGeometry {
  const scale = size / Math.max(w, h);
  const nw = Math.max(1, Math.floor(w * scale + 0.5));
  const nh = Math.max(1, Math.floor(h * scale + 0.5));
  return { size, nw, nh, x0: Math.floor((size - nw) / 2), y0: Math.floor((size - nh) / 2) };
}

/**
 * The background gate's measure (docs/model-contract.md, "Background gate"; ml data.border_mean):
 * the mean letterboxed luma (0..255) over a ring of the pasted content box, b = max(1,
 * round_half_up(band · min(nw, nh))) pixels wide, each pixel counted once. Air around an MRI
 * slice is dark; a bright ring means a negative image, a document, a chart or a photo.
 */
export function borderMean(canvas: Float32Array, g: LetterboxGeometry, band: number): number {
  const b = Math.max(1, Math.floor(band * Math.min(g.nw, g.nh) + 0.5));
  let sum = 0;
  let n = 0;
  for (let y = 0; y < g.nh; y++) {
    const row = (g.y0 + y) * g.size + g.x0;
    const inRing = y < b || y >= g.nh - b;
    for (let x = 0; x < g.nw; x++) {
      if (inRing || x < b || x >= g.nw - b) {
        sum += canvas[row + x];
        n++;
      }
    }
  }
  return sum / n;
}

interface Coeffs {
  ksize: number;
  /** per output pixel: first source index and number of taps */
  bounds: Int32Array;
  /** ksize weights per output pixel (float64, normalised) */
  kk: Float64Array;
}

/** PIL's bilinear (triangle) filter, support 1. */
function triangle(x: number): number {
  const a = x < 0 ? -x : x;
  return a < 1 ? 1 - a : 0;
}

/** Port of Pillow's precompute_coeffs() for the box [0, inSize) and the bilinear filter. */
function precomputeCoeffs(inSize: number, outSize: number): Coeffs {
  const scale = inSize / outSize;
  const filterscale = scale < 1 ? 1 : scale;
  const support = 1 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const kk = new Float64Array(outSize * ksize);
  const bounds = new Int32Array(outSize * 2);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // (int) casts in C truncate toward zero
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    const base = xx * ksize;
    for (let x = 0; x < xmax; x++) {
      const w = triangle((x + xmin - center + 0.5) * ss);
      kk[base + x] = w;
      ww += w;
    }
    if (ww !== 0) for (let x = 0; x < xmax; x++) kk[base + x] /= ww;
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

/**
 * Pillow's Image.resize(BILINEAR) on a mode-"F" image: horizontal pass over the needed rows
 * then vertical pass (vertical first where Pillow 13 goes so: pillowVerticalFirst), float64
 * accumulation, float32 storage between passes (as Pillow does).
 * The loops are arranged for speed (coefficient arrays in locals; the vertical pass adds whole
 * source rows into a float64 row accumulator instead of walking down columns), but every output
 * value is still the sum of the same products added in the same order, so the result is
 * bit-identical to Pillow's (test/fixtures/*preprocess_vectors.json).
 */
export function resizeBilinearF(src: Float32Array, w: number, h: number, nw: number, nh: number): Float32Array {
  if (nw !== w && pillowVerticalFirst(w, h, nw, nh)) {
    // the vertical pass over whole rows (w × nh), then the horizontal one: the same coefficients
    // as below, summed in Pillow's order, so the float32 intermediate rounds as Pillow's does
    const cols = new Float32Array(w * nh);
    resizeRowsV(planResize(w, h, w, nh), src, cols, 0, nh);
    const out = new Float32Array(nw * nh);
    resizeRowsH(planResize(w, nh, nw, nh), cols, out, 0, nh);
    return out;
  }
  const plan = planResize(w, h, nw, nh);
  if (!plan.horizontal && !plan.vertical) return Float32Array.from(src);
  let rows = src;
  if (plan.horizontal) {
    rows = new Float32Array(nw * plan.tmpH);
    resizeRowsH(plan, src, rows, 0, plan.tmpH);
  }
  if (!plan.vertical) return rows;
  const out = new Float32Array(nw * nh);
  resizeRowsV(plan, rows, out, 0, nh);
  return out;
}

/**
 * Pillow 13's pass order (Resample.c, ImagingResampleInner): the vertical pass first where the
 * height shrinks by more than twice as many pixels as the width — a letterbox of an image over
 * about 2:1 tall. The order changes the float32 rounding of the intermediate image (up to 1 ulp of
 * the letterbox, 2.4e-7 of the normalised input, on 7×300, 17×1000 and 1021×3 in the encoder
 * campaign); ml/ pins pillow==13.0.0.
 */
export function pillowVerticalFirst(w: number, h: number, nw: number, nh: number): boolean {
  return h - nh > 0 && h - nh > (w - nw) * 2;
}

/**
 * resizeBilinearF's two passes, split so that a caller on the event loop can run them a band of
 * rows at a time (src/studies/square-pixels.ts): the same coefficients and sums, so the result
 * is the same bit for bit however the rows are banded.
 */
export interface ResizePlan {
  w: number;
  nw: number;
  nh: number;
  /** horizontal coefficients, null when the width is kept */
  horizontal: Coeffs | null;
  /** vertical coefficients, null when the height is kept */
  vertical: Coeffs | null;
  /** only the source rows the vertical pass reads are resampled horizontally: from `first`, `tmpH` of them */
  first: number;
  tmpH: number;
}

export function planResize(w: number, h: number, nw: number, nh: number): ResizePlan {
  const cv = precomputeCoeffs(h, nh);
  const horizontal = nw !== w ? precomputeCoeffs(w, nw) : null;
  const first = horizontal ? cv.bounds[0] : 0;
  const last = horizontal ? cv.bounds[(nh - 1) * 2] + cv.bounds[(nh - 1) * 2 + 1] : h;
  return { w, nw, nh, horizontal, vertical: nh !== h ? cv : null, first, tmpH: last - first };
}

/** Horizontal pass for rows [y0, y1) of the intermediate image (nw × tmpH). */
export function resizeRowsH(plan: ResizePlan, src: Float32Array, tmp: Float32Array, y0: number, y1: number): void {
  const { w, nw, first } = plan;
  const { bounds, kk, ksize } = plan.horizontal!;
  for (let yy = y0; yy < y1; yy++) {
    const rowBase = (yy + first) * w;
    const outBase = yy * nw;
    for (let xx = 0; xx < nw; xx++) {
      const start = rowBase + bounds[xx * 2];
      const taps = bounds[xx * 2 + 1];
      const kb = xx * ksize;
      let ss = 0;
      for (let x = 0; x < taps; x++) ss += src[start + x] * kk[kb + x];
      tmp[outBase + xx] = ss;
    }
  }
}

/** Vertical pass for output rows [y0, y1); `rows` is the intermediate image (or the source when the width is kept). */
export function resizeRowsV(plan: ResizePlan, rows: Float32Array, out: Float32Array, y0: number, y1: number): void {
  const { nw, first } = plan;
  const { bounds, kk, ksize } = plan.vertical!;
  const acc = new Float64Array(nw);
  for (let yy = y0; yy < y1; yy++) {
    const ymin = bounds[yy * 2] - first;
    const taps = bounds[yy * 2 + 1];
    const kb = yy * ksize;
    acc.fill(0);
    for (let y = 0; y < taps; y++) {
      const k = kk[kb + y];
      const rowBase = (y + ymin) * nw;
      for (let xx = 0; xx < nw; xx++) acc[xx] += rows[rowBase + xx] * k;
    }
    out.set(acc, yy * nw); // float64 → float32 rounding, as the per-pixel store did
  }
}

/** Contract step 3: resize into an S×S canvas of zeros, centred (floor offsets). */
export function letterbox(luma: Float32Array, w: number, h: number, size: number): { canvas: Float32Array; geometry: LetterboxGeometry } {
  const g = letterboxGeometry(w, h, size);
  const small = resizeBilinearF(luma, w, h, g.nw, g.nh);
  const canvas = new Float32Array(size * size);
  for (let y = 0; y < g.nh; y++) canvas.set(small.subarray(y * g.nw, (y + 1) * g.nw), (y + g.y0) * size + g.x0);
  return { canvas, geometry: g };
}

export interface Normalization {
  scale: number;
  mean: number[];
  std: number[];
}

/**
 * Contract step 4: x = L·scale, replicated to 3 channels, (x − mean[c]) / std[c], as float32
 * steps. ml/ divides by 255 rather than multiplying by 1/255; when scale is 1/integer we divide
 * too, so the tensors match to the last bit.
 */
export function normalize(canvas: Float32Array, size: number, norm: Normalization): Float32Array {
  const plane = size * size;
  const out = new Float32Array(3 * plane);
  const inv = 1 / norm.scale;
  const divisor = Math.abs(inv - Math.round(inv)) < 1e-6 ? Math.round(inv) : 0;
  for (let c = 0; c < 3; c++) {
    const m = f32(norm.mean[c]);
    const s = f32(norm.std[c]);
    const base = c * plane;
    // Grey models (the contract replicates luma to 3 channels) usually have one mean/std for all
    // channels: an earlier channel with the same constants holds exactly this plane already.
    const same = [0, 1].find((p) => p < c && f32(norm.mean[p]) === m && f32(norm.std[p]) === s);
    if (same !== undefined) {
      out.copyWithin(base, same * plane, (same + 1) * plane);
      continue;
    }
    if (divisor) for (let i = 0; i < plane; i++) out[base + i] = f32(f32(canvas[i] / divisor) - m) / s;
    else for (let i = 0; i < plane; i++) out[base + i] = f32(f32(canvas[i] * norm.scale) - m) / s;
  }
  return out;
}

export interface Preprocessed {
  /** [1, 3, S, S] float32, NCHW */
  tensor: Float32Array;
  geometry: LetterboxGeometry;
  /** the letterboxed luma canvas (0..255) before normalisation (the parity tests check it against PIL's) */
  canvas: Float32Array;
}

export function preprocess(img: RawImage, size: number, norm: Normalization): Preprocessed {
  const { canvas, geometry } = letterbox(toLuma(img), img.width, img.height, size);
  return { tensor: normalize(canvas, size, norm), geometry, canvas };
}
