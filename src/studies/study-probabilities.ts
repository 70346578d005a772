import type { AnalysisResult } from '../classifier/analysis-result';
import { findingPair, TOP_K } from './finding-pair';

/*
 * The study's probabilities from its usable slices' (AGGREGATION_RULE in study-aggregate.ts). Pure
 * arithmetic, kept apart from the decision that reads it: what the study answers, refuses or
 * withholds is study-aggregate's; how the slices' probabilities combine is this.
 */

/** A usable slice of the diagnosis card: its index in the series, its result, its probabilities in the card's label order. */
export interface SliceRow {
  i: number;
  s: AnalysisResult;
  p: number[];
}

/**
 * With a "nothing found" label (`neg` ≥ 0): presence = mean P(finding) over the finding pair
 * (findingPair; `places`: each slice's place in slice steps, slicePlaces), the type = the pair's probabilities renormalised over the finding classes, and
 * P(class) = presence × type share, P(nothing found) = 1 − presence; `pair` is those slices.
 * Without one (`neg` < 0): the mean over the slices, and no pair.
 */
export function studyProbabilities(rows: SliceRow[], neg: number, classes: number, pairWithin: number | null, places: readonly number[] = []): { probs: number[]; pair: number[] } {
  const probs = new Array<number>(classes).fill(0);
  if (neg < 0) {
    rows.forEach((r) => r.p.forEach((v, c) => (probs[c] += v / rows.length)));
    return { probs, pair: [] };
  }
  const top = findingPair(rows, neg, pairWithin, places);
  // over TOP_K even when one slice has no partner near it: alone, it counts half
  const presence = top.reduce((a, r) => a + 1 - r.p[neg], 0) / (Math.min(TOP_K, rows.length) || 1);
  const share = new Array<number>(classes).fill(0);
  for (const r of top) {
    const q = 1 - r.p[neg];
    if (q <= 0) continue;
    r.p.forEach((v, c) => c !== neg && (share[c] += v / q / top.length));
  }
  const sum = share.reduce((a, b) => a + b, 0) || 1;
  for (let c = 0; c < classes; c++) probs[c] = c === neg ? 1 - presence : (presence * share[c]) / sum;
  return { probs, pair: top.map((r) => r.i) };
}
