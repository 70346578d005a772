import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AnalysisService } from '../../src/classifier/analysis.service';
import type { RawImage } from '../../src/inference/preprocess';
import type { TestSession } from '../helpers/auth';
import { startRealModelsApp } from '../support/real-models-app';
import { brainImages, dicomSeries, greyFromFile } from '../support/study-fixtures';

/**
 * With the committed models (in their inference workers): a study's heat maps, now drawn from each
 * decisive slice's diagnosis run kept by the slice pass, are byte for byte the maps the slice gets
 * when it is analysed again with the study's label (which is how they were made before), and the
 * decisive slices are not sent through the models a second time.
 */
describe('study heat maps from the kept diagnosis runs, real models', () => {
  let app: NestExpressApplication;
  let auth: TestSession;

  beforeAll(async () => {
    ({ app, auth } = await startRealModelsApp());
  });
  afterAll(async () => {
    await app?.close();
  });

  it('3 glioma slices among 9 tumour-free: each decisive map equals a fresh analysis of that slice with the study\'s label', async () => {
    const free = await Promise.all(brainImages('notumor', 9).map((f) => greyFromFile(f)));
    const glioma = await Promise.all(brainImages('glioma', 3).map((f) => greyFromFile(f)));
    const analysis = app.get(AnalysisService);
    const seen = jest.spyOn(analysis, 'analyzePixels');
    let r = request(app.getHttpServer()).post('/api/v1/studies').set(auth.bearer);
    dicomSeries([...free.slice(0, 5), ...glioma, ...free.slice(5)]).forEach((f, i) => (r = r.attach('files', f, `f${i}`)));
    const res = await r.expect(200);
    const images: RawImage[] = seen.mock.calls.map(([image]) => image);
    seen.mockRestore();
    expect(images).toHaveLength(12); // once per slice: none again for the heat maps
    const body = res.body;
    expect(body.study.aggregation.decisiveSlices.length).toBeGreaterThan(0);
    expect(body.explanation.slices.map((s: { index: number }) => s.index)).toEqual(body.study.aggregation.decisiveSlices);
    for (const s of body.explanation.slices as { index: number; label: string; heatmap: string }[]) {
      const again = await analysis.analyzePixels(images[s.index], { explain: true, explainLabel: s.label });
      expect(again.explanation).not.toBeNull();
      expect(s.heatmap === again.explanation!.heatmap).toBe(true); // byte for byte (a diff of two data URLs says nothing)
    }
  });
});
