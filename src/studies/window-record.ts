import { z } from 'zod';
import type { StudyMeta } from './study-loader';
import { parseStoredJson } from './stored-json';
import { windowNote, type WindowVerdict } from './window-check';

/**
 * Which window a study's slices were drawn with, as its history record keeps it
 * (Analysis.windowingJson): the answer's study.windowing and, when the DICOM header's window was
 * set aside for flattening the head (window-check.ts), its figures — so the history page, the CSV
 * and the record's PDF say what the live answer said. Apart from window-check.ts (whose rule this
 * does not touch) so the page and the PDF read it without the windowing code.
 */
export interface RecordedWindow {
  windowing: StudyMeta['windowing'];
  /** the header window's figures when it was set aside (windowing is then "percentile"); null otherwise */
  headerWindowIgnored: WindowVerdict | null;
}

/**
 * What the record keeps of a loaded study's window. Null — "not recorded" — when no pixel was read
 * (refused from its headers: the loader's windowing "none" there means nothing was drawn, not
 * colour slices shown as stored).
 */
export function recordWindow(meta: Pick<StudyMeta, 'display' | 'windowing' | 'headerWindowIgnored'>): RecordedWindow | null {
  if (meta.display === null) return null;
  const v = meta.headerWindowIgnored;
  return {
    windowing: meta.windowing,
    headerWindowIgnored: v && {
      saturated: v.saturated,
      greyLevels: v.greyLevels,
      foreground: v.foreground,
      percentile: { saturated: v.percentile.saturated, greyLevels: v.percentile.greyLevels },
    },
  };
}

const share = z.number().min(0).max(1);
const levels = z.number().int().min(0).max(256);
const STORED = z.object({
  windowing: z.enum(['header', 'percentile', 'none']),
  headerWindowIgnored: z
    .object({ saturated: share, greyLevels: levels, foreground: z.number().int().min(0), percentile: z.object({ saturated: share, greyLevels: levels }).strict() })
    .strict()
    .nullable(),
}).strict();

/** The stored text → the window; anything recordWindow did not write reads as not recorded, never as "header". */
export function parseRecordedWindow(text: string | null): RecordedWindow | null {
  const stored = parseStoredJson(STORED, text);
  // set aside only ever for the percentile window that replaced it
  return stored && !(stored.headerWindowIgnored && stored.windowing !== 'percentile') ? stored : null;
}

/** What a study stored before the column (or one refused before any pixel was read) says: never "the header's window". */
export const WINDOW_NOT_RECORDED = 'not recorded (analysed before the window was stored with each record, or refused before any pixel was read)';

/**
 * The history page's and PDF's "Window" line, from the record (or the history item's study, whose
 * windowing is null when not recorded): the live answer's own sentence when the header window was set aside.
 */
export function windowLine(w: { windowing: RecordedWindow['windowing'] | null; headerWindowIgnored: WindowVerdict | null } | null): string {
  if (w === null || w.windowing === null) return WINDOW_NOT_RECORDED;
  if (w.headerWindowIgnored) return windowNote(w.headerWindowIgnored);
  if (w.windowing === 'header') return "the DICOM header's window (Window Center / Width)";
  if (w.windowing === 'percentile') return "from the slices' own values (0.5th–99.5th percentile)";
  return 'none: colour slices, analysed as stored';
}
