import type { ModelCard } from './model-card';

/** Every model must have these outputs (docs/model-contract.md); checked wherever a session opens. */
export const REQUIRED_OUTPUTS = ['logits', 'embedding', 'cam'] as const;

/** 'model.onnx has no "cam" output' for the first required output a session lacks, else null. */
export function missingOutputs(outputNames: readonly string[]): string | null {
  const missing = REQUIRED_OUTPUTS.find((o) => !outputNames.includes(o));
  return missing ? `model.onnx has no "${missing}" output` : null;
}

/** What the card promises about the graph's tensors (docs/model-contract.md, "ONNX graph"). */
export interface ContractShape {
  inputName: string;
  size: number;
  classes: number;
  embeddingDim: number;
  camSize: number;
}

export function contractShape(card: ModelCard): ContractShape {
  return {
    inputName: card.input.name,
    size: card.input.size,
    classes: card.labels.length,
    embeddingDim: card.outputs.embedding_dim,
    camSize: card.outputs.cam_size,
  };
}

/** The part of an onnxruntime session's metadata read here (InferenceSession.ValueMetadata). */
export interface TensorMetadata {
  name: string;
  isTensor: boolean;
  shape?: readonly (number | string)[];
}

export interface SessionMetadata {
  inputNames: readonly string[];
  outputNames: readonly string[];
  inputMetadata: readonly TensorMetadata[];
  outputMetadata: readonly TensorMetadata[];
}

/**
 * Every way the graph disagrees with its card, as one sentence, else null: the input's name and
 * [N, 3, S, S] shape, logits [N, C] with C = the card's labels, embedding [N, D], cam [N, C, h, w]
 * with h = w = cam_size. Symbolic dimensions (the batch "N") are not checked. Without this a
 * card with one label fewer than the graph gave probabilities that do not sum to 1 and a label
 * `undefined`; a wrong input size failed every analysis with 503 after a "successful" start.
 */
export function contractMismatch(session: SessionMetadata, want: ContractShape): string | null {
  const missing = missingOutputs(session.outputNames);
  if (missing) return missing;
  if (!session.inputNames.includes(want.inputName)) {
    return `model.onnx has no input "${want.inputName}" (its inputs: ${session.inputNames.join(', ') || 'none'})`;
  }
  const problems: string[] = [];
  const check = (list: readonly TensorMetadata[], name: string, expected: (number | null)[], what: string) => {
    const shape = list.find((m) => m.name === name)?.shape;
    if (!shape) return;
    const fits = shape.length === expected.length && expected.every((e, i) => e === null || typeof shape[i] !== 'number' || shape[i] === e);
    if (!fits) problems.push(`"${name}" is [${shape.join(', ')}] but the card says [${expected.map((e) => e ?? 'N').join(', ')}] (${what})`);
  };
  check(session.inputMetadata, want.inputName, [null, 3, want.size, want.size], `input.size ${want.size}`);
  check(session.outputMetadata, 'logits', [null, want.classes], `${want.classes} labels`);
  check(session.outputMetadata, 'embedding', [null, want.embeddingDim], `outputs.embedding_dim ${want.embeddingDim}`);
  check(session.outputMetadata, 'cam', [null, want.classes, want.camSize, want.camSize], `${want.classes} labels, outputs.cam_size ${want.camSize}`);
  return problems.length ? `model.onnx does not match its card: ${problems.join('; ')}` : null;
}
