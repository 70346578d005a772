import type { RgbImage } from '../explainability/heatmap';
import type { ModelCard } from './model-card';
import type { LetterboxGeometry, RawImage } from './preprocess';

/** Raw outputs of one model run for a single image (batch of 1). */
export interface ModelOutputs {
  logits: Float32Array;
  embedding: Float32Array;
  /** [classes, camH, camW] */
  cam: Float32Array;
  camH: number;
  camW: number;
}

/** One model run on an image: its outputs, where the image sat in the model's input, and the time spent preparing that input. */
export interface ImageRun extends ModelOutputs {
  geometry: LetterboxGeometry;
  preprocessMs: number;
  /** the background gate's border-ring mean of this model's letterbox, when its card has the gate */
  borderMean: number | null;
}

/** What a heat map needs of a run: its cam and where the image sat in the model's input. */
export type HeatmapRun = Pick<ImageRun, 'cam' | 'camH' | 'camW' | 'geometry'>;

/**
 * What the pipeline needs from the model layer. The ONNX-backed ModelRegistry implements it;
 * unit tests substitute a fake. The pixel work behind runImage() and heatmap() (contract
 * preprocessing, display image, heat map) is done next to the models — in the inference worker
 * when there is one — so the event loop only decodes and answers.
 */
export interface ModelProvider {
  isReady(): boolean;
  /** The triage card; throws AnalysisUnavailableError when models are not loaded. */
  triageCard(): ModelCard;
  /** The diagnosis card serving a body part, if any. */
  diagnosisCardFor(bodyPart: string): ModelCard | undefined;
  /**
   * Contract preprocessing for this model's card, then the model. An aborted signal leaves the queue at once.
   * `rank`: where the run waits for a model slot, lower first (0, the default: a single image; a study's
   * slices its arrival number, so studies are served in turn — semaphore.ts).
   */
  runImage(modelName: string, image: RawImage, signal?: AbortSignal, rank?: number): Promise<ImageRun>;
  /** The heat map of cam class `classIndex` of `run`, blended over `image` at display size (RGB). */
  heatmap(image: RawImage, run: HeatmapRun, classIndex: number, signal?: AbortSignal, rank?: number): Promise<RgbImage>;
  /** Every loaded card (triage and diagnosis). */
  cards(): ModelCard[];
  versions(): Record<string, string>;
}

export const MODEL_PROVIDER = Symbol('MODEL_PROVIDER');
