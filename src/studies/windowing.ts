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
    // non-finite: +Inf is above any window (white); NaN (e.g. a masked map's background) and −Inf below
    let b = x === Infinity ? 255 : span > 0 && Number.isFinite(x) ? Math.round(((x - win.lo) / span) * 255) : 0;
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
  const sampler = new PercentileSampler(slices.reduce((n, v) => n + v.length, 0));
  for (const v of slices) sampler.add(v);
  return sampler.window(lowPct, highPct);
}

/** Even sample of a volume's finite values, fed slice by slice (no need to hold the volume). */
export class PercentileSampler {
  private readonly stride: number;
  private readonly sample: number[] = [];
  private k = 0;
  constructor(totalValues: number, maxSamples = 262_144) {
    this.stride = Math.max(1, Math.ceil(totalValues / maxSamples));
  }
  add(values: Float32Array): void {
    for (let i = 0; i < values.length; i++, this.k++) {
      if (this.k % this.stride === 0 && Number.isFinite(values[i])) this.sample.push(values[i]);
    }
  }
  window(lowPct = 0.5, highPct = 99.5): Window {
    if (!this.sample.length) return { lo: 0, hi: 0 };
    const sorted = Float64Array.from(this.sample).sort();
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round((p / 100) * (sorted.length - 1))))];
    let lo = at(lowPct);
    let hi = at(highPct);
    if (hi <= lo) {
      lo = sorted[0];
      hi = sorted[sorted.length - 1];
    }
    return { lo, hi };
  }
}

/** A decoded slice: grey in physical units, or already 8-bit RGB (taken as is). */
export type SliceData = ScalarSlice | { rgb: RawImage };

/**
 * Windows every slice of a study to 8-bit, reading each slice through `read` — so only one
 * slice in physical units is held at a time: the header's window when every grey slice has one
 * (`headerWindows`), otherwise one robust percentile window for the whole volume (a first pass
 * samples the values, a second applies the window). Yields to the event loop every few slices.
 */
export async function windowStudy(
  count: number,
  valuesPerSlice: number,
  headerWindows: boolean,
  read: (i: number) => Promise<SliceData> | SliceData,
): Promise<{ images: RawImage[]; windowing: 'header' | 'percentile' | 'none' }> {
  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
  let win: Window | null = null;
  let grey = 0;
  if (!headerWindows) {
    const sampler = new PercentileSampler(count * valuesPerSlice);
    for (let i = 0; i < count; i++) {
      const d = await read(i);
      if (!('rgb' in d)) sampler.add(d.values);
      if (i % 8 === 7) await tick();
    }
    win = sampler.window();
  }
  const images: RawImage[] = [];
  for (let i = 0; i < count; i++) {
    const d = await read(i);
    if ('rgb' in d) images.push(d.rgb);
    else {
      grey++;
      images.push({
        width: d.width,
        height: d.height,
        channels: 1,
        data: win ? applyRange(d.values, win, d.invert) : applyDicomWindow(d.values, d.window!.center, d.window!.width, d.invert),
      });
    }
    if (i % 8 === 7) await tick();
  }
  return { images, windowing: grey === 0 ? 'none' : win ? 'percentile' : 'header' };
}

/** Convenience for slices already in memory (tests). */
export async function windowSlices(slices: ScalarSlice[]): Promise<{ images: RawImage[]; windowing: 'header' | 'percentile' | 'none' }> {
  const header = slices.length > 0 && slices.every((s) => s.window && s.window.width > 1 && Number.isFinite(s.window.center));
  return windowStudy(slices.length, slices[0]?.values.length ?? 0, header, (i) => slices[i]);
}
