import type { RawImage } from '../inference/preprocess';

/** A slice in physical units (DICOM modality values after rescale, NIfTI values after scl_*). */
export interface ScalarSlice {
  width: number;
  height: number;
  values: Float32Array;
  /** window from the DICOM header (first value of a multi-valued tag), if any */
  window?: { center: number; width: number } | null;
  /** MONOCHROME1: low values are displayed bright */
  invert?: boolean;
}

export interface Window {
  lo: number;
  hi: number;
}

/**
 * DICOM PS3.3 C.11.2.1.2.1 linear VOI function, to 0..255:
 * x ≤ c − 0.5 − (w−1)/2 → 0; x > c − 0.5 + (w−1)/2 → 255; else ((x − (c − 0.5)) / (w − 1) + 0.5) · 255.
 */
export function applyDicomWindow(values: Float32Array, center: number, width: number, invert = false): Uint8Array {
  const out = new Uint8Array(values.length);
  const w1 = Math.max(width - 1, 1e-6);
  const lo = center - 0.5 - w1 / 2;
  const hi = center - 0.5 + w1 / 2;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    let y: number;
    if (!(x > lo)) y = 0; // also NaN → 0
    else if (x > hi) y = 255;
    else y = ((x - (center - 0.5)) / w1 + 0.5) * 255;
    const b = Math.min(255, Math.max(0, Math.round(y)));
    out[i] = invert ? 255 - b : b;
  }
  return out;
}

/** Linear map [lo, hi] → [0, 255], clamped. */
export function applyRange(values: Float32Array, win: Window, invert = false): Uint8Array {
  const out = new Uint8Array(values.length);
  const span = win.hi - win.lo;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    let b = span > 0 && Number.isFinite(x) ? Math.round(((x - win.lo) / span) * 255) : 0;
    b = b < 0 ? 0 : b > 255 ? 255 : b;
    out[i] = invert ? 255 - b : b;
  }
  return out;
}

/**
 * Robust window over a whole volume: the 0.5th and 99.5th percentiles of its finite values
 * (from an even sample of at most 256 k values), so one hot voxel cannot flatten the contrast
 * and all slices of a study share one contrast, as a radiologist's viewer shows them.
 */
export function percentileWindow(slices: Float32Array[], lowPct = 0.5, highPct = 99.5): Window {
  const total = slices.reduce((s, v) => s + v.length, 0);
  const stride = Math.max(1, Math.ceil(total / 262_144));
  const sample: number[] = [];
  let k = 0;
  for (const v of slices) {
    for (let i = 0; i < v.length; i++, k++) {
      if (k % stride === 0 && Number.isFinite(v[i])) sample.push(v[i]);
    }
  }
  if (!sample.length) return { lo: 0, hi: 0 };
  const sorted = Float64Array.from(sample).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round((p / 100) * (sorted.length - 1))))];
  let lo = at(lowPct);
  let hi = at(highPct);
  if (hi <= lo) {
    lo = sorted[0];
    hi = sorted[sorted.length - 1];
  }
  return { lo, hi };
}

/**
 * Windows every slice of a study to 8-bit grey: the header's window when every slice has one
 * (width > 1), otherwise one robust percentile window for the whole volume.
 */
export async function windowSlices(slices: ScalarSlice[]): Promise<{ images: RawImage[]; windowing: 'header' | 'percentile' }> {
  const images: RawImage[] = [];
  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
  const fromHeader = slices.length > 0 && slices.every((s) => s.window && s.window.width > 1 && Number.isFinite(s.window.center));
  if (fromHeader) {
    for (const s of slices) {
      images.push({ width: s.width, height: s.height, channels: 1, data: applyDicomWindow(s.values, s.window!.center, s.window!.width, s.invert) });
      if (images.length % 16 === 0) await tick();
    }
    return { windowing: 'header', images };
  }
  const win = percentileWindow(slices.map((s) => s.values));
  for (const s of slices) {
    images.push({ width: s.width, height: s.height, channels: 1, data: applyRange(s.values, win, s.invert) });
    if (images.length % 16 === 0) await tick();
  }
  return { windowing: 'percentile', images };
}
