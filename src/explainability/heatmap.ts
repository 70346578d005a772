import type { LetterboxGeometry } from '../inference/preprocess';

export interface HeatmapInput {
  /** the model's cam output for all classes, [classes, camH, camW] */
  cam: Float32Array;
  camH: number;
  camW: number;
  classIndex: number;
  geometry: LetterboxGeometry;
  /** luma of the image at display size (0..255), width × height — from prepareImage() */
  luma: Float32Array;
  width: number;
  height: number;
}

export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * cam[label] → no region stands out (camFocus): the display image alone, no overlay → else clamp at 0 → divide by its max → bilinear upsample over the part of the
 * letterboxed canvas that holds the image (padding excluded) → colour map → alpha blend over
 * the display-size image. All in memory; the caller PNG-encodes the result.
 */
export function renderHeatmap(input: HeatmapInput): RgbImage {
  const { camH, camW, geometry: g } = input;
  const plane = camH * camW;
  const cam = input.cam.subarray(input.classIndex * plane, (input.classIndex + 1) * plane);
  const norm = camFocus(cam).focus === 'none' ? new Float32Array(plane) : normaliseCam(cam);

  const dw = input.width;
  const dh = input.height;
  const bg = input.luma;

  // sampleBilinear() at every display pixel, split into its two passes: the column
  // coordinates depend on dx only and the row coordinates on dy only, so each cam row is
  // interpolated horizontally once per display column (camH × dw values, not dw × dh × 2) and
  // each display pixel only blends two of those rows. Same arithmetic in the same order, so the
  // values equal sampleBilinear()'s bit for bit; it was the bulk of the heat map's CPU.
  const x0s = new Int32Array(dw);
  const x1s = new Int32Array(dw);
  const fxs = new Float64Array(dw);
  for (let dx = 0; dx < dw; dx++) {
    // display pixel centre → canvas coordinate → cam cell coordinate (pixel-centre aligned)
    const cx = g.x0 + ((dx + 0.5) * g.nw) / dw;
    const x = Math.min(Math.max((cx * camW) / g.size - 0.5, 0), camW - 1);
    x0s[dx] = Math.floor(x);
    x1s[dx] = Math.min(x0s[dx] + 1, camW - 1);
    fxs[dx] = x - x0s[dx];
  }
  const across = new Float64Array(camH * dw);
  for (let r = 0; r < camH; r++) {
    const row = r * camW;
    for (let dx = 0; dx < dw; dx++) {
      const fx = fxs[dx];
      across[r * dw + dx] = norm[row + x0s[dx]] * (1 - fx) + norm[row + x1s[dx]] * fx;
    }
  }

  const out = new Uint8Array(dw * dh * 3);
  const rgb = new Float64Array(3);
  for (let dy = 0; dy < dh; dy++) {
    const cy = g.y0 + ((dy + 0.5) * g.nh) / dh;
    const y = Math.min(Math.max((cy * camH) / g.size - 0.5, 0), camH - 1);
    const y0 = Math.floor(y);
    const fy = y - y0;
    const top = y0 * dw;
    const bottom = Math.min(y0 + 1, camH - 1) * dw;
    for (let dx = 0; dx < dw; dx++) {
      const heat = across[top + dx] * (1 - fy) + across[bottom + dx] * fy;
      // colormapInto: the same arithmetic as colormap(), without a per-pixel array (a 512²
      // heat map allocated ~260 k short-lived arrays; the bench profile showed it in GC time)
      colormapInto(heat, rgb);
      const a = 0.6 * Math.sqrt(heat);
      const grey = bg[dy * dw + dx];
      const o = (dy * dw + dx) * 3;
      out[o] = clamp255(grey * (1 - a) + rgb[0] * a);
      out[o + 1] = clamp255(grey * (1 - a) + rgb[1] * a);
      out[o + 2] = clamp255(grey * (1 - a) + rgb[2] * a);
    }
  }
  return { width: dw, height: dh, data: out };
}

/**
 * The largest share of the grid that may be at or above half the map's peak for the map to be
 * shown. Each map is scaled to its own peak, so a nearly flat map is painted hot everywhere and
 * points nowhere; such a map (and one with nothing above 0) gets no overlay and the words "no
 * region stands out". (max − min) / max alone does not catch it: one cell at 0 beside 48 at the
 * peak gives 1, and on the real model every map has cells ≤ 0 (contrast 1 on all 1,283 test
 * images). Chosen on the real brain-tumour model (scripts/measure-heatmap-sanity.ts --focus-only,
 * docs/explainability.md): the hottest confident answer's map there has a share of 0.37 (18 of 49 cells), on 8,426 images (test and train splits, other brain collections), none hidden.
 */
export const FOCUS_MAX_HOT_SHARE = 0.5;

export interface CamFocus {
  /** 'region': the map is shown; 'none': nothing above 0, or too flat to point anywhere — no overlay */
  focus: 'region' | 'none';
  /** share of cells at ≥ half the peak after the clamp at 0; 1 for a map with nothing above 0 */
  hotShare: number;
  /** (max − min) / max after the clamp at 0; 0 for a map with nothing above 0 */
  contrast: number;
}

/** Whether one class's cam plane points anywhere (see FOCUS_MAX_HOT_SHARE). */
export function camFocus(cam: Float32Array): CamFocus {
  let max = 0;
  let min = Infinity;
  for (const v of cam) {
    const c = v > 0 ? v : 0;
    if (c > max) max = c;
    if (c < min) min = c;
  }
  if (!(max > 0) || !Number.isFinite(max)) return { focus: 'none', hotShare: 1, contrast: 0 };
  let hot = 0;
  for (const v of cam) if (v >= max / 2) hot++;
  const hotShare = hot / cam.length;
  return { focus: hotShare <= FOCUS_MAX_HOT_SHARE ? 'region' : 'none', hotShare, contrast: (max - min) / max };
}

/** Clamp at 0 and scale by the max; an all-zero map stays zero (nothing to highlight). */
export function normaliseCam(cam: Float32Array): Float32Array {
  let max = 0;
  for (const v of cam) if (v > max) max = v;
  const out = new Float32Array(cam.length);
  if (max <= 0 || !Number.isFinite(max)) return out;
  for (let i = 0; i < cam.length; i++) out[i] = cam[i] > 0 ? cam[i] / max : 0;
  return out;
}

export function sampleBilinear(grid: Float32Array, w: number, h: number, u: number, v: number): number {
  const x = Math.min(Math.max(u, 0), w - 1);
  const y = Math.min(Math.max(v, 0), h - 1);
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = Math.min(x0 + 1, w - 1);
  const y1 = Math.min(y0 + 1, h - 1);
  const fx = x - x0;
  const fy = y - y0;
  const top = grid[y0 * w + x0] * (1 - fx) + grid[y0 * w + x1] * fx;
  const bottom = grid[y1 * w + x0] * (1 - fx) + grid[y1 * w + x1] * fx;
  return top * (1 - fy) + bottom * fy;
}

/**
 * Viridis (matplotlib's table sampled at 17 even steps, linearly interpolated between them): its
 * brightness rises monotonically with the value, so the hottest cell is the most vivid — jet, used
 * before, ended in dark red, darker than the rim just below the peak. Low → high: dark purple →
 * blue → green → yellow (the legend under each map on the pages says so).
 */
const STOPS: [number, number, number, number][] = [
  [0, 68, 1, 84],
  [0.0625, 72, 24, 106],
  [0.125, 71, 45, 123],
  [0.1875, 66, 64, 134],
  [0.25, 59, 82, 139],
  [0.3125, 51, 99, 141],
  [0.375, 44, 114, 142],
  [0.4375, 38, 130, 142],
  [0.5, 33, 145, 140],
  [0.5625, 31, 159, 136],
  [0.625, 39, 173, 129],
  [0.6875, 61, 188, 116],
  [0.75, 92, 200, 99],
  [0.8125, 129, 211, 77],
  [0.875, 170, 220, 50],
  [0.9375, 213, 226, 26],
  [1, 253, 231, 37],
];
const TOP = STOPS[STOPS.length - 1];

export function colormap(t: number): [number, number, number] {
  const x = Math.min(Math.max(t, 0), 1);
  for (let i = 1; i < STOPS.length; i++) {
    const [t1, r1, g1, b1] = STOPS[i];
    if (x <= t1) {
      const [t0, r0, g0, b0] = STOPS[i - 1];
      const f = (x - t0) / (t1 - t0);
      return [r0 + (r1 - r0) * f, g0 + (g1 - g0) * f, b0 + (b1 - b0) * f];
    }
  }
  return [TOP[1], TOP[2], TOP[3]];
}

/** STOPS flattened (t, r, g, b, t, r, g, b, …) for the per-pixel loop: no nested arrays to load. */
const FLAT_STOPS = Float64Array.from(STOPS.flat());

/** colormap() writing into `out` (r, g, b) instead of returning a new array; same arithmetic. */
export function colormapInto(t: number, out: Float64Array): void {
  const x = Math.min(Math.max(t, 0), 1);
  const s = FLAT_STOPS;
  for (let k = 4; k < s.length; k += 4) {
    if (x <= s[k]) {
      const f = (x - s[k - 4]) / (s[k] - s[k - 4]);
      out[0] = s[k - 3] + (s[k + 1] - s[k - 3]) * f;
      out[1] = s[k - 2] + (s[k + 2] - s[k - 2]) * f;
      out[2] = s[k - 1] + (s[k + 3] - s[k - 1]) * f;
      return;
    }
  }
  out[0] = TOP[1];
  out[1] = TOP[2];
  out[2] = TOP[3];
}

/**
 * Math.round(v) clamped to 0..255, without Math.round: V8 does not inline it here and it was
 * ~6 ns a call, three per pixel (two thirds of the blend loop). floor(v + 0.5) equals
 * Math.round(v) for every double in [0.5, 255] (v + 0.5 is exact there, or rounds within the
 * same integer); below 0.5 — where 0.49999999999999994 + 0.5 would round up to 1 — the answer is 0.
 */
export function clamp255(v: number): number {
  if (!(v >= 0.5)) return 0; // also NaN, as a Uint8Array store of NaN gives
  if (v > 255) return 255;
  return (v + 0.5) | 0;
}
