import { Injectable } from '@nestjs/common';
import { onRecorded, recordingSuppressed } from '../history/recording-context';
import { AnalysisRepository } from '../repositories/analysis.repository';
import type { StudyRecord, StudyRecorder } from './study-result';
import { toAnalysisRecord } from './study-record';

/**
 * Stores one study as one history row (the Analysis table, so the history pages, CSV export and
 * metadata PDF list it with single analyses): the study's answer in the shared columns
 * (fileType dicom | nifti, slice width × height) and the study columns — kind "study", modality
 * (a defined term), scrubbed series description, slice count, usable slices, spacing and the
 * slices missing between its positions (the first few), and the window its slices were drawn with
 * (and the header window's figures when that was set aside), its uneven steps (the first few) and
 * the files left out as copies of other slices. No
 * other tag value, no pixel, no file name.
 */
@Injectable()
export class StudyHistoryRecorder implements StudyRecorder {
  constructor(private readonly analyses: AnalysisRepository) {}

  /**
   * Resolves to the stored row's id: the study page links its PDF report by it. Nothing is stored
   * while recording is switched off (withoutRecording: an Idempotency-Key replay re-runs a study
   * that is already in the history), as for single images; the row's key, if any, is marked
   * answered in the row's own transaction (recordingWith).
   */
  async recordStudy(r: StudyRecord): Promise<string | undefined> {
    if (recordingSuppressed()) return undefined;
    return this.analyses.insert(toAnalysisRecord(r), {
      modality: r.modality,
      seriesDescription: r.seriesDescription,
      sliceCount: r.sliceCount,
      usableSlices: r.usableSlices,
      spacing: r.spacing,
      rule: r.rule,
      gaps: r.gaps,
      volumes: r.volumes,
      window: r.window,
      unevenSteps: r.unevenSteps,
      copiesDropped: r.copiesDropped,
    }, onRecorded());
  }
}
