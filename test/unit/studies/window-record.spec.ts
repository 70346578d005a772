import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import * as path from 'node:path';
import { PrismaClient } from '../../../src/generated/prisma/client';
import { historyDetail } from '../../../src/presentation/history.view';
import { applyMigrations } from '../../../src/prisma/migrator';
import { MIGRATIONS_DIR, PrismaService } from '../../../src/prisma/prisma.service';
import { buildReportPdf } from '../../../src/reports/report-pdf';
import { AnalysisRepository } from '../../../src/repositories/analysis.repository';
import { StudyHistoryRecorder } from '../../../src/studies/study-history.recorder';
import { parseRecordedWindow, recordWindow, WINDOW_NOT_RECORDED, windowLine } from '../../../src/studies/window-record';
import { pdfFlatText } from '../../helpers/pdf-text';
import { reportFaces } from '../../helpers/report-fonts';
import { tempDir } from '../../support/app';
import { fakeBrainModels, studyServiceOn } from '../../support/fake-brain-models';
import { PHANTOM_SLICES, phantomWithWindow } from '../../support/head-phantom';
import { dicomSeries } from '../../support/study-fixtures';

/**
 * Which window a study was drawn with, and that the DICOM header's was set aside (window-check.ts),
 * reached the live answer only: the record — and so its history page, CSV row and PDF — said
 * nothing of it. The study service runs for real (faked models) and records through the
 * repository into a migrated SQLite file.
 */
const VERDICT = { saturated: 0.98, greyLevels: 2, foreground: 9000, percentile: { saturated: 0.01, greyLevels: 240 } };

describe('the window a study was drawn with, as its record keeps it', () => {
  it('maps the loaded study: the windowing and the set-aside figures; null when no pixel was read', () => {
    const display = { width: 64, height: 64, pixels: 'square' as const };
    expect(recordWindow({ display, windowing: 'percentile', headerWindowIgnored: VERDICT })).toEqual({ windowing: 'percentile', headerWindowIgnored: VERDICT });
    expect(recordWindow({ display, windowing: 'header', headerWindowIgnored: null })).toEqual({ windowing: 'header', headerWindowIgnored: null });
    // refused from its headers: the loader's "none" there means nothing was drawn
    expect(recordWindow({ display: null, windowing: 'none', headerWindowIgnored: null })).toBeNull();
  });

  it('stored text of another shape reads as not recorded, never as the header window', () => {
    expect(parseRecordedWindow(JSON.stringify({ windowing: 'percentile', headerWindowIgnored: VERDICT }))).toEqual({ windowing: 'percentile', headerWindowIgnored: VERDICT });
    for (const bad of ['', 'x', '{}', '{"windowing":"vendor","headerWindowIgnored":null}', JSON.stringify({ windowing: 'header', headerWindowIgnored: VERDICT }), JSON.stringify({ windowing: 'percentile', headerWindowIgnored: { ...VERDICT, saturated: 2 } })]) {
      expect(parseRecordedWindow(bad)).toBeNull();
    }
    expect(windowLine(null)).toBe(WINDOW_NOT_RECORDED);
    expect(windowLine({ windowing: 'header', headerWindowIgnored: null })).toContain("the DICOM header's window");
  });

  describe('recorded by the study service', () => {
    const file = path.join(tempDir(), 'window.db');
    applyMigrations(file, MIGRATIONS_DIR);
    const client = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: file }) });
    const repo = new AnalysisRepository({ analysis: client.analysis } as unknown as PrismaService);
    const service = studyServiceOn(fakeBrainModels(), new StudyHistoryRecorder(repo));
    afterAll(() => client.$disconnect());
    const pdf = async (id: string) => {
      const item = (await repo.findOne(id))!;
      return { item, text: pdfFlatText(await buildReportPdf({ record: item, generatedFor: 'a@example.org', fonts: reportFaces() })) };
    };

    it('a header window of centre 2, width 4: the record keeps that it was set aside, with the live figures; the page and the PDF say so', async () => {
      const r = await service.analyze(phantomWithWindow('2', '4').map((b) => new Uint8Array(b)));
      expect(r.study.windowing).toBe('percentile');
      const { item, text } = await pdf(r.analysisId!);
      expect(item.study).toMatchObject({ windowing: 'percentile', headerWindowIgnored: r.study.headerWindowIgnored });
      expect(item.study?.headerWindowIgnored?.saturated).toBeGreaterThan(0.9);
      const line = windowLine({ windowing: 'percentile', headerWindowIgnored: r.study.headerWindowIgnored });
      expect(line).toMatch(/^The DICOM header's window was not used: it drew \d+ % of the head at black or white/);
      // the live answer's own sentence
      expect(r.message).toContain(line);
      expect(historyDetail(item).study?.window).toBe(line);
      expect(text).toContain(`Window: ${line}`);
    });

    it('the header window kept, and no header window: said as such', async () => {
      const kept = await service.analyze(dicomSeries(PHANTOM_SLICES).map((b) => new Uint8Array(b)));
      const { item, text } = await pdf(kept.analysisId!);
      expect(item.study).toMatchObject({ windowing: 'header', headerWindowIgnored: null });
      expect(text).toContain("Window: the DICOM header's window");
      const none = await service.analyze(dicomSeries(PHANTOM_SLICES, { window: false }).map((b) => new Uint8Array(b)));
      const plain = await pdf(none.analysisId!);
      expect(plain.item.study).toMatchObject({ windowing: 'percentile', headerWindowIgnored: null });
      expect(plain.text).not.toContain('was not used');
    });
  });
});
