import { NestExpressApplication } from '@nestjs/platform-express';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { ImageDecodeService } from '../../src/inference/image-decode.service';
import { loginAs, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR, startApp, tempDir, testConfig } from '../support/app';
import { SERIES } from '../support/study-e2e';
import { dicomJpegSlice } from '../support/jpeg-dicom-fixtures';
import { dicomSeries, syntheticSlice, zip } from '../support/study-fixtures';
import { tar } from '../support/tar-fixture';

/**
 * Study uploads refused by configuration rather than by content: the upload limits, no models or
 * a timeout, and the OpenAPI entry. Each needs its own app (its own settings), so they live apart
 * from studies.fake-models.e2e.spec.ts, whose tests share one app and its logs.
 */
describe('study upload limits (streamed, in memory)', () => {
  let app: NestExpressApplication;
  let user: TestSession;
  beforeAll(async () => {
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, STUDY_MAX_BYTES: '300000', STUDY_MAX_SLICES: '5' }));
    user = await loginAs(app);
  });
  afterAll(async () => {
    await app.close();
  });

  it('more bytes than the study limit across files → 413 while uploading', async () => {
    const files = dicomSeries(Array.from({ length: 3 }, () => syntheticSlice(256, 256, () => 240))); // 3 × 131 kB > 300 kB
    let r = request(app.getHttpServer()).post('/api/v1/studies').set(user.bearer);
    files.forEach((f, i) => (r = r.attach('files', f, `f${i}.dcm`)));
    const res = await r;
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('FILE_TOO_LARGE');
  });

  it('a .tar.gz over the limit → 415 naming it and asking for a ZIP, not 413 "too large" alone', async () => {
    // before: 413 "The study exceeds the 293 KB limit"; a smaller .tar.gz was then told TAR is not read
    const archive = gzipSync(tar({ 'series/IM0': randomBytes(400_000) }));
    const res = await request(app.getHttpServer()).post('/api/v1/studies').set(user.bearer).attach('files', archive, 'series.tar.gz');
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('UNSUPPORTED_TYPE');
    expect(res.body.message).toMatch(/^File 1 of the upload is a TAR archive \(gzip-compressed\), which is not read: put the series' files in a ZIP archive/);
    expect(res.body.message).toMatch(/larger than the study's 293 KB limit/);
  });

  it('more slices than allowed → 413 TOO_MANY_SLICES', async () => {
    const z = zip(Object.fromEntries(dicomSeries(Array.from({ length: 6 }, (_, k) => syntheticSlice(64, 64, () => 240 + k))).map((b, i) => [`IM${i}`, b])));
    const res = await request(app.getHttpServer()).post('/api/v1/studies').set(user.bearer).attach('files', z, 's.zip');
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('TOO_MANY_SLICES');
  });
});

describe('studies when the engine cannot answer', () => {
  it('no models loaded → 503 ANALYSIS_UNAVAILABLE (a CT series is still refused from its header)', async () => {
    const app = await startApp(testConfig({ MODELS_DIR: path.join(tempDir(), 'none') }));
    try {
      const user = await loginAs(app);
      const mr = await request(app.getHttpServer()).post('/api/v1/studies').set(user.bearer).attach('files', dicomSeries(SERIES.slice(0, 1))[0], 'a.dcm');
      expect(mr.status).toBe(503);
      expect(mr.body.code).toBe('ANALYSIS_UNAVAILABLE');
      const ct = await request(app.getHttpServer()).post('/api/v1/studies').set(user.bearer).attach('files', dicomSeries(SERIES.slice(0, 1), { modality: 'CT' })[0], 'a.dcm');
      expect(ct.status).toBe(200);
      expect(ct.body.code).toBe('NOT_MRI');
    } finally {
      await app.close();
    }
  });

  it('past STUDY_TIMEOUT_MS → 504 ANALYSIS_TIMEOUT, and the app keeps serving', async () => {
    const app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, STUDY_TIMEOUT_MS: '1' }));
    try {
      const user = await loginAs(app);
      const res = await request(app.getHttpServer()).post('/api/v1/studies').set(user.bearer).attach('files', zip(Object.fromEntries(dicomSeries(SERIES).map((b, i) => [`IM${i}`, b]))), 's.zip');
      expect(res.status).toBe(504);
      expect(res.body.code).toBe('ANALYSIS_TIMEOUT');
      await request(app.getHttpServer()).get('/healthz').expect(200);
    } finally {
      await app.close();
    }
  });
});

describe('OpenAPI', () => {
  it('documents POST /api/v1/studies with the study result schema', async () => {
    const app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR }));
    try {
      const user = await loginAs(app);
      const doc = (await request(app.getHttpServer()).get('/api/docs-json').set(user.bearer).expect(200)).body;
      expect(doc.paths['/api/v1/studies'].post.responses['200'].content['application/json'].schema.$ref).toMatch(/StudyResultDto/);
      expect(Object.keys(doc.components.schemas.StudyResultDto.properties)).toEqual(expect.arrayContaining(['status', 'label', 'slices', 'study', 'disclaimer']));
    } finally {
      await app.close();
    }
  });
});

describe('large study JPEG frames and uploads share one pixel budget', () => {
  it('a study whose 1.1 MP JPEG frame does not fit beside a large upload waits for it, then answers', async () => {
    const app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR }));
    try {
      const user = await loginAs(app);
      const budget = app.get(ImageDecodeService).budget; // the one uploads decode within
      const upload = await budget.acquire(budget.limit - 1_000_000); // as a large upload being decoded does
      const file = await dicomJpegSlice(syntheticSlice(1100, 1000, (x, y) => 200 + ((x + y) % 50)));
      const answer = request(app.getHttpServer()).post('/api/v1/studies').set(user.bearer).attach('files', file, 'a.dcm').then((r) => r);
      for (let i = 0; i < 500 && budget.queued === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(budget.queued).toBe(1); // the study's frame waits in the uploads' queue
      upload();
      const res = await answer;
      expect(res.status).toBe(200);
      expect([budget.inUse, budget.queued]).toEqual([0, 0]);
    } finally {
      await app.close();
    }
  });
});
