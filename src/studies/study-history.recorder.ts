import { Injectable } from '@nestjs/common';
import { analysisRowData } from '../history/history.service';
import { PrismaService } from '../prisma/prisma.service';
import type { StudyRecord, StudyRecorder } from './study-result';
import { toAnalysisRecord } from './study.service';

/**
 * Stores one study as one history row (the Analysis table, so the history pages, CSV export and
 * metadata PDF list it with single analyses): the study's answer in the shared columns
 * (fileType dicom | nifti, slice width × height) and the study columns — kind "study", modality
 * (a defined term), scrubbed series description, slice count, usable slices and spacing. No
 * other tag value, no pixel, no file name.
 */
@Injectable()
export class StudyHistoryRecorder implements StudyRecorder {
  constructor(private readonly prisma: PrismaService) {}

  async recordStudy(r: StudyRecord): Promise<string> {
    const row = await this.prisma.analysis.create({
      data: {
        ...analysisRowData(toAnalysisRecord(r)),
        kind: 'study',
        modality: r.modality,
        seriesDescription: r.seriesDescription,
        sliceCount: r.sliceCount,
        usableSlices: r.usableSlices,
        spacingJson: r.spacing ? JSON.stringify(r.spacing) : null,
      },
      select: { id: true },
    });
    return row.id; // the study page links its PDF report by this id
  }
}
