/**
 * A study is decided under the models' confidence thresholds and under its own settings,
 * STUDY_AGREEMENT and STUDY_MIN_USABLE_SLICES. Only the thresholds were stored with the record: after
 * an operator changed the study settings, a stored study's page, PDF, API record and CSV row could
 * not say which rule had decided it. The rule is now stored with it; after a restart under other
 * settings every one of them still says the first, a study made now is recorded under the new
 * ones, and a study stored before the rule was says "not recorded", never today's. The live
 * answer (POST /api/v1/studies' study.aggregation.settings, the study page) gives the same rule.
 */
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { loginAs, sessionFor, TestSession } from '../helpers/auth';
import { binary, pdfFlatText } from '../helpers/pdf-text';
import { parseCsv } from '../../src/common/csv';
import { PrismaService } from '../../src/prisma/prisma.service';
import { STUDY_RULE_NOT_RECORDED } from '../../src/presentation/study-lines';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';
import { SERIES } from '../support/study-e2e';
import { dicomSeries, zip } from '../support/study-fixtures';

interface StoredStudy {
  id: string;
  status: string;
  thresholds: Record<string, number> | null;
  study: { sliceCount: number; rule: { agreement: number; minUsableSlices: number } | null } | null;
}

const FIRST = { STUDY_AGREEMENT: '0.6', STUDY_MIN_USABLE_SLICES: '3' };
const FIRST_LINE = '60.0 % of the slices must agree; at least 3 usable slices (and a quarter of the study; all of them if it has fewer); a finding rests on two slices at most 2 apart in series order, counting any slices missing between them';
const env = { MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0', CONFIDENCE_THRESHOLD: '0.6' };

describe('a recorded study keeps the study rule it was decided under', () => {
  const config = testConfig({ ...env, ...FIRST });
  const databaseUrl = `file:${config.databaseFile}`;
  const series = zip(Object.fromEntries(dicomSeries(SERIES).map((f, i) => [`s${i}.dcm`, f])));
  let app: NestExpressApplication;
  let alice: TestSession;
  let stored: StoredStudy;
  /** Posts the study; the live answer's rule must be the one its record stores (one value, aggregation.settings). */
  const postStudy = async (a: NestExpressApplication, s: TestSession) => {
    const posted = await request(a.getHttpServer()).post('/api/v1/studies').set(s.bearer).attach('files', series, 'series.zip').expect(200);
    const live = posted.body as { analysisId: string; study: { aggregation: { settings?: unknown } | null } };
    const record = (await request(a.getHttpServer()).get(`/api/v1/history/${live.analysisId}`).set(s.bearer).expect(200)).body as StoredStudy;
    expect(live.study.aggregation?.settings).toEqual(record.study?.rule);
    return record;
  };

  beforeAll(async () => {
    app = await startApp(config);
    alice = await loginAs(app);
    stored = await postStudy(app, alice);
    expect(stored).toMatchObject({ status: 'completed', thresholds: { triage: 0.6, brain_tumor: 0.6 }, study: { sliceCount: 8, rule: { agreement: 0.6, minUsableSlices: 3, pairWithin: 2 } } });
  });
  afterAll(async () => {
    await app.close();
  });

  describe('after a restart at STUDY_AGREEMENT=0.9, STUDY_MIN_USABLE_SLICES=7 on the same database', () => {
    let later: NestExpressApplication;
    let same: TestSession;
    beforeAll(async () => {
      later = await startApp(testConfig({ ...env, DATABASE_URL: databaseUrl, STUDY_AGREEMENT: '0.9', STUDY_MIN_USABLE_SLICES: '7' }));
      same = await sessionFor(later, alice.user);
    });
    afterAll(async () => {
      await later.close();
    });

    it('the API record, the PDF and the history page still give the first rule; a study made now is recorded under the new one', async () => {
      const server = later.getHttpServer();
      const api = (await request(server).get(`/api/v1/history/${stored.id}`).set(same.bearer).expect(200)).body as StoredStudy;
      expect(api.study?.rule).toEqual({ agreement: 0.6, minUsableSlices: 3, pairWithin: 2 });
      expect(api.thresholds).toEqual({ triage: 0.6, brain_tumor: 0.6 }); // the rule is not listed as a model
      const pdf = await request(server).get(`/api/v1/history/${stored.id}/report.pdf`).set(same.bearer).buffer(true).parse(binary).expect(200);
      const text = pdfFlatText(pdf.body as Buffer);
      expect(text).toContain(`Study rule: ${FIRST_LINE}`);
      expect(text).not.toContain('90.0 %');
      expect(text).not.toContain('at least 7');
      const page = await request(server).get(`/history/${stored.id}`).set(same.headers).expect(200);
      // each figure kept whole on a phone (span.figure, the `figures` view helper)
      expect(page.text).toContain(`<dt>Study rule</dt><dd>${FIRST_LINE.replace('60.0 %', '<span class="figure">60.0 %</span>')}</dd>`);

      const now = await postStudy(later, same);
      expect(now.study?.rule).toEqual({ agreement: 0.9, minUsableSlices: 7, pairWithin: 2 });
      const nowPage = await request(server).get(`/history/${now.id}`).set(same.headers).expect(200);
      expect(nowPage.text).toContain('<dt>Study rule</dt><dd><span class="figure">90.0 %</span> of the slices must agree; at least 7 usable slices (and a quarter of the study; all of them if it has fewer); a finding rests on two slices at most 2 apart in series order, counting any slices missing between them</dd>');
    });

    it('a study stored before the rule was (thresholds recorded or not) says "not recorded" everywhere, never today\'s', async () => {
      const server = later.getHttpServer();
      const prisma = later.get(PrismaService);
      const versions = JSON.stringify({ triage: '0.0.0-fake', brain_tumor: '0.0.0-fake' });
      const base = { userId: alice.user.id, byteSize: 1, status: 'completed', stage: 'diagnosis', anatomy: 'brain', task: 'brain_tumor', label: 'glioma', confidence: 0.95, modelVersionsJson: versions, kind: 'study', modality: 'MR', sliceCount: 8, usableSlices: 8 };
      // as the previous release wrote a study (thresholds, no rule), and as the upgrade left one (NULL)
      const rows = [
        await prisma.analysis.create({ data: { ...base, sha256: 'a'.repeat(64), thresholdsJson: JSON.stringify({ triage: 0.6, brain_tumor: 0.6 }) } }),
        await prisma.analysis.create({ data: { ...base, sha256: 'b'.repeat(64) } }),
      ];
      for (const old of rows) {
        const api = (await request(server).get(`/api/v1/history/${old.id}`).set(same.bearer).expect(200)).body as StoredStudy;
        expect(api.study?.rule).toBeNull();
        const pdf = await request(server).get(`/api/v1/history/${old.id}/report.pdf`).set(same.bearer).buffer(true).parse(binary).expect(200);
        const text = pdfFlatText(pdf.body as Buffer);
        expect(text).toContain(`Study rule: ${STUDY_RULE_NOT_RECORDED}`);
        expect(text).not.toContain('at least 7');
        const page = await request(server).get(`/history/${old.id}`).set(same.headers).expect(200);
        expect(page.text).toContain(`<dt>Study rule</dt><dd>${STUDY_RULE_NOT_RECORDED}</dd>`);
      }

      const admin = await loginAs(later, { role: 'admin' });
      const csv = await request(server).get(`/api/v1/history/export.csv?user=${encodeURIComponent(alice.user.email)}`).set(admin.bearer).expect(200);
      const byId = new Map(parseCsv(csv.text).map((r) => [r.id, r]));
      expect(byId.get(stored.id)).toMatchObject({ kind: 'study', studyAgreement: '0.6', studyMinUsableSlices: '3' });
      expect(JSON.parse(byId.get(stored.id)?.thresholds ?? 'null')).toEqual({ triage: 0.6, brain_tumor: 0.6 });
      for (const old of rows) expect(byId.get(old.id)).toMatchObject({ kind: 'study', studyAgreement: '', studyMinUsableSlices: '' });
    });
  });
});
