import { PercentileSampler } from '../../../src/studies/windowing';
import { percentilesOf, sortedAt } from '../../../src/studies/windowing-sample';

/**
 * A study's percentile window (and the header-window check's) picks two elements of its sample of
 * ~262,000 values. They are found by selection instead of a full sort (60–80 ms of the main thread
 * per study); the window, and so every windowed slice and answer, must be exactly what the sort
 * gave: the same element at each rank, the sign of a zero included (the sort puts -0 before +0).
 */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** the definition it replaces: the sample sorted, the element at each rank */
function bySort(sample: number[], lowPct = 0.5, highPct = 99.5) {
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

const cases: [string, (r: () => number) => number[]][] = [
  ['random reals', (r) => Array.from({ length: 5000 }, () => r() * 2000 - 1000)],
  ['few distinct values', (r) => Array.from({ length: 4000 }, () => Math.floor(r() * 5))],
  ['already sorted', () => Array.from({ length: 3000 }, (_, i) => i * 0.5)],
  ['reversed', () => Array.from({ length: 3000 }, (_, i) => -i)],
  ['constant', () => Array.from({ length: 1000 }, () => 7)],
  ['zeros of both signs and negatives', (r) => Array.from({ length: 2000 }, () => [0, -0, -1, 3][Math.floor(r() * 4)])],
  ['only zeros of both signs', (r) => Array.from({ length: 501 }, () => (r() < 0.5 ? 0 : -0))],
  ['-0 only among positives', (r) => Array.from({ length: 800 }, () => (r() < 0.02 ? -0 : r() < 0.5 ? 0 : r() * 10))],
  ['float32 pixel values', (r) => Array.from({ length: 6000 }, () => Math.fround(Math.floor(r() * 4096) * 0.25 - 25))],
  ['one value', () => [3.5]],
  ['two values', () => [2, 1]],
];

describe('percentiles by selection are the sort\'s elements', () => {
  it.each(cases)('%s: every rank, and the windows at several percentiles', (_name, make) => {
    for (let seed = 1; seed <= 3; seed++) {
      const sample = make(lcg(seed));
      const sorted = Float64Array.from(sample).sort();
      const ranks = new Set([0, 1, sorted.length >> 2, sorted.length >> 1, sorted.length - 2, sorted.length - 1].filter((k) => k >= 0 && k < sorted.length));
      for (const k of ranks) expect(Object.is(sortedAt(Float64Array.from(sample), k), sorted[k])).toBe(true);
      for (const [lo, hi] of [[0.5, 99.5], [0, 100], [2, 98], [50, 50], [30, 31]]) {
        const got = percentilesOf(sample, lo, hi);
        const want = bySort(sample, lo, hi);
        expect(Object.is(got.lo, want.lo) && Object.is(got.hi, want.hi)).toBe(true);
      }
    }
  });

  it('an empty sample has the window it had', () => {
    expect(percentilesOf([])).toEqual({ lo: 0, hi: 0 });
  });

  it('PercentileSampler takes the same values as the per-value loop it replaces, fed in uneven chunks', () => {
    const r = lcg(9);
    const slices = Array.from({ length: 7 }, () => Float32Array.from({ length: 1000 + Math.floor(r() * 500) }, () => (r() < 0.01 ? NaN : r() * 100)));
    const total = slices.reduce((n, s) => n + s.length, 0);
    const maxSamples = 997;
    const stride = Math.max(1, Math.ceil(total / maxSamples));
    const reference: number[] = [];
    let k = 0;
    for (const s of slices) for (let i = 0; i < s.length; i++, k++) if (k % stride === 0 && Number.isFinite(s[i])) reference.push(s[i]);
    const sampler = new PercentileSampler(total, maxSamples);
    for (const s of slices) {
      const cut = Math.floor(s.length / 3);
      sampler.add(s, 0, cut);
      sampler.add(s, cut, cut); // an empty chunk
      sampler.add(s, cut, s.length);
    }
    for (const [lo, hi] of [[0.5, 99.5], [0, 100], [10, 90]]) expect(sampler.window(lo, hi)).toEqual(bySort(reference, lo, hi));
  });
});
