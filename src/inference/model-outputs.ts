/** Every model must have these outputs (docs/model-contract.md); checked wherever a session opens. */
export const REQUIRED_OUTPUTS = ['logits', 'embedding', 'cam'] as const;

/** 'model.onnx has no "cam" output' for the first required output a session lacks, else null. */
export function missingOutputs(outputNames: readonly string[]): string | null {
  const missing = REQUIRED_OUTPUTS.find((o) => !outputNames.includes(o));
  return missing ? `model.onnx has no "${missing}" output` : null;
}
