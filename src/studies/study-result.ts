import type { AnalysisCode, AnalysisRecord, AnalysisResult } from '../classifier/analysis-result';
import type { StudyMeta } from './study-loader';
import type { RecordedGaps } from './gap-record';
import type { StudyRule } from './study-rule';
import type { RecordedWindow } from './window-record';
import type { RecordedUneven } from './study-notes-record';

/** Study-only reasons, added to a single analysis's codes. */
export type StudyCode = AnalysisCode | 'INSUFFICIENT_SLICES' | 'SLICE_DISAGREEMENT';

/**
 * One slice: the single-analysis fields (no heat map, no disclaimer, no experimental flag: the
 * study's own `experimental` speaks for the model) plus where it lies.
 */
export interface SliceResult extends Omit<AnalysisResult, 'explanation' | 'disclaimer' | 'modelVersions' | 'experimental' | 'caveat' | 'preview' | 'thresholds'> {
  /** 0-based, in anatomical order: inferior → superior (axial), posterior → anterior (coronal), right → left (sagittal) */
  index: number;
  /** position (mm) along that order's direction, ascending with the index, when known */
  position: number | null;
  /** small PNG data URL of the windowed slice, for the thumbnail strip */
  thumbnailPng: string;
  /** heat map, only for the study's most decisive slices */
  heatmap: string | null;
  /**
   * the class `heatmap` is for (null without one): the study's finding, which may differ from this
   * slice's own `label` — a map beside "meningioma" read as meningioma's when it was glioma's
   */
  heatmapLabel: string | null;
  /**
   * whether a region stands out in `heatmap` (camFocus, as an image answer's explanation.focus; null
   * without one): 'none', the map is the slice without an overlay, and the page says so instead
   */
  heatmapFocus: 'region' | 'none' | null;
  /** this slice counted towards the study answer (its body part was accepted and won the vote) */
  usedForStudy: boolean;
}

export interface StudyAggregation {
  /** the rule, in words (also in the README) */
  rule: string;
  /**
   * the rule's settings this study was decided under (STUDY_AGREEMENT, STUDY_MIN_USABLE_SLICES):
   * the one value the recorder stores as the record's study.rule, so the live answer and the
   * stored record cannot say different things
   */
  settings: StudyRule;
  /** slices whose triage accepted a body part */
  acceptedSlices: number;
  /** accepted slices of the winning body part: the ones the diagnosis answer is built from */
  usableSlices: number;
  requiredSlices: number;
  /** body part → number of accepted slices */
  bodyPartVotes: Record<string, number>;
  /** share of the usable slices' confident answers agreeing with the study's finding (null if none) */
  agreement: number | null;
  /** indices of the slices that decided the answer (heat maps shown for these) */
  decisiveSlices: number[];
  /**
   * how far apart in series order the two slices confirming a finding could be (PAIR_WITHIN);
   * null when the slice order is unknown (upload order) and any two confirm
   */
  pairWithin: number | null;
}

/**
 * The study answer: every field of a single analysis (same names, same meaning, at study level),
 * plus `slices` and `study` (metadata only — no patient identifier, no tag value except modality
 * and a scrubbed series description).
 */
export interface StudyResult extends Omit<AnalysisResult, 'code' | 'explanation' | 'preview'> {
  code: StudyCode | null;
  /**
   * each decisive slice's heat map, of `label`: the finding the study names (StudyAnswer.explainLabels);
   * `focus` as an image answer's (camFocus: 'none', no region stands out and no overlay is drawn); the
   * top-level heatmap and focus are the first slice's
   */
  explanation: { heatmap: string; focus: 'region' | 'none'; sliceIndex: number; slices: { index: number; heatmap: string; label: string; focus: 'region' | 'none' }[] } | null;
  study: StudyMeta & { aggregation: StudyAggregation | null };
  slices: SliceResult[];
  /**
   * model name → the confidence threshold it decided at (appliedThresholds), for every model in
   * modelVersions; {} when no model ran. The record stores the same map; the study page compares
   * a refused figure with it (it showed "60.0 %" for a study refused at 0.59996 under 0.6).
   */
  thresholds: Record<string, number>;
}

/** Metadata of one study for history / reports. Never pixels, file names or patient tags. */
export type StudyRecord = Omit<AnalysisRecord, 'fileType'> & {
  kind: 'study';
  /** null when the files were refused before their format was established */
  format: StudyMeta['format'] | null;
  modality: string | null;
  seriesDescription: string | null;
  sliceCount: number | null;
  usableSlices: number | null;
  spacing: StudyMeta['spacing'] | null;
  /** the study decision's settings it was decided under; null when no slice was analysed (refused at its files or headers) */
  rule: StudyRule | null;
  /** slices missing between its positions, as far as kept (gap-record.ts); null when they were not looked for */
  gaps: RecordedGaps | null;
  /** a NIfTI's volumes, only the first analysed (the answer's "Volume 1 of N analysed"); null otherwise */
  volumes: number | null;
  /** the window its slices were drawn with, and the header's figures if set aside (window-record.ts); null when no pixel was read */
  window: RecordedWindow | null;
  /** steps unlike the series' spacing, as far as kept (study-notes-record.ts); null when they were not looked for */
  unevenSteps: RecordedUneven | null;
  /** files left out as copies of other slices; null when refused before the headers were read */
  copiesDropped: number | null;
};

/**
 * Hook for the history feature (issue 4's owner): called once per study with metadata only.
 * Provide it under STUDY_RECORDER from a @Global() module; without one, nothing is recorded.
 */
export interface StudyRecorder {
  /** resolves to the stored record's id (undefined when nothing was stored) */
  recordStudy(record: StudyRecord): Promise<string | void>;
}
export const STUDY_RECORDER = Symbol('STUDY_RECORDER');
