import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { loginAs, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';
import sharp from 'sharp';
import { AnalysisService } from '../../src/classifier/analysis.service';
import { decodeImage } from '../../src/inference/image-decoder';
import { solidPng } from '../support/images';

/**
 * INFERENCE_WORKERS > 0 runs the models in worker threads (onnxruntime-node's run() is
 * synchronous and would otherwise block the event loop). Same answers as in-process, in
 * parallel, and a worker pool that shuts down with the app.
 */
describe('inference in worker threads (INFERENCE_WORKERS)', () => {
  let inProcess: NestExpressApplication;
  let inWorkers: NestExpressApplication;
  let a: TestSession;
  let b: TestSession;

  beforeAll(async () => {
    const overrides = { MODELS_DIR: FAKE_MODELS_DIR, RATE_LIMIT_ANALYSES_PER_MINUTE: '1000' };
    inProcess = await startApp(testConfig({ ...overrides, INFERENCE_WORKERS: '0' }));
    inWorkers = await startApp(testConfig({ ...overrides, INFERENCE_WORKERS: '2', INFERENCE_POOL_SIZE: '2' }));
    a = await loginAs(inProcess);
    b = await loginAs(inWorkers);
  });
  afterAll(async () => {
    await inProcess?.close();
    await inWorkers?.close();
  });

  it('is ready and gives the same results as in-process inference', async () => {
    await request(inWorkers.getHttpServer()).get('/readyz').expect(200);
    for (const grey of [255, 200, 128, 0]) {
      const png = await solidPng(256, 256, grey);
      const one = await request(inProcess.getHttpServer()).post('/api/v1/analyses').set(a.bearer).attach('image', png, 'x.png').expect(200);
      const two = await request(inWorkers.getHttpServer()).post('/api/v1/analyses').set(b.bearer).attach('image', png, 'x.png').expect(200);
      const strip = (r: Record<string, unknown>) => ({ ...r, timingsMs: undefined, analysisId: undefined }); // each run is its own history record
      expect(strip(two.body)).toEqual(strip(one.body));
    }
  });

  it('a large image (reduced to letterboxes + display where it is decoded) answers exactly as from its full pixels, in-process and in workers', async () => {
    const w = 1100, h = 1100; // 1.2 MP: above the 1-MP line, so decoded in a worker of its own and reduced there
    const raw = Buffer.alloc(w * h * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = 255 - ((i * 2654435761) >>> 30); // bright (a "brain" to the fake models), not uniform
    const png = await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
    const strip = (r: Record<string, unknown>) => ({ ...r, timingsMs: undefined, analysisId: undefined });
    const one = await request(inProcess.getHttpServer()).post('/api/v1/analyses').set(a.bearer).attach('image', png, 'x.png').expect(200);
    const two = await request(inWorkers.getHttpServer()).post('/api/v1/analyses').set(b.bearer).attach('image', png, 'x.png').expect(200);
    expect(one.body).toMatchObject({ status: 'completed' });
    expect(one.body.explanation?.heatmap).toMatch(/^data:image\/(png|jpeg);base64,/);
    // the reference: the same pipeline from the full decoded pixels (no reduction)
    const full = await inProcess.get(AnalysisService).analyzePixels(await decodeImage(png, { maxPixels: 40_000_000, minSide: 64 }), { explain: true });
    // the thresholds it was decided at come with the answer (analyze()), not with the pixels' result
    expect(Object.keys(one.body.thresholds).sort()).toEqual(Object.keys(full.modelVersions).sort());
    // and the refusal, as the record keeps it (null: answered)
    expect(one.body.refusal).toBeNull();
    expect(strip({ ...one.body, thresholds: undefined })).toEqual(strip({ ...full, refusal: full.refusal ?? null }));
    expect(strip(two.body)).toEqual(strip(one.body));
  });

  it('serves many analyses at once without errors', async () => {
    const png = await solidPng(300, 300, 255);
    const all = await Promise.all(
      Array.from({ length: 12 }, () => request(inWorkers.getHttpServer()).post('/api/v1/analyses').set(b.bearer).attach('image', png, 'x.png')),
    );
    expect(all.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(new Set(all.map((r) => r.body.label)).size).toBe(1);
  });
});
