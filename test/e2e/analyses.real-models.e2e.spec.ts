import { NestExpressApplication } from '@nestjs/platform-express';
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import type { TestSession } from '../helpers/auth';
import { REPO_ROOT, SAMPLES_DIR } from '../support/app';
import { startRealModelsApp } from '../support/real-models-app';
import { cardCaveat } from '../support/cards';
import { resizedJpeg, sixMegabytes, solidPng, TEXT_AS_JPG, withColourOverlay } from '../support/images';

/**
 * The whole app with the committed models (models/triage, models/brain_tumor) on real images
 * from ../shared/samples, read at test time. Nothing here is stubbed: a fake pipeline cannot
 * produce these answers.
 */
const sample = (name: string) => fs.readFileSync(path.join(SAMPLES_DIR, name));
const TUMOURS = ['glioma', 'meningioma', 'pituitary'];
const MODELS_DIR = path.join(REPO_ROOT, 'models');

describe('POST /api/v1/analyses with the real models and sample images', () => {
  let app: NestExpressApplication;
  let auth: TestSession;
  const post = (bytes: Buffer, name: string) =>
    request(app.getHttpServer()).post('/api/v1/analyses').set(auth.bearer).attach('image', bytes, name);

  beforeAll(async () => {
    ({ app, auth } = await startRealModelsApp());
  });
  afterAll(async () => {
    await app?.close();
  });

  it('brain MRI with a glioma → completed with a tumour label and a heat map', async () => {
    const res = await post(sample('brain-glioma-1.jpg'), 'brain.jpg').expect(200);
    const r = res.body;
    expect(r).toMatchObject({ status: 'completed', stage: 'diagnosis', code: null, isMri: true, anatomy: 'brain', task: 'brain_tumor' });
    expect(TUMOURS).toContain(r.label);
    expect(r.confidence).toBeGreaterThanOrEqual(0.6);
    expect(Object.keys(r.probabilities).sort()).toEqual(['glioma', 'meningioma', 'notumor', 'pituitary']);
    expect(r.explanation.heatmap).toMatch(/^data:image\/jpeg;base64,/);
    expect(r.explanation.focus).toBe('region'); // a real answer's map points somewhere (docs/explainability.md)
    expect(Object.keys(r.modelVersions).sort()).toEqual(['brain_tumor', 'triage']);
    expect(r.disclaimer).toMatch(/not for clinical use/i);
    // the committed brain_tumor card is marked experimental: the answer itself says so, with what
    // the held-out figures say against a tumour answer
    expect(r.experimental).toBe(true);
    expect(r.caveat).toBe(cardCaveat(MODELS_DIR, 'brain_tumor', r.label));
    expect(r.caveat).toMatch(/% of the tumour-free slices it answered a tumour/);
  });

  it('brain MRI without a tumour → "no tumour", with the caveat that it does not rule a tumour out', async () => {
    const r = (await post(sample('brain-notumor-1.jpg'), 'brain.jpg').expect(200)).body;
    expect(r).toMatchObject({ status: 'completed', stage: 'diagnosis', anatomy: 'brain', task: 'brain_tumor', label: 'notumor' });
    // the class as the page's title names it ("No tumour"), not the card's description ("no tumour visible")
    expect(r.message).toMatch(/^Most likely: no tumour \(/);
    expect(r.caveat).toBe(cardCaveat(MODELS_DIR, 'brain_tumor', 'notumor'));
    expect(r.caveat).toMatch(/^This does not rule out a tumour: .* it called \d+ % of the tumour slices it answered 'no tumour'\.$/);
  });

  it('chest X-ray → rejected NOT_MRI', async () => {
    const res = await post(sample('not-mri-chest-xray.jpg'), 'xray.jpg').expect(200);
    expect(res.body).toMatchObject({ status: 'rejected', stage: 'modality', code: 'NOT_MRI', isMri: false, label: null, experimental: false, caveat: null });
  });

  it('the same brain MRI with a colour overlay → rejected NOT_MRI by the colour gate, small or large (decoded in a worker)', async () => {
    for (const side of [undefined, 1200]) {
      const res = await post(await withColourOverlay(sample('brain-glioma-1.jpg'), side), 'overlay.jpg').expect(200);
      expect(res.body).toMatchObject({ status: 'rejected', stage: 'modality', code: 'NOT_MRI', isMri: false, label: null });
      expect(res.body.message).toMatch(/in colour .* greyscale/);
    }
    // the grey original at 1200 × 1200 still gets through (the gate measured it, not just refused everything large)
    const grey = await post(await resizedJpeg(sample('brain-glioma-1.jpg'), 1200), 'large.jpg').expect(200);
    expect(grey.body).toMatchObject({ isMri: true, anatomy: 'brain' });
  });

  it('heart MRI → rejected UNSUPPORTED_BODY_PART', async () => {
    const res = await post(sample('unsupported-heart-mri.jpg'), 'heart.jpg').expect(200);
    expect(res.body).toMatchObject({ status: 'rejected', stage: 'anatomy', code: 'UNSUPPORTED_BODY_PART', isMri: true });
  });

  it('a text file named .jpg → 415 UNSUPPORTED_TYPE', async () => {
    const res = await post(TEXT_AS_JPG, 'scan.jpg').expect(415);
    expect(res.body).toEqual({ statusCode: 415, code: 'UNSUPPORTED_TYPE', message: expect.any(String) });
  });

  it('6 MB → 413 FILE_TOO_LARGE', async () => {
    const res = await post(sixMegabytes(), 'big.jpg').expect(413);
    expect(res.body).toEqual({ statusCode: 413, code: 'FILE_TOO_LARGE', message: expect.any(String) });
  });

  it('a truncated JPEG (a real sample cut short) → 422 CORRUPT_IMAGE', async () => {
    const bytes = sample('brain-meningioma-1.jpg');
    const res = await post(bytes.subarray(0, Math.floor(bytes.length * 0.6)), 'cut.jpg').expect(422);
    expect(res.body).toEqual({ statusCode: 422, code: 'CORRUPT_IMAGE', message: expect.any(String) });
  });

  it('10×10 px → 422 RESOLUTION_OUT_OF_RANGE', async () => {
    const res = await post(await solidPng(10, 10, 128), 'tiny.png').expect(422);
    expect(res.body).toEqual({ statusCode: 422, code: 'RESOLUTION_OUT_OF_RANGE', message: expect.any(String) });
  });

  it('every sample gets a decision (no 5xx) that matches SAMPLES.csv where one is expected', async () => {
    const rows = fs
      .readFileSync(path.join(SAMPLES_DIR, 'SAMPLES.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',')[0]);
    for (const file of rows) {
      const res = await post(sample(file), file);
      expect(res.status).toBe(200);
      expect(['completed', 'inconclusive', 'rejected']).toContain(res.body.status);
      if (file.startsWith('not-mri')) expect(res.body.isMri).toBe(false);
    }
  });
});
