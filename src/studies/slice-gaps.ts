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
  const { steps, median } = stepsOf(positions);
  const gaps: SliceGap[] = [];
  steps.forEach((step, i) => {
    if (step > GAP_FACTOR * median) {
      gaps.push({ afterSlice: i + 1, distanceMm: Math.round(step * 100) / 100, missingSlices: Math.max(1, Math.round(step / median) - 1) });
    }
  });
  return gaps;
}

/** The steps between consecutive positions and their median; none (median 0) when sliceGaps has nothing to go on. */
function stepsOf(positions: readonly (number | null)[]): { steps: number[]; median: number } {
  if (positions.length < 3 || positions.some((p) => p === null || !Number.isFinite(p))) return { steps: [], median: 0 };
  const p = positions as number[];
  const steps = p.slice(1).map((v, i) => Math.abs(v - p[i]));
  const median = [...steps].sort((a, b) => a - b)[Math.floor(steps.length / 2)];
  return median > 0 ? { steps, median } : { steps: [], median: 0 };
}

/** A step off the median by more than this fraction is uneven: slice positions jitter by a few %, not by a fifth. */
const UNEVEN_FRACTION = 0.2;

export type UnevenStep = Omit<SliceGap, 'missingSlices'>;

/**
 * Steps that are no gap (sliceGaps) yet unlike the series' spacing, e.g. 0, 5, 10, 12.5 mm: the slices were
 * shown with one spacing and paired as neighbours at it (study-aggregate.ts), and nothing said one step was
 * half as long. Reported only; the pairing is unchanged.
 */
export function unevenSteps(positions: readonly (number | null)[]): UnevenStep[] {
  const { steps, median } = stepsOf(positions);
  const uneven: UnevenStep[] = [];
  steps.forEach((step, i) => {
    if (step <= GAP_FACTOR * median && Math.abs(step - median) > UNEVEN_FRACTION * median) {
      uneven.push({ afterSlice: i + 1, distanceMm: Math.round(step * 100) / 100 });
    }
  });
  return uneven;
}

/** What the answer adds when steps are uneven: where, and what the series' spacing is; `places`: how many in all, when `steps` are the record's first few (study-notes-record.ts). */
export function unevenNote(steps: readonly UnevenStep[], spacingMm: number | null, places = steps.length): string | null {
  if (!places) return null;
  const spacing = spacingMm !== null ? `; the series' spacing is ${spacingMm} mm. Slices there were read as neighbours at that spacing.` : ". Slices there were read as neighbours at the series' usual spacing.";
  return `The slices are unevenly spaced: ${gapPlaces(steps, places)}${spacing}`;
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
export function gapPlaces(gaps: readonly UnevenStep[], places: number): string {
  const where = gaps
    .slice(0, 3)
    .map((g) => `between slices ${g.afterSlice} and ${g.afterSlice + 1} (${g.distanceMm} mm apart)`)
    .join(', ');
  const rest = places - Math.min(3, gaps.length);
  return `${where}${rest > 0 ? ` and ${rest} more place${rest === 1 ? '' : 's'}` : ''}`;
}
