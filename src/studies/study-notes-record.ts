import { z } from 'zod';
import { RECORDED_PLACES } from './gap-record';
import { unevenNote, type UnevenStep } from './slice-gaps';
import { parseStoredJson } from './stored-json';
import type { StudyMeta } from './study-loader';

/*
 * Two notes of a study's live answer that its history record keeps (Analysis.unevenStepsJson,
 * Analysis.copiesDropped), so the history page, the history API and the record's PDF say what the
 * live answer said: steps unlike the series' spacing (slice-gaps.ts unevenSteps) and files left out
 * as copies of other slices (instance-copies.ts dropDuplicates). Each sentence is written here once,
 * for the live message and the record's lines alike.
 */

/** Uneven steps as the record keeps them: how many, and the first few (as gaps: gap-record.ts). */
export interface RecordedUneven {
  /** in how many places a step is unlike the series' spacing (0: none) */
  places: number;
  /** the first RECORDED_PLACES of them, in slice order */
  first: UnevenStep[];
}

/**
 * What the record keeps of a loaded study's uneven steps. Null — "not known" — unless they were
 * looked for, as for gaps (recordGaps): a series ordered by its positions with the three a median
 * step needs, or a NIfTI volume (one spacing for all its slices).
 */
export function recordUneven(meta: Pick<StudyMeta, 'ordering' | 'unevenSteps' | 'sliceCount'>): RecordedUneven | null {
  const looked = meta.ordering === 'nifti_axis' || (meta.ordering === 'position' && meta.sliceCount >= 3);
  if (!looked) return null;
  return { places: meta.unevenSteps.length, first: meta.unevenSteps.slice(0, RECORDED_PLACES).map((s) => ({ ...s })) };
}

const STORED = z.object({
  places: z.number().int().min(0),
  first: z.array(z.object({ afterSlice: z.number().int().min(1), distanceMm: z.number().nonnegative() }).strict()).max(RECORDED_PLACES),
}).strict();

/** The stored text → uneven steps; anything recordUneven did not write reads as not known (null). */
export function parseRecordedUneven(text: string | null): RecordedUneven | null {
  return parseStoredJson(STORED, text);
}

/** The live answer's sentence from the record (null: none uneven, or not known — a record says nothing then). */
export function unevenLine(uneven: RecordedUneven | null, spacingMm: number | null | undefined): string | null {
  if (uneven === null || !uneven.places) return null;
  return unevenNote(uneven.first, spacingMm ?? null, uneven.places);
}

/**
 * Files left out as copies of other slices: the live message's sentence and the record's line. Null
 * for none, or not known (a record older than the column): nothing is said then.
 */
export function copiesNote(copies: number | null | undefined): string | null {
  if (!copies) return null;
  return `${copies} file${copies === 1 ? ' was' : 's were'} left out as ${copies === 1 ? 'a copy of another slice' : 'copies of other slices'} (the same image under the same or another SOP Instance UID): each image is analysed once.`;
}
