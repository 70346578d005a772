import { Logger } from '@nestjs/common';
import sharp from 'sharp';
import { AnalysisService } from '../../src/classifier/analysis.service';
import type { AnalysisResult } from '../../src/classifier/analysis-result';
import { parseEnv } from '../../src/config/config.schema';
import { AppConfig } from '../../src/config/config.service';
import { ImageDecodeService } from '../../src/inference/image-decode.service';
import type { ModelProvider } from '../../src/inference/model-provider';
import type { PreparePool } from '../../src/inference/prepare-pool';
import { preprocess, type RawImage } from '../../src/inference/preprocess';
import type { SliceResult, StudyResult } from '../../src/studies/study-result';
import { logitsFor, makeCard, TRIAGE_LABELS } from './cards';
import { BRAIN_TUMOR_LABELS, studyServiceOn } from './fake-brain-models';

/*
 * What the colour DICOM specs (dicom-colour*.spec.ts) compare: the answer the one pipeline gives a
 * study against the one it gives a PNG of the same pixels. The models are faked, but their answer
 * follows the letterboxed luma the contract's preprocessing makes of the pixels, so a pixel read
 * wrongly (a plane for a channel, chroma for luma, a palette entry off by one) changes it; the
 * triage's colour gate is the real one.
 */

export const W = 96;
export const H = 80;
/** a bright textured disc on a dim ramp: not symmetric, so a transposed or mirrored read differs */
export const GREY = Uint8Array.from({ length: W * H }, (_, i) => {
  const x = i % W;
  const y = Math.floor(i / W);
  return Math.hypot(x - 40, y - 44) < 25 ? 60 + ((x * 7 + y * 3) % 150) : (x + 2 * y) % 40;
});

const triageCard = makeCard({
  name: 'triage',
  kind: 'triage',
  labels: TRIAGE_LABELS,
  thresholds: { confidence: 0.6, colour: { method: 'centre_chroma_share', margin: 0.1, min_chroma: 32, max_share: 0.02 } },
});
const brainCard = makeCard({ name: 'brain_tumor', kind: 'diagnosis', body_part: 'brain', labels: BRAIN_TUMOR_LABELS });

/** The fake models' answer: a function of the luma canvas the model would see (its mean and a position-weighted sum). */
function modelsFollowingThePixels(seen: RawImage[]): ModelProvider {
  const geometry = { size: 224, nw: 224, nh: 224, x0: 0, y0: 0 };
  return {
    isReady: () => true,
    triageCard: () => triageCard,
    diagnosisCardFor: (part) => (part === 'brain' ? brainCard : undefined),
    cards: () => [triageCard, brainCard],
    versions: () => ({ triage: triageCard.version, brain_tumor: brainCard.version }),
    runImage: async (model, image: RawImage) => {
      if (model === 'triage') seen.push(image);
      const { canvas } = preprocess(image, 224, triageCard.input.normalization);
      let mean = 0;
      let weighted = 0;
      for (let i = 0; i < canvas.length; i++) {
        mean += canvas[i];
        weighted += canvas[i] * (((i * 7919) % 13) - 6);
      }
      mean /= canvas.length * 255;
      weighted /= canvas.length * 255;
      const p = model === 'triage' ? [0.6 + mean / 2, 0.1, 0.1, 0.1, 0.1 - mean / 20] : [0.05 + weighted, 0.05, 0.8 + mean / 5, 0.1 - weighted];
      return { logits: Float32Array.from(logitsFor(p)), embedding: new Float32Array(2), cam: new Float32Array(p.length * 49), camH: 7, camW: 7, geometry, preprocessMs: 0, borderMean: null };
    },
    heatmap: async () => ({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 3) }),
  };
}

export interface ColourAnswers {
  /** every image the triage model was run on, in order */
  seen: RawImage[];
  /** the answer to a PNG of `data` (W × H, 1 or 3 channels) */
  pngAnswer(data: Uint8Array, channels: 1 | 3): Promise<AnalysisResult>;
  /** the answer to a study of one file */
  dicomAnswer(file: Buffer): Promise<StudyResult>;
}

/** The image pipeline and the study service on the same fake models. Call at the top of a spec (it installs a log spy). */
export function colourAnswers(): ColourAnswers {
  const seen: RawImage[] = [];
  const models = modelsFollowingThePixels(seen);
  beforeAll(() => jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined));
  const config = new AppConfig(parseEnv({ INFERENCE_POOL_SIZE: '2' }));
  // images this small are decoded on the calling thread: the prepare pool is never asked
  const imageService = new AnalysisService(config, models, new ImageDecodeService(config, {} as PreparePool));
  const studyService = studyServiceOn(models);
  return {
    seen,
    pngAnswer: async (data, channels) => {
      const png = await sharp(Buffer.from(data), { raw: { width: W, height: H, channels } }).png().toBuffer();
      return imageService.analyze(png, { record: false });
    },
    dicomAnswer: (file) => studyService.analyze([new Uint8Array(file)]),
  };
}

/** What decides: the status, the code, the triage and the diagnosis with its probabilities. */
export function decision(r: AnalysisResult | SliceResult) {
  return { status: r.status, code: r.code, isMri: r.isMri, anatomy: r.anatomy, label: r.label, task: r.task };
}

export function expectSameAnswer(slice: SliceResult, png: AnalysisResult): void {
  expect(decision(slice)).toEqual(decision(png));
  expect(slice.mriConfidence).toBeCloseTo(png.mriConfidence!, 6);
  expect(Object.keys(slice.probabilities ?? {})).toEqual(Object.keys(png.probabilities ?? {}));
  for (const [k, v] of Object.entries(png.probabilities ?? {})) expect(slice.probabilities?.[k]).toBeCloseTo(v, 6);
}

export function maxDiff(a: Uint8Array, b: Uint8Array): number {
  let m = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
