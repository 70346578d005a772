import type { AnalysisResult } from '../../../src/classifier/analysis-result';
import type { AnalysisService } from '../../../src/classifier/analysis.service';
import { parseEnv } from '../../../src/config/config.schema';
import { AppConfig } from '../../../src/config/config.service';
import * as encoder from '../../../src/inference/image-encoder';
import type { ModelProvider } from '../../../src/inference/model-provider';
import { PixelBudget } from '../../../src/inference/pixel-budget';
import { StudyService } from '../../../src/studies/study.service';
import { dicomSeries, syntheticSlice } from '../../support/study-fixtures';

/**
 * docs/performance.md: a study's thumbnails are made "one slice at a time with a turn of the event loop
 * between them" (with Promise.all every slice's synchronous resize ran back to back first, holding the
 * loop for the whole strip). Counted, not timed: each thumbnail's PNG encode (libvips, off this thread) notes
 * how many thumbnail encodes are still unfinished when it starts; one at a time means none, every time.
 */
const refused = (): AnalysisResult =>
  ({
    status: 'rejected', stage: 'modality', code: 'NOT_MRI', message: 'Not an MRI image.', isMri: false, mriConfidence: 0.1,
    anatomy: null, anatomyConfidence: null, task: 'triage', label: null, confidence: null, probabilities: { not_mri: 0.9 },
    explanation: null, modelVersions: { triage: 'test' }, timingsMs: {}, disclaimer: '', experimental: false, caveat: null,
  }) as unknown as AnalysisResult;

it('a study thumbnails its slices one at a time: each PNG encode is awaited before the next slice is resized', async () => {
  const config = new AppConfig(parseEnv({}));
  const analysis = { analyzePixels: jest.fn(async () => refused()) };
  const models = { isReady: () => true, triageCard: () => ({}), cards: () => [], diagnosisCardFor: () => undefined } as unknown as ModelProvider;
  const service = new StudyService(config, analysis as unknown as AnalysisService, models, { budget: new PixelBudget(config.pixelBudget, config.pixelQueueLimit) });
  const series = dicomSeries(Array.from({ length: 6 }, (_, k) => syntheticSlice(128, 128, (x, y) => (x + y + k * 7) % 251)), { window: false });

  const pendingAtStart: number[] = [];
  let pending = 0;
  const encode = encoder.encodePngDataUrl;
  const spy = jest.spyOn(encoder, 'encodePngDataUrl').mockImplementation(async (rgb, w, h, ch) => {
    if (w > 96 || h > 96) return encode(rgb, w, h, ch); // not a thumbnail (≤ 96 px)
    pendingAtStart.push(pending++);
    try {
      return await encode(rgb, w, h, ch);
    } finally {
      pending--;
    }
  });
  try {
    const r = await service.analyze(series.map((b) => new Uint8Array(b)), {});
    expect(r.slices).toHaveLength(6);
    expect(r.slices.every((s) => s.thumbnailPng.startsWith('data:image/png;base64,'))).toBe(true);
  } finally {
    spy.mockRestore();
  }
  expect(pendingAtStart).toEqual([0, 0, 0, 0, 0, 0]);
});
