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
  /** Contract preprocessing for this model's card, then the model. An aborted signal leaves the queue at once. */
  runImage(modelName: string, image: RawImage, signal?: AbortSignal): Promise<ImageRun>;
  /** The heat map of cam class `classIndex` of `run`, blended over `image` at display size (RGB). */
  heatmap(image: RawImage, run: ImageRun, classIndex: number, signal?: AbortSignal): Promise<RgbImage>;
  /** Every loaded card (triage and diagnosis). */
  cards(): ModelCard[];
  versions(): Record<string, string>;
}

export const MODEL_PROVIDER = Symbol('MODEL_PROVIDER');
