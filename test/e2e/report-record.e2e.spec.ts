/**
 * A full PDF report names a stored analysis (its id, its time) and re-runs the re-sent image only
 * for the heat map. It showed the re-run's decision, figures and timings under the stored id: after
 * a threshold change (or a model upgrade) the PDF of a "glioma" analysis said "inconclusive", and
 * its timings were never the analysis's. It now shows the record; a re-run that decided otherwise
 * lends it nothing (no heat map, no message) and the PDF says why.
 *
 * The threshold too is the record's: the reports and the history page showed today's
 * CONFIDENCE_THRESHOLD beside an answer decided at another. Each record now stores the threshold
 * it was decided at; after a restart at 0.9 the PDFs, the page, the API and the CSV still say 0.60.
 * A full report for a study's record is a named 422 that points to the study's own report.
 */
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { loginAs, sessionFor, TestSession } from '../helpers/auth';
import { binary, pdfFlatText } from '../helpers/pdf-text';
import { parseCsv } from '../../src/common/csv';
import { PrismaService } from '../../src/prisma/prisma.service';
import { THRESHOLD_NOT_RECORDED } from '../../src/presentation/history.view';
import { CHANGED_NOTICE } from '../../src/reports/reports.service';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';
import { solidPng } from '../support/images';
import { SERIES } from '../support/study-e2e';
import { dicomSeries, zip } from '../support/study-fixtures';

const imageCount = (pdf: Buffer) => (pdf.toString('latin1').match(/\/Subtype\s*\/Image/g) ?? []).length;

interface Stored {
  id: string;
  status: string;
  label: string | null;
  timingsMs: Record<string, number>;
  thresholds: Record<string, number> | null;
}

/** What the record, its PDFs and its page say the threshold was: the one it was decided at. */
const AT_RECORDING = { triage: 0.6, brain_tumor: 0.6 };

describe('a full PDF report shows the analysis it names', () => {
  const config = testConfig({ MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0', CONFIDENCE_THRESHOLD: '0.6' });
  const databaseUrl = `file:${config.databaseFile}`;
  let app: NestExpressApplication;
  let alice: TestSession;
  let image: Buffer;
  let stored: Stored;
  let study: Stored;
  let studyZip: Buffer;
  const report = (a: NestExpressApplication, s: TestSession, id: string) =>
    request(a.getHttpServer()).post('/api/v1/reports').set(s.bearer).field('analysisId', id).attach('image', image, 'x.png').buffer(true).parse(binary).expect(200);

  beforeAll(async () => {
    app = await startApp(config);
    alice = await loginAs(app);
    image = await solidPng(300, 300, 255); // the fake brain_tumor model: glioma at 67.1 %
    const { analysisId } = (await request(app.getHttpServer()).post('/api/v1/analyses').set(alice.bearer).attach('image', image, 'x.png').expect(200)).body as { analysisId: string };
    stored = (await request(app.getHttpServer()).get(`/api/v1/history/${analysisId}`).set(alice.bearer).expect(200)).body as Stored;
    expect(stored).toMatchObject({ status: 'completed', label: 'glioma', thresholds: AT_RECORDING });
    // one file, so the study's sha256 is that file's: re-sent, it matches the record
    studyZip = zip(Object.fromEntries(dicomSeries(SERIES).map((f, i) => [`s${i}.dcm`, f])));
    const posted = await request(app.getHttpServer()).post('/api/v1/studies').set(alice.bearer).attach('files', studyZip, 'series.zip').expect(200);
    const studyId = (posted.body as { analysisId: string }).analysisId;
    study = (await request(app.getHttpServer()).get(`/api/v1/history/${studyId}`).set(alice.bearer).expect(200)).body as Stored;
    expect(study).toMatchObject({ status: 'completed', label: 'glioma', thresholds: AT_RECORDING });
  });
  afterAll(async () => {
    await app.close();
  });

  it('the same models: the record with its own timings, the heat map and the message of the re-run', async () => {
    const pdf = (await report(app, alice, stored.id)).body as Buffer;
    const text = pdfFlatText(pdf);
    expect(text).toContain(`Analysis id: ${stored.id}`);
    expect(text).toContain('Label: Glioma');
    expect(text).toContain(`total ${Math.round(stored.timingsMs.total * 10) / 10} ms`);
    expect(text).toContain('Message: Most likely: glioma');
    expect(text).not.toContain(CHANGED_NOTICE);
    expect(imageCount(pdf)).toBe(2); // the image and the heat map
  });

  it('a study\'s record: a named 422 that says where its report is, never 415 "Only JPEG and PNG"', async () => {
    const server = app.getHttpServer();
    // its own file by id or by sha256 (the latest record of those bytes), and an image with its id:
    // the record decides, before any byte is checked
    const asked = [
      () => request(server).post('/api/v1/reports').set(alice.bearer).field('analysisId', study.id).attach('image', studyZip, 'series.zip'),
      () => request(server).post('/api/v1/reports').set(alice.bearer).attach('image', studyZip, 'series.zip'),
      () => request(server).post('/api/v1/reports').set(alice.bearer).field('analysisId', study.id).attach('image', image, 'x.png'),
    ];
    for (const ask of asked) {
      const res = await ask().expect(422);
      expect(res.body).toMatchObject({ statusCode: 422, code: 'STUDY_HAS_OWN_REPORT' });
      expect(res.body.message).toContain('Full reports re-run a single JPEG or PNG image');
      expect(res.body.message).toContain(`GET /api/v1/history/${study.id}/report.pdf`);
    }
    // the route it names is the study's report
    const pdf = await request(server).get(`/api/v1/history/${study.id}/report.pdf`).set(alice.bearer).buffer(true).parse(binary).expect(200);
    expect(pdfFlatText(pdf.body as Buffer)).toContain(`Analysis id: ${study.id}`);
  });

  it('an image once sent to the study endpoint by mistake: its report (by sha256) is still the image\'s, not a false STUDY_HAS_OWN_REPORT', async () => {
    const server = app.getHttpServer();
    // recorded as a refused study of the same bytes, newer than the image's record
    await request(server).post('/api/v1/studies').set(alice.bearer).attach('files', image, 'x.png').expect(415);
    const res = await request(server).post('/api/v1/reports').set(alice.bearer).attach('image', image, 'x.png').buffer(true).parse(binary).expect(200);
    expect(pdfFlatText(res.body as Buffer)).toContain(`Analysis id: ${stored.id}`);
  });

  describe('after a restart at CONFIDENCE_THRESHOLD=0.9 on the same database', () => {
    let later: NestExpressApplication;
    let same: TestSession;
    beforeAll(async () => {
      later = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0', DATABASE_URL: databaseUrl, CONFIDENCE_THRESHOLD: '0.9' }));
      same = await sessionFor(later, alice.user);
    });
    afterAll(async () => {
      await later.close();
    });

    it('full PDF: still the recorded answer and threshold, no heat map of another decision, and a notice', async () => {
      const pdf = (await report(later, same, stored.id)).body as Buffer;
      const text = pdfFlatText(pdf);
      expect(text).toContain(`Analysis id: ${stored.id}`);
      expect(text).toContain('Status: completed');
      expect(text).toContain('Label: Glioma'); // the re-run at 0.9 says "unable to determine"
      expect(text).not.toContain('Unable to determine');
      expect(text).toContain(`total ${Math.round(stored.timingsMs.total * 10) / 10} ms`);
      expect(text).toContain(CHANGED_NOTICE);
      expect(text).toContain('Confidence threshold: 60.0 %');
      expect(text).toContain('Decided at the 60.0 % confidence threshold.');
      expect(text).not.toContain('90.0 %');
      expect(imageCount(pdf)).toBe(1); // the image, no heat map
    });

    it('the API record, the metadata PDF and the history page of an image and of a study still say 0.60', async () => {
      const server = later.getHttpServer();
      for (const rec of [stored, study]) {
        const api = (await request(server).get(`/api/v1/history/${rec.id}`).set(same.bearer).expect(200)).body as Stored;
        expect(api.thresholds).toEqual(AT_RECORDING);
        const pdf = await request(server).get(`/api/v1/history/${rec.id}/report.pdf`).set(same.bearer).buffer(true).parse(binary).expect(200);
        const text = pdfFlatText(pdf.body as Buffer);
        expect(text).toContain('Confidence threshold: 60.0 %');
        expect(text).toContain('Decided at the 60.0 % confidence threshold.');
        expect(text).not.toContain('90.0 %');
        const page = await request(server).get(`/history/${rec.id}`).set(same.headers).expect(200);
        expect(page.text).toContain('<dt>Confidence threshold</dt><dd><span class="figure">60.0 %</span></dd>');
      }
      // an analysis made now is decided, and recorded, at 0.9
      const now = (await request(server).post('/api/v1/analyses').set(same.bearer).attach('image', image, 'x.png').expect(200)).body as { status: string; analysisId: string };
      expect(now.status).toBe('inconclusive');
      const rec = (await request(server).get(`/api/v1/history/${now.analysisId}`).set(same.bearer).expect(200)).body as Stored;
      expect(rec.thresholds).toEqual({ triage: 0.9, brain_tumor: 0.9 });
    });

    it('a record from before thresholds were stored says "not recorded" everywhere, never today\'s 0.9', async () => {
      const server = later.getHttpServer();
      // a row as the upgrade leaves it (test/unit/migrator.spec.ts): thresholdsJson NULL
      const versions = JSON.stringify({ triage: '0.0.0-fake', brain_tumor: '0.0.0-fake' });
      const old = await later.get(PrismaService).analysis.create({
        data: { userId: alice.user.id, byteSize: 1, sha256: 'e'.repeat(64), status: 'completed', stage: 'diagnosis', anatomy: 'brain', task: 'brain_tumor', label: 'glioma', confidence: 0.95, modelVersionsJson: versions },
      });
      const api = (await request(server).get(`/api/v1/history/${old.id}`).set(same.bearer).expect(200)).body as Stored;
      expect(api.thresholds).toBeNull();
      const pdf = await request(server).get(`/api/v1/history/${old.id}/report.pdf`).set(same.bearer).buffer(true).parse(binary).expect(200);
      const text = pdfFlatText(pdf.body as Buffer);
      expect(text).toContain(`Confidence threshold: ${THRESHOLD_NOT_RECORDED}`);
      expect(text).toContain(`Confidence threshold at this analysis: ${THRESHOLD_NOT_RECORDED}.`);
      expect(text).not.toContain('90.0 %');
      const page = await request(server).get(`/history/${old.id}`).set(same.headers).expect(200);
      expect(page.text).toContain(`<dt>Confidence threshold</dt><dd>${THRESHOLD_NOT_RECORDED}</dd>`);
    });

    it('the CSV export: the recorded thresholds, and the study columns after the old ones', async () => {
      const admin = await loginAs(later, { role: 'admin' });
      const res = await request(later.getHttpServer()).get(`/api/v1/history/export.csv?user=${encodeURIComponent(alice.user.email)}`).set(admin.bearer).expect(200);
      const rows = parseCsv(res.text);
      const img = rows.find((r) => r.id === stored.id);
      const series = rows.find((r) => r.id === study.id);
      expect(JSON.parse(img?.thresholds ?? 'null')).toEqual(AT_RECORDING);
      expect(JSON.parse(series?.thresholds ?? 'null')).toEqual(AT_RECORDING);
      expect(img).toMatchObject({ kind: 'image', modality: '', seriesDescription: '', slicesAnalysed: '', slicesUsed: '', slicesNotUsed: '' });
      expect(series).toMatchObject({ kind: 'study', modality: 'MR', slicesAnalysed: '8', slicesUsed: '8', slicesNotUsed: '0' });
    });
  });
});
