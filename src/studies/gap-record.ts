import { z } from 'zod';
import { gapPlaces, type SliceGap } from './slice-gaps';
import { parseStoredJson } from './stored-json';
import type { StudyMeta } from './study-loader';

/**
 * Slices missing from a study, as its history record keeps them (Analysis.sliceGapsJson): the
 * total and the first few places, which is all the answer's own sentence names. Bounded whatever
 * the series (400 slices can have ~200 gaps), so a row stays small; the live answer keeps every gap.
 */
export interface RecordedGaps {
  /** about how many slices are missing, over all the gaps (0: none found) */
  missingSlices: number;
  /** in how many places */
  places: number;
  /** the first RECORDED_PLACES of them, in slice order */
  first: SliceGap[];
}

/** As many places as the answer's sentence names (gapNote). */
export const RECORDED_PLACES = 3;

/**
 * What the record keeps of a loaded study's gaps. Null — "not recorded" — unless the gaps were
 * actually looked for: a DICOM series ordered by its positions with the three a median step needs,
 * or a NIfTI volume (one block of slices, none can be missing). A series without positions, or
 * one refused from its headers, reports no gap because none could be found, not because none is.
 */
export function recordGaps(meta: Pick<StudyMeta, 'ordering' | 'gaps' | 'sliceCount'>): RecordedGaps | null {
  const looked = meta.ordering === 'nifti_axis' || (meta.ordering === 'position' && meta.sliceCount >= 3);
  if (!looked) return null;
  return {
    missingSlices: meta.gaps.reduce((n, g) => n + g.missingSlices, 0),
    places: meta.gaps.length,
    first: meta.gaps.slice(0, RECORDED_PLACES).map((g) => ({ ...g })),
  };
}

const count = z.number().int().min(0);
const STORED = z.object({
  missingSlices: count,
  places: count,
  first: z.array(z.object({ afterSlice: z.number().int().min(1), distanceMm: z.number().nonnegative(), missingSlices: z.number().int().min(1) }).strict()).max(RECORDED_PLACES),
}).strict();

/** The stored text → gaps; anything that is not what recordGaps writes reads as not recorded, never as "none missing". */
export function parseRecordedGaps(text: string | null): RecordedGaps | null {
  return parseStoredJson(STORED, text);
}

/**
 * What a study stored before its gaps were (or one whose gaps could not be looked for) says: never
 * "none missing". Both causes, since a row does not tell them apart: it read "no slice positions
 * were checked" for every study older than the column, whose positions had been checked (its
 * answer named its gaps) and only not kept.
 */
export const GAPS_NOT_RECORDED = 'not recorded (analysed before missing slices were stored with each record, or its slice positions could not be checked)';

/** "About 2 slices missing: between slices 4 and 5 (15 mm apart)", the history page's, PDF's wording. */
export function missingSlicesLine(gaps: RecordedGaps | null): string {
  if (gaps === null) return GAPS_NOT_RECORDED;
  if (!gaps.places) return 'none found between the slice positions';
  const n = gaps.missingSlices;
  return `About ${n} slice${n === 1 ? '' : 's'} missing: ${gapPlaces(gaps.first, gaps.places)}`;
}
