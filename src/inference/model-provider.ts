import type { ModelCard } from './model-card';

/** Raw outputs of one model run for a single image (batch of 1). */
export interface ModelOutputs {
  logits: Float32Array;
  embedding: Float32Array;
  /** [classes, camH, camW] */
  cam: Float32Array;
  camH: number;
  camW: number;
}

/**
 * What the pipeline needs from the model layer. The ONNX-backed ModelRegistry implements it;
 * unit tests substitute a fake.
 */
export interface ModelProvider {
  isReady(): boolean;
  /** The triage card; throws AnalysisUnavailableError when models are not loaded. */
  triageCard(): ModelCard;
  /** The diagnosis card serving a body part, if any. */
  diagnosisCardFor(bodyPart: string): ModelCard | undefined;
  run(modelName: string, tensor: Float32Array): Promise<ModelOutputs>;
  /** Every loaded card (triage and diagnosis), e.g. to prepare all model inputs at once. */
  cards(): ModelCard[];
  versions(): Record<string, string>;
}

export const MODEL_PROVIDER = Symbol('MODEL_PROVIDER');
