/**
 * Slices missing from a study (study.gaps of the live answer, a sentence in its message) were not
 * stored: the history detail page, the study's PDF, the API record and the CSV row of a series with
 * two files left out read as if the whole series had been looked at. The record now keeps them
 * (sliceGapsJson); a study stored before the column reads "not recorded", never "none missing".
 */
import request from 'supertest';
import { parseCsv } from '../../src/common/csv';
import { PrismaService } from '../../src/prisma/prisma.service';
import { GAPS_NOT_RECORDED } from '../../src/studies/gap-record';
import { loginAs } from '../helpers/auth';
import { recordViews } from '../helpers/record-views';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import { SERIES } from '../support/study-e2e';
import { dicomSeries, zip } from '../support/study-fixtures';

interface StoredStudy {
  id: string;
  study: { gaps: { missingSlices: number; places: number; first: { afterSlice: number; distanceMm: number; missingSlices: number }[] } | null } | null;
}

const LINE = 'About 2 slices missing: between slices 4 and 5 (15 mm apart)';

describe('a study with slices missing keeps them in its history record', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0' }, sessions: { alice: {} } });
  const { alice } = h.sessions;
  const post = async (files: Buffer[]) => {
    const body = zip(Object.fromEntries(files.map((f, i) => [`s${i}.dcm`, f])));
    return (await request(h.server).post('/api/v1/studies').set(alice.bearer).attach('files', body, 'series.zip').expect(200)).body as { analysisId: string; study: { gaps: unknown } };
  };
  const views = recordViews(() => h.server, alice);
  const record = (id: string) => views.record<StoredStudy>(id);
  const { pdf, page } = views;

  it('slices 5 and 6 left out: the API record, the history page, the PDF and the CSV row say where and how many', async () => {
    const live = await post(dicomSeries(SERIES).filter((_, i) => i !== 4 && i !== 5));
    expect(live.study.gaps).toEqual([{ afterSlice: 4, distanceMm: 15, missingSlices: 2 }]);
    const stored = await record(live.analysisId);
    expect(stored.study?.gaps).toEqual({ missingSlices: 2, places: 1, first: [{ afterSlice: 4, distanceMm: 15, missingSlices: 2 }] });
    expect(await page(live.analysisId)).toContain(`<dt>Missing slices</dt><dd>${LINE}</dd>`);
    expect(await pdf(live.analysisId)).toContain(`Missing slices: ${LINE}`);

    // the whole series: none found — said as such, not left blank and not "not recorded"
    const whole = await post(dicomSeries(SERIES));
    expect((await record(whole.analysisId)).study?.gaps).toEqual({ missingSlices: 0, places: 0, first: [] });
    expect(await page(whole.analysisId)).toContain('<dt>Missing slices</dt><dd>none found between the slice positions</dd>');

    const admin = await loginAs(h.app, { role: 'admin' });
    const csv = await request(h.server).get(`/api/v1/history/export.csv?user=${encodeURIComponent(alice.user.email)}`).set(admin.bearer).expect(200);
    const byId = new Map(parseCsv(csv.text).map((r) => [r.id, r]));
    expect(byId.get(live.analysisId)?.missingSlices).toBe('2');
    expect(byId.get(whole.analysisId)?.missingSlices).toBe('0');
    // the column sits before the NIfTI volumes, window and refusal columns and the disclaimer, which stays last
    expect(csv.text.split('\r\n')[0]).toMatch(/,studyMinUsableSlices,studyPairWithin,missingSlices,niftiVolumes,windowing,headerWindowIgnored,refusalCause,refusalFigures,reason,disclaimer$/);
  });

  it('a study stored before the column (NULL) says "not recorded" everywhere, never "none missing"', async () => {
    const prisma = h.get(PrismaService);
    const old = await prisma.analysis.create({
      data: { userId: alice.user.id, byteSize: 1, sha256: 'c'.repeat(64), status: 'completed', stage: 'diagnosis', anatomy: 'brain', task: 'brain_tumor', label: 'glioma', confidence: 0.95, kind: 'study', modality: 'MR', sliceCount: 8, usableSlices: 8 },
    });
    expect((await record(old.id)).study?.gaps).toBeNull();
    expect(await page(old.id)).toContain(`<dt>Missing slices</dt><dd>${GAPS_NOT_RECORDED}</dd>`);
    const text = await pdf(old.id);
    expect(text).toContain(`Missing slices: ${GAPS_NOT_RECORDED}`);
    expect(text).not.toContain('none found');
    const admin = await loginAs(h.app, { role: 'admin', email: 'admin-old@example.test' });
    const csv = await request(h.server).get(`/api/v1/history/export.csv?user=${encodeURIComponent(alice.user.email)}`).set(admin.bearer).expect(200);
    expect(parseCsv(csv.text).find((r) => r.id === old.id)?.missingSlices).toBe('');
  });
});
