// Apart from windowing.ts so that window-check.ts shares the percentile code without an import cycle.

export interface Window {
  lo: number;
  hi: number;
}

/** at most this many values of a volume are sampled for its window (and for the header window's check) */
export const SAMPLE_VALUES = 262_144;

/** The lowPct-th and highPct-th percentiles of a sample (its extremes when those coincide). */
export function percentilesOf(sample: ArrayLike<number>, lowPct = 0.5, highPct = 99.5): Window {
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
