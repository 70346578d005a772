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

/** A slice that alone shows a finding (suspiciousSlices), with what its heat map explains and its message's words. */
export interface SuspiciousSlice<R> {
  row: R;
  /** the finding type its heat map explains: its own answer, else its most likely finding type */
  type: string;
  /** whether the slice answered that type itself (false: sure of a finding, not of which) */
  typed: boolean;
  /** its figure: its answer's confidence, else P(finding) = 1 − P(nothing found) */
  figure: number;
}

/**
 * The slices that alone confidently show a finding, over which a study never says "nothing found": a
 * confident answer of a finding type, or — the model sure of a finding but not of its type — P(finding)
 * at or above the threshold with no type there (a LOW_CONFIDENCE slice). Only the first were looked at:
 * a test-split meningioma slice at glioma 0.29, meningioma 0.40, notumor 0.28 (72 % a finding) beside
 * tumour-free neighbours made its study "nothing found (61.5 %)"; 10 of the 1,245 test slices the brain
 * model answered are so. `labels[neg]` is the card's "nothing found".
 */
export function suspiciousSlices<R extends { p: number[]; s: { status: string; label: string | null; confidence: number | null } }>(rows: R[], neg: number, labels: readonly string[], threshold: number): SuspiciousSlice<R>[] {
  const out: SuspiciousSlice<R>[] = [];
  for (const row of rows) {
    const { status, label, confidence } = row.s;
    if (status === 'completed' && label !== null && label !== labels[neg]) {
      out.push({ row, type: label, typed: true, figure: confidence ?? 0 });
    } else if (label === null && 1 - row.p[neg] >= threshold) {
      const best = row.p.reduce((b, v, c) => (c !== neg && (b < 0 || v > row.p[b]) ? c : b), -1);
      out.push({ row, type: labels[best], typed: false, figure: 1 - row.p[neg] });
    }
  }
  return out;
}
