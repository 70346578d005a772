// Apart from windowing.ts so that window-check.ts shares the percentile code without an import cycle.

export interface Window {
  lo: number;
  hi: number;
}

/** at most this many values of a volume are sampled for its window (and for the header window's check) */
export const SAMPLE_VALUES = 262_144;

/**
 * The lowPct-th and highPct-th percentiles of a sample (its extremes when those coincide): the
 * elements a numeric sort of the sample puts at those ranks. Found by selection, not by sorting the
 * sample: sorting 262,144 values took 60–80 ms of the main thread per study under load, selection
 * a few ms, and it picks the very same elements (selection.spec.ts compares with the sort).
 */
export function percentilesOf(sample: ArrayLike<number>, lowPct = 0.5, highPct = 99.5): Window {
  if (!sample.length) return { lo: 0, hi: 0 };
  const a = Float64Array.from(sample);
  const rank = (p: number) => Math.min(a.length - 1, Math.max(0, Math.round((p / 100) * (a.length - 1))));
  let lo = sortedAt(a, rank(lowPct));
  let hi = sortedAt(a, rank(highPct));
  if (hi <= lo) {
    lo = sortedAt(a, 0);
    hi = sortedAt(a, a.length - 1);
  }
  return { lo, hi };
}

/**
 * What `Float64Array.from(a).sort()[k]` is, for finite values, without sorting (quickselect;
 * reorders `a`). The comparisons cannot tell -0 from +0, which the sort orders -0 first: a zero
 * found is given the sign the sort would have put at rank k.
 */
export function sortedAt(a: Float64Array, k: number): number {
  let left = 0;
  let right = a.length - 1;
  while (right > left) {
    // median of three as the pivot: sorted or constant runs stay linear
    const mid = (left + right) >>> 1;
    const x = a[left];
    const y = a[mid];
    const z = a[right];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    // a[left..j] ≤ pivot ≤ a[i..right], and a[j+1..i-1] == pivot
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  const v = a[k];
  if (v !== 0) return v;
  let below = 0; // values the sort puts before +0: the negatives and the -0s
  for (let i = 0; i < a.length; i++) if (a[i] < 0 || Object.is(a[i], -0)) below++;
  return k < below ? -0 : 0;
}

/** A growable sample of numbers in a typed array (pushing onto plain arrays cost more than the windowing it samples). */
export class SampleBuffer {
  private data: Float64Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Float64Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = v;
  }
  get capacity(): number {
    return this.data.length;
  }
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}
