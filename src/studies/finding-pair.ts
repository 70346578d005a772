/**
 * Which slices confirm a study's finding (study-aggregate.ts). Pure.
 */

/** How many of the most suspicious slices the presence of a finding is averaged over. */
export const TOP_K = 2;

/**
 * How far apart in series order the two slices confirming a finding may be: adjacent or one slice
 * between. A lesion spans neighbouring slices; the model's confident misreadings of tumour-free
 * slices (about 1 %) fall anywhere, so over a series two of them confirmed each other
 * (scripts/study-rule-sim.mjs: 3.4 % of tumour-free 24-slice series called a tumour; 0.7 % with it;
 * adjacent only, 0.3 %, but a faint middle slice then breaks a lesion's run).
 */
export const PAIR_WITHIN = 2;

/**
 * The slices a finding's presence is averaged over: the two most suspicious (highest P(finding));
 * with `within`, the most suspicious pair at most `within` slices apart in series order, or the
 * most suspicious slice with no partner (the caller still divides by TOP_K: alone, it counts half).
 */
export function findingPair<R extends { i: number; p: number[] }>(rows: R[], neg: number, within: number | null): R[] {
  const ranked = [...rows].sort((a, b) => a.p[neg] - b.p[neg]);
  if (within === null || ranked.length < 2) return ranked.slice(0, Math.min(TOP_K, ranked.length));
  let best: R[] = [ranked[0]];
  let score = (1 - ranked[0].p[neg]) / 2;
  const ordered = [...rows].sort((a, b) => a.i - b.i);
  for (let x = 0; x < ordered.length; x++) {
    for (let y = x + 1; y < ordered.length && ordered[y].i - ordered[x].i <= within; y++) {
      const [a, b] = [ordered[x], ordered[y]];
      const m = (2 - a.p[neg] - b.p[neg]) / 2;
      if (m > score) [best, score] = [a.p[neg] <= b.p[neg] ? [a, b] : [b, a], m];
    }
  }
  return best;
}
