import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import * as path from 'node:path';
import { PrismaClient } from '../../../src/generated/prisma/client';
import { historyDetail } from '../../../src/presentation/history.view';
import { applyMigrations } from '../../../src/prisma/migrator';
import { MIGRATIONS_DIR, PrismaService } from '../../../src/prisma/prisma.service';
import { buildReportPdf } from '../../../src/reports/report-pdf';
import { AnalysisRepository } from '../../../src/repositories/analysis.repository';
import { StudyHistoryRecorder } from '../../../src/studies/study-history.recorder';
import { pdfFlatText } from '../../helpers/pdf-text';
import { reportFaces } from '../../helpers/report-fonts';
import { tempDir } from '../../support/app';
import { fakeBrainModels, studyServiceOn } from '../../support/fake-brain-models';
import { writeNifti1 } from '../../support/nifti-fixtures';

/**
 * A 4-D NIfTI's record keeps how many volumes its file held, so its history page and PDF say, as
 * the live answer did (1e1b88f), that only the first was looked at; they said nothing of it. The
 * study service runs for real (faked models) and records through the repository into a migrated
 * SQLite file.
 */
const voxel = (i: number, j: number, k: number, t: number) => 200 + ((i * 3 + j * 5 + k * 11 + t) % 251);
const NOTE = "Volume 1 of 300 analysed; the file's other 299 volumes were not looked at.";

describe('a 4-D NIfTI\'s record: the volume analysed', () => {
  const file = path.join(tempDir(), 'volumes.db');
  applyMigrations(file, MIGRATIONS_DIR);
  const client = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: file }) });
  const repo = new AnalysisRepository({ analysis: client.analysis } as unknown as PrismaService);
  const service = studyServiceOn(fakeBrainModels(), new StudyHistoryRecorder(repo));
  afterAll(() => client.$disconnect());

  it('300 volumes: the detail page and the PDF say only volume 1 was looked at', async () => {
    const r = await service.analyze([new Uint8Array(writeNifti1([64, 64, 6], voxel, { volumes: 300 }))]);
    const item = await repo.findOne(r.analysisId!);
    expect(item?.study?.volumes).toBe(300);
    expect(historyDetail(item!).study?.volumes).toBe(NOTE);
    expect(pdfFlatText(await buildReportPdf({ record: item!, generatedFor: 'a@example.org', fonts: reportFaces() }))).toContain(`Volumes: ${NOTE}`);
  });

  it('a 3-D file: one volume, nothing said', async () => {
    const r = await service.analyze([new Uint8Array(writeNifti1([64, 64, 6], (i, j, k) => voxel(i, j, k, 0)))]);
    const item = await repo.findOne(r.analysisId!);
    expect(item?.study?.volumes).toBe(1);
    expect(historyDetail(item!).study?.volumes).toBeNull();
    expect(pdfFlatText(await buildReportPdf({ record: item!, generatedFor: 'a@example.org', fonts: reportFaces() }))).not.toContain('Volume');
  });
});
