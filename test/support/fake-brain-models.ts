import { AnalysisService } from '../../src/classifier/analysis.service';
import { parseEnv } from '../../src/config/config.schema';
import { AppConfig } from '../../src/config/config.service';
import type { RgbImage } from '../../src/explainability/heatmap';
import { ImageDecodeService } from '../../src/inference/image-decode.service';
import type { ModelProvider } from '../../src/inference/model-provider';
import { PixelBudget } from '../../src/inference/pixel-budget';
import type { RawImage } from '../../src/inference/preprocess';
import type { StudyRecorder } from '../../src/studies/study-result';
import { StudyService } from '../../src/studies/study.service';
import { logitsFor, makeCard, TRIAGE_LABELS } from './cards';

/*
 * The study service with the one pipeline (AnalysisService) running for real and only the models
 * faked: every image an MRI of the brain (triage 0.96), the brain-tumour model answering what the
 * spec says for each image.
 */

export const BRAIN_TUMOR_LABELS = ['glioma', 'meningioma', 'notumor', 'pituitary'];
/** The brain-tumour model's answer on a tumour-free brain. */
export const TUMOUR_FREE = [0.02, 0.02, 0.95, 0.01];

export interface FakeBrainAnswers {
  /** called first on every image a model is run on (triage and diagnosis) */
  seen?: (image: RawImage) => void;
  /** the brain-tumour model's probabilities for `image` (default: TUMOUR_FREE) */
  diagnosis?: (image: RawImage) => number[];
  /** the heat map of `classIndex` on `image` (default: 8 × 8 black) */
  heatmap?: (image: RawImage, classIndex: number) => RgbImage;
}

export function fakeBrainModels(a: FakeBrainAnswers = {}): ModelProvider {
  const triage = makeCard({ name: 'triage', kind: 'triage', labels: TRIAGE_LABELS });
  const brain = makeCard({ name: 'brain_tumor', kind: 'diagnosis', body_part: 'brain', labels: BRAIN_TUMOR_LABELS });
  const geometry = { size: 224, nw: 224, nh: 224, x0: 0, y0: 0 };
  return {
    isReady: () => true,
    triageCard: () => triage,
    diagnosisCardFor: (part) => (part === 'brain' ? brain : undefined),
    cards: () => [triage, brain],
    versions: () => ({ triage: triage.version, brain_tumor: brain.version }),
    runImage: async (model, image) => {
      a.seen?.(image);
      const p = model === 'triage' ? [0.96, 0.01, 0.01, 0.01, 0.01] : (a.diagnosis?.(image) ?? TUMOUR_FREE);
      return { logits: Float32Array.from(logitsFor(p)), embedding: new Float32Array(2), cam: new Float32Array(p.length * 49), camH: 7, camW: 7, geometry, preprocessMs: 0, borderMean: null };
    },
    heatmap: async (image, _run, classIndex) => a.heatmap?.(image, classIndex) ?? { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3) },
  };
}

/** A StudyService (inference pool of 2) on `models`; with `recorder`, its studies are recorded. */
export function studyServiceOn(models: ModelProvider, recorder?: StudyRecorder): StudyService {
  const config = new AppConfig(parseEnv({ INFERENCE_POOL_SIZE: '2' }));
  return new StudyService(config, new AnalysisService(config, models, {} as ImageDecodeService), models, { budget: new PixelBudget(config.pixelBudget, config.pixelQueueLimit) }, recorder);
}
