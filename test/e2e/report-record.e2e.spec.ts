/**
 * A full PDF report names a stored analysis (its id, its time) and re-runs the re-sent image only
 * for the heat map. It showed the re-run's decision, figures and timings under the stored id: after
 * a threshold change (or a model upgrade) the PDF of a "glioma" analysis said "inconclusive", and
 * its timings were never the analysis's. It now shows the record; a re-run that decided otherwise
 * lends it nothing (no heat map, no message) and the PDF says why.
 */
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { loginAs, sessionFor, TestSession } from '../helpers/auth';
import { binary, pdfFlatText } from '../helpers/pdf-text';
import { CHANGED_NOTICE } from '../../src/reports/reports.service';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';
import { solidPng } from '../support/images';

const imageCount = (pdf: Buffer) => (pdf.toString('latin1').match(/\/Subtype\s*\/Image/g) ?? []).length;

interface Stored {
  id: string;
  status: string;
  label: string | null;
  timingsMs: Record<string, number>;
}

describe('a full PDF report shows the analysis it names', () => {
  const config = testConfig({ MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0' });
  const databaseUrl = `file:${config.databaseFile}`;
  let app: NestExpressApplication;
  let alice: TestSession;
  let image: Buffer;
  let stored: Stored;
  const report = (a: NestExpressApplication, s: TestSession, id: string) =>
    request(a.getHttpServer()).post('/api/v1/reports').set(s.bearer).field('analysisId', id).attach('image', image, 'x.png').buffer(true).parse(binary).expect(200);

  beforeAll(async () => {
    app = await startApp(config);
    alice = await loginAs(app);
    image = await solidPng(300, 300, 255); // the fake brain_tumor model: glioma at 67.1 %
    const { analysisId } = (await request(app.getHttpServer()).post('/api/v1/analyses').set(alice.bearer).attach('image', image, 'x.png').expect(200)).body as { analysisId: string };
    stored = (await request(app.getHttpServer()).get(`/api/v1/history/${analysisId}`).set(alice.bearer).expect(200)).body as Stored;
    expect(stored).toMatchObject({ status: 'completed', label: 'glioma' });
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

  it('after a threshold change: still the recorded answer, no heat map of another decision, and a notice', async () => {
    const later = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0', DATABASE_URL: databaseUrl, CONFIDENCE_THRESHOLD: '0.9' }));
    try {
      const same = await sessionFor(later, alice.user);
      const pdf = (await report(later, same, stored.id)).body as Buffer;
      const text = pdfFlatText(pdf);
      expect(text).toContain(`Analysis id: ${stored.id}`);
      expect(text).toContain('Status: completed');
      expect(text).toContain('Label: Glioma'); // the re-run at 0.9 says "unable to determine"
      expect(text).not.toContain('Unable to determine');
      expect(text).toContain(`total ${Math.round(stored.timingsMs.total * 10) / 10} ms`);
      expect(text).toContain(CHANGED_NOTICE);
      expect(imageCount(pdf)).toBe(1); // the image, no heat map
    } finally {
      await later.close();
    }
  });
});
