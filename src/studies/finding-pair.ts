/**
 * Which slices confirm a study's finding (study-aggregate.ts). Pure.
 */
import type { SliceGap } from './slice-gaps';

/** How many of the most suspicious slices the presence of a finding is averaged over. */
export const TOP_K = 2;

/**
 * How far apart in series order the two slices confirming a finding may be: adjacent or one slice
 * between, counting the slices missing from the series (slicePlaces). A lesion spans neighbouring slices; the model's confident misreadings of tumour-free
 * slices (about 1 %) fall anywhere, so over a series two of them confirmed each other
 * (scripts/study-rule-sim.mjs: 3.4 % of tumour-free 24-slice series called a tumour; 0.7 % with it;
 * adjacent only, 0.3 %, but a faint middle slice then breaks a lesion's run).
 */
export const PAIR_WITHIN = 2;

/**
 * Each slice's place along the series in slice steps: its index plus the slices missing before it
 * (the study's gaps, slice-gaps.ts: found from the positions and the usual step). Across a gap two
 * files next to each other in the series lie further apart than their indices say — with 5 slices
 * missing between them, 6 steps, not 1. Without gaps (none found, or no positions): the index.
 */
export function slicePlaces(n: number, gaps: readonly SliceGap[]): number[] {
  const missingAfter = new Map<number, number>();
  for (const g of gaps) missingAfter.set(g.afterSlice - 1, (missingAfter.get(g.afterSlice - 1) ?? 0) + g.missingSlices);
  const places: number[] = [];
  for (let i = 0, at = 0; i < n; i++) {
    places.push(at);
    at += 1 + (missingAfter.get(i) ?? 0);
  }
  return places;
}

/**
 * The slices a finding's presence is averaged over: the two most suspicious (highest P(finding));
 * with `within`, the most suspicious pair at most `within` slice steps apart (`places`, by series
 * index: slicePlaces), or the most suspicious slice with no partner (the caller still divides by
 * TOP_K: alone, it counts half).
 */
export function findingPair<R extends { i: number; p: number[] }>(rows: R[], neg: number, within: number | null, places: readonly number[] = []): R[] {
  const ranked = [...rows].sort((a, b) => a.p[neg] - b.p[neg]);
  if (within === null || ranked.length < 2) return ranked.slice(0, Math.min(TOP_K, ranked.length));
  const at = (r: R) => places[r.i] ?? r.i;
  let best: R[] = [ranked[0]];
  let score = (1 - ranked[0].p[neg]) / 2;
  const ordered = [...rows].sort((a, b) => a.i - b.i);
  for (let x = 0; x < ordered.length; x++) {
    for (let y = x + 1; y < ordered.length && at(ordered[y]) - at(ordered[x]) <= within; y++) {
      const [a, b] = [ordered[x], ordered[y]];
      const m = (2 - a.p[neg] - b.p[neg]) / 2;
      if (m > score) [best, score] = [a.p[neg] <= b.p[neg] ? [a, b] : [b, a], m];
    }
  }
  return best;
}
