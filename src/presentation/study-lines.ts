/**
 * The lines that describe how a study was read and decided (its rule, series and spacing), as the
 * history page and the PDF print them; public/js/study-details.js builds the same rule words.
 */
import type { HistoryItem, StudySummary } from '../history/history.service';
import { spacingLine } from './labels';
import { thresholdPercent } from './percent';

/** What a study stored before its rule was says instead of one (never today's STUDY_AGREEMENT / STUDY_MIN_USABLE_SLICES). */
export const STUDY_RULE_NOT_RECORDED = 'not recorded (decided before the study rule was stored with each record)';

/**
 * Which two slices may confirm a finding (finding-pair.ts), as the study was decided: neighbours in series order,
 * or any two (a series in upload order, and every study decided before the neighbour rule). The distance counts
 * the slices missing from the series (slicePlaces): without saying so, "at most 2 apart" read as two files at
 * most 2 apart, which two files either side of a gap are not. public/js/study-details.js builds the same words.
 */
export function pairWords(pairWithin: number | null | undefined): string {
  return typeof pairWithin === 'number' ? `a finding rests on two slices at most ${pairWithin} apart in series order, counting any slices missing between them` : 'a finding rests on any two slices';
}

/**
 * The study settings a study's answer was aggregated under, as stored with it: the agreement its
 * slices needed and the usable slices it needed (at least this many, and a quarter of the study).
 * Today's settings are never shown for an old record; a study refused before any slice was
 * analysed was not decided by them.
 */
export function studyRuleLine(item: Pick<HistoryItem, 'thresholds' | 'study'>): string {
  const rule = item.study?.rule;
  if (rule) {
    const n = rule.minUsableSlices;
    return `${thresholdPercent(rule.agreement)} of the slices must agree; at least ${n} usable slice${n === 1 ? '' : 's'} (and a quarter of the study; all of them if it has fewer); ${pairWords(rule.pairWithin)}`;
  }
  if (item.thresholds !== null && !Object.keys(item.thresholds).length) return '— (no slice was analysed)';
  return STUDY_RULE_NOT_RECORDED;
}

/** What a study's series and spacing say when the record holds none (a study stored before the study columns, or refused at its file checks). */
export const SERIES_NOT_RECORDED = 'not recorded (analysed before the series was stored with each record, or refused at its file checks)';
export const SPACING_NOT_RECORDED = 'not recorded (analysed before the spacing was stored with each record, or refused at its file checks)';

/**
 * The study's series description. A study whose files were read always stores its slice count, so
 * with none the description was never recorded: a bare "—" there read as "the series has none",
 * beside "not recorded" for the rule, the missing slices and the window. Read, without one: "—".
 */
export function studySeriesLine(s: Pick<StudySummary, 'seriesDescription' | 'sliceCount'>): string {
  if (s.seriesDescription !== null) return s.seriesDescription;
  return s.sliceCount === null ? SERIES_NOT_RECORDED : '—';
}

/** The study's spacing: a study whose files were read always stores one (a direction it lacks reads "unknown"). */
export function studySpacingLine(s: Pick<StudySummary, 'spacing'>): string {
  return s.spacing ? spacingLine(s.spacing) : SPACING_NOT_RECORDED;
}
