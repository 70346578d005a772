import { NestExpressApplication } from '@nestjs/platform-express';
import sharp from 'sharp';
import request from 'supertest';
import { PrismaService } from '../../src/prisma/prisma.service';
import { loginAs, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR, startApp, tempDir, testConfig } from '../support/app';
import { cardCaveat } from '../support/cards';
import { sixMegabytes, solidJpeg, solidPng, TEXT_AS_JPG, truncatedJpeg } from '../support/images';

/**
 * The real app (real pipes, multer, filter, ONNX runtime, sharp) on deterministic fake models
 * from test/fixtures/fake-models: the class is decided by the image's mean brightness.
 */
/** History rows as stored (the app's ANALYSIS_RECORDER writes them to the temp SQLite file). */
const records = (app: NestExpressApplication) => app.get(PrismaService).analysis.findMany({ orderBy: { createdAt: 'asc' } });

/** Every route needs a login (issue 4): one API user per app instance. */
const users = new WeakMap<NestExpressApplication, TestSession>();
async function start(...args: Parameters<typeof startApp>): Promise<NestExpressApplication> {
  const app = await startApp(...args);
  users.set(app, await loginAs(app));
  return app;
}
const as = (app: NestExpressApplication) => users.get(app)!;

const post = (app: NestExpressApplication, bytes: Buffer, name = 'x.png') =>
  request(app.getHttpServer()).post('/api/v1/analyses').set(as(app).bearer).attach('image', bytes, name);

describe('POST /api/v1/analyses on fake models', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await start(testConfig({ MODELS_DIR: FAKE_MODELS_DIR }));
  });
  afterAll(async () => {
    await app.close();
  });

  it('is ready', async () => {
    const res = await request(app.getHttpServer()).get('/readyz').expect(200);
    expect(res.body.checks.models.ok).toBe(true);
  });

  it('white image → brain → completed glioma, with heat map, versions, timings, disclaimer', async () => {
    const res = await post(app, await solidPng(300, 300, 255)).expect(200);
    const r = res.body;
    expect(r).toMatchObject({
      status: 'completed',
      stage: 'diagnosis',
      code: null,
      isMri: true,
      anatomy: 'brain',
      task: 'brain_tumor',
      label: 'glioma',
      modelVersions: { triage: '0.0.0-fake', brain_tumor: '0.0.0-fake' },
    });
    expect(Object.keys(r).sort()).toEqual(
      ['status', 'stage', 'code', 'message', 'isMri', 'mriConfidence', 'anatomy', 'anatomyConfidence', 'task', 'label', 'confidence',
        'probabilities', 'explanation', 'modelVersions', 'thresholds', 'timingsMs', 'disclaimer', 'experimental', 'caveat', 'refusal', 'analysisId'].sort(),
    );
    // the flag is the answering card's own: the fake brain card is marked experimental too
    expect(r.experimental).toBe(true);
    // and so is the caveat: the fake card's label_caveats names glioma
    expect(r.caveat).toBe(cardCaveat(FAKE_MODELS_DIR, 'brain_tumor', 'glioma'));
    expect(r.confidence).toBeGreaterThan(0.6);
    expect(Object.keys(r.probabilities)).toEqual(['glioma', 'meningioma', 'notumor', 'pituitary']);
    expect(r.explanation.heatmap).toMatch(/^data:image\/jpeg;base64,/);
    // a JPEG the size of the upload (≤ 448 px a side is shown as is)
    const heat = await sharp(Buffer.from(r.explanation.heatmap.split(',')[1], 'base64')).metadata();
    expect(heat).toMatchObject({ format: 'jpeg', width: 300, height: 300, channels: 3 });
    for (const k of ['decode', 'preprocess', 'triage', 'diagnosis', 'explanation', 'total']) expect(typeof r.timingsMs[k]).toBe('number');
    expect(r.disclaimer).toMatch(/not for clinical use/i);
  });

  it('explain=false skips the heat map', async () => {
    const res = await request(app.getHttpServer())
      .post('/api/v1/analyses')
      .set(as(app).bearer)
      .field('explain', 'false')
      .attach('image', await solidPng(300, 300, 255), 'x.png')
      .expect(200);
    expect(res.body.status).toBe('completed');
    expect(res.body.explanation).toBeNull();
  });

  it('explain sent twice or as "maybe" → 400 saying which values it takes (it said "explain: Invalid input.")', async () => {
    const png = await solidPng(300, 300, 255);
    const server = app.getHttpServer();
    for (const [where, req] of [
      ['request body', request(server).post('/api/v1/analyses').set(as(app).bearer).field('explain', 'false').field('explain', 'true').attach('image', png, 'x.png')],
      ['request body', request(server).post('/api/v1/analyses').set(as(app).bearer).field('explain', 'maybe').attach('image', png, 'x.png')],
      ['query string', request(server).post('/api/v1/analyses?explain=false&explain=false').set(as(app).bearer).attach('image', png, 'x.png')],
    ] as const) {
      const res = await req.expect(400);
      expect(res.body).toEqual({ statusCode: 400, code: 'BAD_REQUEST', message: `Invalid ${where}: explain: expected one value, true or false (also 1/0, yes/no, on/off).` });
    }
  });

  it('a field the endpoint does not take (a client\'s own threshold) → 400 BAD_REQUEST, never a 200 decided at another threshold', async () => {
    const png = await solidPng(300, 300, 255);
    for (const [where, req] of [
      ['request body', request(app.getHttpServer()).post('/api/v1/analyses').set(as(app).bearer).field('threshold', '0.99').attach('image', png, 'x.png')],
      ['query string', request(app.getHttpServer()).post('/api/v1/analyses?confidenceThreshold=0.99').set(as(app).bearer).attach('image', png, 'x.png')],
    ] as const) {
      const res = await req.expect(400);
      expect(res.body).toEqual({ statusCode: 400, code: 'BAD_REQUEST', message: expect.stringContaining(`Invalid ${where}: unexpected field`) });
      // a query string's field was said to be the body's: 'Invalid query string: body: unexpected field …'
      expect(res.body.message).not.toMatch(/0\.99|threshold=|confidenceThreshold|: body:/);
    }
  });

  it('the study and report endpoints refuse fields they do not take the same way (they were silently dropped: a 200 or a PDF)', async () => {
    const png = await solidPng(300, 300, 255);
    const server = app.getHttpServer();
    const { bearer } = await loginAs(app); // its own user: these count against the analyses rate limit
    const { analysisId } = (await request(server).post('/api/v1/analyses').set(bearer).attach('image', png, 'x.png').expect(200)).body as { analysisId: string };
    const before = await app.get(PrismaService).analysis.count();
    for (const [where, req] of [
      ['request body', request(server).post('/api/v1/studies').set(bearer).field('threshold', '0.99').attach('files', png, 'x.dcm')],
      ['request body', request(server).post('/api/v1/studies').set(bearer).field('explain', 'false').attach('files', png, 'x.dcm')],
      ['query string', request(server).post('/api/v1/studies?threshold=0.99').set(bearer).attach('files', png, 'x.dcm')],
      ['request body', request(server).post('/api/v1/reports').set(bearer).field('threshold', '0.99').field('analysisId', analysisId).attach('image', png, 'x.png')],
      ['query string', request(server).post('/api/v1/reports?threshold=0.99').set(bearer).field('analysisId', analysisId).attach('image', png, 'x.png')],
    ] as const) {
      const res = await req.expect(400);
      expect(res.body).toEqual({ statusCode: 400, code: 'BAD_REQUEST', message: expect.stringContaining(`Invalid ${where}: unexpected field`) });
      expect(res.body.message).not.toMatch(/0\.99|threshold=|: body:/);
    }
    expect(await app.get(PrismaService).analysis.count()).toBe(before); // refused before any analysis
    // the fields they do take still work, the report's id in either place
    await request(server).post(`/api/v1/reports?analysisId=${analysisId}`).set(bearer).attach('image', png, 'x.png').expect(200);
    // the same id in both places is one id; two different ones are a 400 — the body's used to win unsaid,
    // so the PDF could be of another analysis than the one the URL named
    await request(server).post(`/api/v1/reports?analysisId=${analysisId}`).set(bearer).field('analysisId', analysisId).attach('image', png, 'x.png').expect(200);
    const { analysisId: second } = (await request(server).post('/api/v1/analyses').set(bearer).attach('image', png, 'x.png').expect(200)).body as { analysisId: string };
    const both = await request(server).post(`/api/v1/reports?analysisId=${analysisId}`).set(bearer).field('analysisId', second).attach('image', png, 'x.png').expect(400);
    expect(both.body).toEqual({ statusCode: 400, code: 'BAD_REQUEST', message: expect.stringContaining('analysisId') });
  });

  it('black image → rejected NOT_MRI at the modality stage', async () => {
    const res = await post(app, await solidJpeg(128, 128, 0), 'a.jpg').expect(200);
    expect(res.body).toMatchObject({ status: 'rejected', stage: 'modality', code: 'NOT_MRI', isMri: false, label: null, explanation: null, caveat: null });
    // triage-only outcome: no diagnosis model answered, so nothing is flagged experimental
    expect(res.body.experimental).toBe(false);
  });

  it('dark grey → rejected UNSUPPORTED_BODY_PART at the anatomy stage', async () => {
    const res = await post(app, await solidPng(128, 128, 64)).expect(200);
    expect(res.body).toMatchObject({ status: 'rejected', stage: 'anatomy', code: 'UNSUPPORTED_BODY_PART', anatomy: 'other_mri' });
    // it said "supported: brain, knee, spine", and a knee then got "no validated diagnosis model"
    expect(res.body.message).toBe(
      'This looks like an MRI of a body part the service does not analyse. It diagnoses brain MRI; knee and spine MRI are only recognised (no validated diagnosis model yet).',
    );
  });

  it('mid grey → knee → inconclusive NO_VALIDATED_MODEL, body part reported', async () => {
    const res = await post(app, await solidPng(128, 128, 128)).expect(200);
    expect(res.body).toMatchObject({ status: 'inconclusive', stage: 'diagnosis', code: 'NO_VALIDATED_MODEL', anatomy: 'knee', isMri: true });
  });

  it('file errors are HTTP errors with {statusCode, code, message}', async () => {
    const text = await post(app, TEXT_AS_JPG, 'scan.jpg').expect(415);
    expect(text.body).toEqual({ statusCode: 415, code: 'UNSUPPORTED_TYPE', message: expect.any(String) });
    const big = await post(app, sixMegabytes(), 'big.jpg').expect(413);
    expect(big.body.code).toBe('FILE_TOO_LARGE');
    const trunc = await post(app, await truncatedJpeg(), 't.jpg').expect(422);
    expect(trunc.body.code).toBe('CORRUPT_IMAGE');
    const tiny = await post(app, await solidPng(10, 10, 255)).expect(422);
    expect(tiny.body.code).toBe('RESOLUTION_OUT_OF_RANGE');
    const none = await request(app.getHttpServer()).post('/api/v1/analyses').set(as(app).bearer).field('explain', 'true').expect(400);
    expect(none.body.code).toBe('MISSING_FILE');
  });

  it('records metadata only, for results and file errors alike', async () => {
    const before = (await records(app)).length;
    const low = await post(app, await solidPng(130, 128, 255)).expect(200);
    expect(low.body).toMatchObject({ status: 'inconclusive', label: null, caveat: null }); // no answer, nothing to qualify
    await post(app, TEXT_AS_JPG, 'patient-name.jpg').expect(415);
    const [ok, bad] = (await records(app)).slice(before);
    // 2 px of padding pull the fake brain model between glioma and meningioma: "Unable to determine"
    expect(ok).toMatchObject({ status: 'inconclusive', code: 'LOW_CONFIDENCE', fileType: 'png', width: 130, height: 128, label: null, task: 'brain_tumor', userId: as(app).user.id });
    expect(ok.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(bad).toMatchObject({ status: 'rejected', stage: 'file', code: 'UNSUPPORTED_TYPE', fileType: null });
    for (const r of [ok, bad]) {
      const json = JSON.stringify(r);
      expect(json).not.toContain('patient-name');
      expect(json).not.toContain('base64');
      for (const v of Object.values(r)) expect(Buffer.isBuffer(v)).toBe(false);
    }
  });

  it('serves the upload page with the disclaimer and no inline script or style', async () => {
    const res = await request(app.getHttpServer()).get('/').set(as(app).headers).set('Accept', 'text/html').expect(200);
    expect(res.text).toContain('Research use only');
    expect(res.text).toContain('id="dropzone"');
    // the scope list names the classes in the pages' words, as a result's title does
    expect(res.text).toContain('<strong>Brain MRI</strong>: Glioma, Meningioma, No tumour, Pituitary');
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.text).not.toMatch(/\sstyle="/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    await request(app.getHttpServer()).get('/static/js/app.js').expect(200);
    // every script the page loads is served: a missing one (report-download.js) leaves the PDF button dead
    const scripts = res.text.match(/(?<=<script src=")[^"]+/g) ?? [];
    expect(scripts).toContain('/static/js/report-download.js');
    for (const src of scripts) await request(app.getHttpServer()).get(src).expect(200);
    await request(app.getHttpServer()).get('/static/css/app.css').expect(200);
  });
});

describe('degraded modes', () => {
  it('models that fail to load → app stays up, /readyz 503, analyses 503 ANALYSIS_UNAVAILABLE', async () => {
    const app = await start(testConfig({ MODELS_DIR: tempDir('no-models-') }));
    try {
      await request(app.getHttpServer()).get('/healthz').expect(200);
      const ready = await request(app.getHttpServer()).get('/readyz').expect(503);
      expect(ready.body.checks.models.ok).toBe(false);
      const res = await post(app, await solidPng(100, 100, 255)).expect(503);
      expect(res.body).toEqual({ statusCode: 503, code: 'ANALYSIS_UNAVAILABLE', message: expect.any(String) });
      // file errors are still reported as such
      await post(app, TEXT_AS_JPG, 'x.jpg').expect(415);
    } finally {
      await app.close();
    }
  });

  it('an analysis over ANALYSIS_TIMEOUT_MS → 504 ANALYSIS_TIMEOUT', async () => {
    const app = await start(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, ANALYSIS_TIMEOUT_MS: '1' }));
    try {
      const res = await post(app, await solidPng(2000, 2000, 255)).expect(504);
      expect(res.body.code).toBe('ANALYSIS_TIMEOUT');
    } finally {
      await app.close();
    }
  });
});

describe('robustness on fake models', () => {
  let app: NestExpressApplication;
  beforeAll(async () => {
    app = await start(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_POOL_SIZE: '2', RATE_LIMIT_ANALYSES_PER_MINUTE: '100' }));
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers 12 simultaneous uploads (bounded pool, nobody starved)', async () => {
    const png = await solidPng(300, 300, 255);
    const responses = await Promise.all(Array.from({ length: 12 }, () => post(app, png)));
    for (const r of responses) {
      expect(r.status).toBe(200);
      expect(r.body.status).toBe('completed');
    }
  });

  it('malformed multipart and wrong field names are 4xx, never 500', async () => {
    const broken = await request(app.getHttpServer())
      .post('/api/v1/analyses')
      .set(as(app).bearer)
      .set('Content-Type', 'multipart/form-data; boundary=XYZ')
      .send('--XYZ\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\n\xff\xd8\xff');
    expect(broken.status).toBeGreaterThanOrEqual(400);
    expect(broken.status).toBeLessThan(500);
    expect(broken.body.code).toEqual(expect.any(String));
    const wrongField = await request(app.getHttpServer()).post('/api/v1/analyses').set(as(app).bearer).attach('file', await solidPng(100, 100, 255), 'a.png');
    expect(wrongField.status).toBe(400);
    const json = await request(app.getHttpServer()).post('/api/v1/analyses').set(as(app).bearer).send({ image: 'abc' });
    expect(json.status).toBe(400);
    expect(json.body.code).toBe('MISSING_FILE');
  });

  it('serves listed sample images only', async () => {
    const ok = await request(app.getHttpServer()).get('/samples/brain-glioma-1.jpg').set(as(app).headers).expect(200);
    expect(ok.headers['content-type']).toMatch(/image\/jpeg/);
    await request(app.getHttpServer()).get('/samples/..%2FSAMPLES.csv').set(as(app).headers).expect(404);
    await request(app.getHttpServer()).get('/samples/SAMPLES.csv').set(as(app).headers).expect(404);
    await request(app.getHttpServer()).get('/samples/%2Fetc%2Fpasswd').set(as(app).headers).expect(404);
  });
});
