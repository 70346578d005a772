import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';
import type { StudyRecord, StudyRecorder } from './study-result';

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

  async recordStudy(r: StudyRecord): Promise<void> {
    await this.prisma.analysis.create({
      data: {
        userId: r.userId,
        createdAt: new Date(),
        fileType: r.format,
        byteSize: r.byteSize,
        width: r.width,
        height: r.height,
        sha256: r.sha256,
        status: r.status,
        stage: r.stage,
        code: r.code,
        anatomy: r.anatomy,
        anatomyConfidence: r.anatomyConfidence,
        isMri: r.isMri,
        mriConfidence: r.mriConfidence,
        task: r.task,
        label: r.label,
        confidence: r.confidence,
        probabilitiesJson: r.probabilities ? JSON.stringify(r.probabilities) : null,
        modelVersionsJson: r.modelVersions ? JSON.stringify(r.modelVersions) : null,
        timingsJson: r.timingsMs ? JSON.stringify(r.timingsMs) : null,
        kind: 'study',
        modality: r.modality,
        seriesDescription: r.seriesDescription,
        sliceCount: r.sliceCount,
        usableSlices: r.usableSlices,
        spacingJson: r.spacing ? JSON.stringify(r.spacing) : null,
      },
    });
  }
}
