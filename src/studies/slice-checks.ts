import { round3 } from './series-assembly';
import { planSquarePixels, SquarePlan } from './square-pixels';
import { SliceResolutionError } from './study-errors';
import type { StudyLimits } from './study-loader';

/* The size and spacing checks of a study's slices, DICOM and NIfTI alike (study-loader.ts). */

/**
 * A spacing the study may report: a finite distance above zero, else unknown (null), as the NIfTI
 * reader does. A header's Pixel Spacing of -1\0.5 or 0\0 was stored and shown as "row -1 mm"
 * beside slices that were (rightly) analysed as assumed-square pixels.
 */
export const mm = (v: number | null | undefined): number | null => (v !== null && v !== undefined && Number.isFinite(v) && v > 0 ? v : null);

/** Median distance between consecutive distinct slice positions. */
export function sliceSpacing(positions: (number | null)[]): number | null {
  const p = positions.filter((x): x is number => x !== null);
  const gaps: number[] = [];
  for (let i = 1; i < p.length; i++) if (p[i] - p[i - 1] > 1e-3) gaps.push(p[i] - p[i - 1]);
  if (!gaps.length) return null;
  gaps.sort((a, b) => a - b);
  return round3(gaps[Math.floor(gaps.length / 2)]);
}

/** The slice's square-pixel plan, whose size must meet the same bounds as a stored slice. */
export function squarePlan(width: number, height: number, spacing: { column: number | null; row: number | null }, limits: StudyLimits): SquarePlan {
  const plan = planSquarePixels(width, height, spacing, limits.maxPixels);
  if (plan.shape === 'resampled') checkSliceSize(plan.width, plan.height, limits, ` (${width}×${height} px stored, with non-square pixels)`);
  return plan;
}

export function checkSliceSize(width: number, height: number, limits: StudyLimits, shown = ''): void {
  if (width < limits.minSide || height < limits.minSide) {
    throw new SliceResolutionError(`The slices are ${width}×${height} px${shown}; at least ${limits.minSide}×${limits.minSide} px is required.`);
  }
  if (width * height > limits.maxPixels) {
    throw new SliceResolutionError(`The slices are ${width}×${height} px, more than the ${(limits.maxPixels / 1e6).toFixed(0)} megapixels accepted.`);
  }
}
