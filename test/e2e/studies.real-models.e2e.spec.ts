import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import type { TestSession } from '../helpers/auth';
import { startRealModelsApp } from '../support/real-models-app';
import { brainImages, dicomSeries, greyFromFile, MARKER, nifti1, zip } from '../support/study-fixtures';

/**
 * Whole studies through the committed models (models/triage, models/brain_tumor): DICOM series
 * and a NIfTI volume built at test time from brain MRI slices of ../shared/data.
 */
const LABELS = ['glioma', 'meningioma', 'notumor', 'pituitary'];

describe('POST /api/v1/studies with the real models', () => {
  let app: NestExpressApplication;
  let auth: TestSession;
  const post = (files: Buffer[]) => {
    let r = request(app.getHttpServer()).post('/api/v1/studies').set(auth.bearer);
    files.forEach((f, i) => (r = r.attach('files', f, `f${i}`)));
    return r;
  };
  let series: Awaited<ReturnType<typeof greyFromFile>>[];

  beforeAll(async () => {
    ({ app, auth } = await startRealModelsApp());
    const files = brainImages('notumor', 12);
    expect(files).toHaveLength(12);
    series = await Promise.all(files.map((f) => greyFromFile(f)));
  });
  afterAll(async () => {
    await app?.close();
  });

  it('a brain MR series (DICOM, 16-bit with rescale and window) → a brain study with a label of the card', async () => {
    const res = await post(dicomSeries(series)).expect(200);
    const r = res.body;
    expect(r).toMatchObject({ isMri: true, anatomy: 'brain', task: 'brain_tumor', stage: 'diagnosis' });
    expect(r.status).toBe('completed');
    expect(LABELS).toContain(r.label);
    expect(r.label).toBe('notumor'); // twelve tumour-free slices
    expect(r.confidence).toBeGreaterThanOrEqual(0.6);
    expect(r.slices).toHaveLength(12);
    expect(r.study.aggregation.usableSlices).toBeGreaterThanOrEqual(r.study.aggregation.requiredSlices);
    expect(r.explanation.heatmap).toMatch(/^data:image\/jpeg;base64,/);
    expect(res.text.toUpperCase()).not.toContain(MARKER);
  });

  it('the same slices as a ZIP and as a NIfTI volume answer the same body part', async () => {
    const z = await post([zip(Object.fromEntries(dicomSeries(series).map((b, i) => [`IM${i}`, b])))]).expect(200);
    expect(z.body.anatomy).toBe('brain');
    const { width, height } = series[0];
    const nii = nifti1([width, height, series.length], (i, j, k) => series[k].data[(height - 1 - j) * width + i], { sliceDim: 3 });
    const n = await post([nii]).expect(200);
    expect(n.body).toMatchObject({ anatomy: 'brain', study: { format: 'nifti', sliceCount: series.length } });
  });

  it('a series with 3 glioma slices among 12 → glioma (two supporting slices suffice; the mean would miss it)', async () => {
    const glioma = await Promise.all(brainImages('glioma', 3).map((f) => greyFromFile(f)));
    // 9 tumour-free slices and 3 with a glioma, in one series
    const res = await post(dicomSeries([...series.slice(0, 5), ...glioma, ...series.slice(5, 9)])).expect(200);
    expect(res.body).toMatchObject({ anatomy: 'brain', task: 'brain_tumor' });
    expect(['completed', 'inconclusive']).toContain(res.body.status);
    if (res.body.status === 'completed') expect(res.body.label).toBe('glioma');
    expect(res.body.probabilities.glioma).toBeGreaterThan(res.body.probabilities.notumor);
    for (const i of res.body.study.aggregation.decisiveSlices) expect([5, 6, 7]).toContain(i);
  });

  it('the same series labelled CT is refused before any model', async () => {
    const res = await post(dicomSeries(series.slice(0, 3), { modality: 'CT' })).expect(200);
    expect(res.body).toMatchObject({ status: 'rejected', code: 'NOT_MRI', modelVersions: {}, slices: [] });
  });
});
