import { AnalysisContext, AnalysisRecord, emptyRecord, recordedDecision } from '../classifier/analysis-result';
import { recordGaps } from './gap-record';
import { recordWindow } from './window-record';
import { recordUneven } from './study-notes-record';
import type { StudyMeta } from './study-loader';
import type { StudyRecord, StudyResult } from './study-result';

/*
 * A study's history row, shaped from its answer: kept apart from StudyService so the history
 * recorder can use it without importing the service.
 */

/**
 * `thresholds`: the confidence threshold each model that ran on its slices decided at
 * (appliedThresholds). The study rule is the one the answer itself carries (aggregation.settings,
 * also what the live result shows), kept only when the slices were aggregated (a study refused
 * from its headers was not decided by it).
 */
export function toRecord(r: StudyResult, ctx: AnalysisContext, byteSize: number, sha256: string, thresholds: Record<string, number>): StudyRecord {
  const m: StudyMeta = r.study;
  return {
    userId: ctx.userId ?? null,
    kind: 'study',
    format: m.format,
    modality: m.modality,
    seriesDescription: m.seriesDescription,
    sliceCount: m.sliceCount,
    usableSlices: r.study.aggregation?.usableSlices ?? null,
    width: m.width,
    height: m.height,
    spacing: m.spacing,
    byteSize,
    sha256,
    ...recordedDecision(r),
    refusal: r.status === 'completed' ? null : (r.refusal ?? null),
    probabilities: Object.keys(r.probabilities).length ? r.probabilities : null,
    thresholds,
    rule: r.study.aggregation?.settings ?? null,
    gaps: recordGaps(m),
    volumes: m.volumes,
    window: recordWindow(m),
    unevenSteps: recordUneven(m),
    copiesDropped: m.copiesDropped,
  };
}

export function toAnalysisRecord(r: StudyRecord): AnalysisRecord {
  // The study-only columns are dropped; the rest is the single-analysis record as it is.
  const { kind, format, modality, seriesDescription, sliceCount, usableSlices, spacing, rule, gaps, volumes, window, unevenSteps, copiesDropped, ...shared } = r;
  return { ...shared, fileType: format };
}

/** A study refused for its files: like a single image's file-check failure, stage "file" and the code, nothing from the files. */
export function refusedRecord(ctx: AnalysisContext, byteSize: number, sha256: string, code: string): StudyRecord {
  // a study's record has a format instead of a fileType (toAnalysisRecord maps it back); none is known yet
  const { fileType, ...empty } = emptyRecord(ctx, sha256, byteSize, null);
  return {
    ...empty,
    kind: 'study',
    format: null,
    modality: null,
    seriesDescription: null,
    sliceCount: null,
    usableSlices: null,
    spacing: null,
    rule: null,
    gaps: null,
    volumes: null,
    window: null,
    unevenSteps: null,
    copiesDropped: null,
    stage: 'file',
    code,
    refusal: { cause: 'file_check', figures: {} },
  };
}
