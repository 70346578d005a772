/**
 * Slices missing from a series: a file left out of the upload (or lost in an export) leaves a gap
 * in the slice positions, and a lesion in the gap is never seen, while the answer read as if the
 * whole series had been looked at. Found from the positions along the slice direction alone.
 */

export interface SliceGap {
  /** the gap lies after this slice (1-based, as the page numbers slices) */
  afterSlice: number;
  /** distance between the two slices on either side of it, in mm */
  distanceMm: number;
  /** how many slices at the series' spacing would fit in it */
  missingSlices: number;
}

/** A step this many times the series' usual one is a gap (a slice thickness varying by a few % is not). */
const GAP_FACTOR = 1.5;

/**
 * Gaps between consecutive slices ordered by position: a step over 1.5 × the median step. Needs
 * at least three positions (two steps) for a median to mean anything; none when a position is unknown.
 */
export function sliceGaps(positions: readonly (number | null)[]): SliceGap[] {
  if (positions.length < 3 || positions.some((p) => p === null || !Number.isFinite(p))) return [];
  const p = positions as number[];
  const steps = p.slice(1).map((v, i) => Math.abs(v - p[i]));
  const sorted = [...steps].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  if (!(median > 0)) return [];
  const gaps: SliceGap[] = [];
  steps.forEach((step, i) => {
    if (step > GAP_FACTOR * median) {
      gaps.push({ afterSlice: i + 1, distanceMm: Math.round(step * 100) / 100, missingSlices: Math.max(1, Math.round(step / median) - 1) });
    }
  });
  return gaps;
}

/** What the answer adds when slices are missing: where, how many, and what it means for the answer. */
export function gapNote(gaps: readonly SliceGap[], spacingMm: number | null): string | null {
  if (!gaps.length) return null;
  const missing = gaps.reduce((n, g) => n + g.missingSlices, 0);
  const spacing = spacingMm !== null ? `; the series' spacing is ${spacingMm} mm` : '';
  return `About ${missing} slice${missing === 1 ? ' is' : 's are'} missing from this series: ${gapPlaces(gaps, gaps.length)}${spacing}. Nothing there was looked at; upload the whole series to include it.`;
}

/**
 * "between slices 4 and 5 (15 mm apart), … and 2 more places": the first three of `places` gaps,
 * one wording for the live answer and the stored record (gap-record.ts), which keeps only those.
 */
export function gapPlaces(gaps: readonly SliceGap[], places: number): string {
  const where = gaps
    .slice(0, 3)
    .map((g) => `between slices ${g.afterSlice} and ${g.afterSlice + 1} (${g.distanceMm} mm apart)`)
    .join(', ');
  const rest = places - Math.min(3, gaps.length);
  return `${where}${rest > 0 ? ` and ${rest} more place${rest === 1 ? '' : 's'}` : ''}`;
}
