import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import * as path from 'node:path';
import { emptyRecord } from '../../../src/classifier/analysis-result';
import { PrismaClient } from '../../../src/generated/prisma/client';
import { applyMigrations } from '../../../src/prisma/migrator';
import { MIGRATIONS_DIR, PrismaService } from '../../../src/prisma/prisma.service';
import { AnalysisRepository, StudyColumns } from '../../../src/repositories/analysis.repository';
import { GAPS_NOT_RECORDED, missingSlicesLine, parseRecordedGaps, recordGaps } from '../../../src/studies/gap-record';
import { sliceGaps } from '../../../src/studies/slice-gaps';
import { tempDir } from '../../support/app';

/**
 * What a study's history record keeps of its missing slices: bounded (the first three places and
 * the totals), null when they were never looked for, and read back only in the shape written.
 */
describe('the slices missing from a study, as its record keeps them', () => {
  it('a series with two slices left out: the total, the places and where', () => {
    const gaps = sliceGaps([0, 5, 10, 15, 30, 35]);
    expect(recordGaps({ ordering: 'position', gaps, sliceCount: 6 })).toEqual({ missingSlices: 2, places: 1, first: [{ afterSlice: 4, distanceMm: 15, missingSlices: 2 }] });
  });

  it('five gaps: the totals of all five, the first three places only (what the answer names)', () => {
    const positions = [0, 5, 15, 20, 30, 35, 45, 50, 60, 65, 75, 80];
    const r = recordGaps({ ordering: 'position', gaps: sliceGaps(positions), sliceCount: positions.length });
    expect(r).toMatchObject({ missingSlices: 5, places: 5 });
    expect(r?.first.map((g) => g.afterSlice)).toEqual([2, 4, 6]);
    expect(missingSlicesLine(r)).toBe(
      'About 5 slices missing: between slices 2 and 3 (10 mm apart), between slices 4 and 5 (10 mm apart), between slices 6 and 7 (10 mm apart) and 2 more places',
    );
  });

  it('none found for a whole series or a NIfTI volume; not recorded where positions were never checked', () => {
    expect(recordGaps({ ordering: 'position', gaps: [], sliceCount: 8 })).toEqual({ missingSlices: 0, places: 0, first: [] });
    expect(recordGaps({ ordering: 'nifti_axis', gaps: [], sliceCount: 24 })).toEqual({ missingSlices: 0, places: 0, first: [] });
    // no positions (ordered by instance number or upload), a header refusal, or too few slices for a median step
    expect(recordGaps({ ordering: 'instance_number', gaps: [], sliceCount: 8 })).toBeNull();
    expect(recordGaps({ ordering: 'upload_order', gaps: [], sliceCount: 8 })).toBeNull();
    expect(recordGaps({ ordering: 'position', gaps: [], sliceCount: 2 })).toBeNull();
    expect(missingSlicesLine(null)).toBe(GAPS_NOT_RECORDED);
    expect(missingSlicesLine({ missingSlices: 0, places: 0, first: [] })).toBe('none found between the slice positions');
  });

  it('stored text of another shape reads as not recorded, never as "none missing"', () => {
    expect(parseRecordedGaps('{"missingSlices":1,"places":1,"first":[{"afterSlice":3,"distanceMm":8,"missingSlices":1}]}')).toEqual({ missingSlices: 1, places: 1, first: [{ afterSlice: 3, distanceMm: 8, missingSlices: 1 }] });
    for (const bad of ['', 'not json', '[]', '{}', '{"missingSlices":-1,"places":0,"first":[]}', '{"missingSlices":1,"places":1,"first":[{"afterSlice":0,"distanceMm":8,"missingSlices":1}]}']) {
      expect(parseRecordedGaps(bad)).toBeNull();
    }
  });

  describe('through the repository and a migrated SQLite file', () => {
    const file = path.join(tempDir(), 'gaps.db');
    applyMigrations(file, MIGRATIONS_DIR);
    const client = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: file }) });
    const repo = new AnalysisRepository({ analysis: client.analysis } as unknown as PrismaService);
    const study = (gaps: StudyColumns['gaps']): StudyColumns => ({ modality: 'MR', seriesDescription: null, sliceCount: 6, usableSlices: 6, spacing: null, rule: null, gaps, volumes: null, window: null, unevenSteps: null, copiesDropped: null });
    const record = emptyRecord({}, 'f'.repeat(64), 1, null);
    afterAll(() => client.$disconnect());

    it('round-trips the gaps, "none found" and "not recorded" as three different things; an image has no study', async () => {
      const two = { missingSlices: 2, places: 1, first: [{ afterSlice: 4, distanceMm: 15, missingSlices: 2 }] };
      const none = { missingSlices: 0, places: 0, first: [] };
      for (const gaps of [two, none, null]) {
        const id = await repo.insert(record, study(gaps));
        expect((await repo.findOne(id))?.study?.gaps).toEqual(gaps);
      }
      const image = await repo.insert(record);
      expect((await repo.findOne(image))?.study).toBeNull();
      expect((await client.analysis.findUniqueOrThrow({ where: { id: image } })).sliceGapsJson).toBeNull();
    });
  });
});
