import Ajv2020 from 'ajv/dist/2020';
import * as fs from 'node:fs';

/** TypeScript view of models/model_card.schema.json (the ml/ ⇄ src/ contract). */
export interface OodSpec {
  method: 'mahalanobis_pca';
  threshold: number;
  target_tpr?: number;
  center: number[];
  components: number[][];
  class_means: number[][];
}

/** triage: refuse as NOT_MRI when the content's border ring is brighter than max_border_mean (0..255) */
export interface BackgroundSpec {
  method: 'content_border_mean';
  band: number;
  max_border_mean: number;
}

/**
 * triage: refuse as NOT_MRI when more than max_share of the decoded image's centre (floor(margin·w)
 * columns and floor(margin·h) rows left out on each side) has max(R,G,B) − min(R,G,B) > min_chroma
 */
export interface ColourSpec {
  method: 'centre_chroma_share';
  margin: number;
  min_chroma: number;
  max_share: number;
}

/**
 * triage: refuse as NOT_MRI when the head-CT margin Σ embedding[i]·weights[i] + bias exceeds
 * threshold — a binary read-out of the embedding (head CT against every MRI) beside the 5-class head
 */
export interface HeadCtSpec {
  method: 'linear_probe';
  weights: number[];
  bias: number;
  threshold: number;
}

export interface ModelCard {
  schema_version: 1;
  name: string;
  version: string;
  kind: 'triage' | 'diagnosis';
  body_part: string | null;
  experimental: boolean;
  description?: string;
  intended_use?: string;
  labels: string[];
  label_descriptions?: Record<string, string>;
  /** per label, what held-out figures say against trusting that answer (shown beside it) */
  label_caveats?: Record<string, string>;
  input: {
    name: 'input';
    size: number;
    channels: 3;
    channel_order: 'RGB';
    layout: 'NCHW';
    dtype: 'float32';
    color: 'grey_replicated';
    resize: { method: 'letterbox'; filter: 'bilinear_antialias'; pad_value: 0 };
    normalization: { scale: number; mean: number[]; std: number[] };
  };
  outputs: { logits: 'logits'; embedding: 'embedding'; cam: 'cam'; embedding_dim: number; cam_size: number };
  calibration: { method: 'temperature_scaling'; temperature: number; fitted_on?: string };
  thresholds: { confidence: number; ood?: OodSpec; background?: BackgroundSpec; colour?: ColourSpec; head_ct?: HeadCtSpec };
  metrics: Record<string, unknown>;
  training: {
    sources: { source: string; count: number; licence: string }[];
    config: Record<string, unknown>;
    git_commit: string;
  };
  onnx: { file: 'model.onnx'; sha256: string; bytes: number; opset: number };
}

export class ModelCardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelCardError';
  }
}

/**
 * The card's caveat for an answered label, or null. Only an answer gets one: an inconclusive or
 * refused result names no label to qualify.
 */
export function labelCaveat(card: Pick<ModelCard, 'label_caveats'> | undefined, label: string | null): string | null {
  return (label !== null && card?.label_caveats?.[label]) || null;
}

export type CardValidator = (value: unknown) => ModelCard;

/** Compiles the JSON schema once; the returned function validates a parsed card. */
export function compileCardValidator(schemaFile: string): CardValidator {
  const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);
  return (value: unknown): ModelCard => {
    if (!validate(value)) {
      const details = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
      throw new ModelCardError(`model card does not match the schema: ${details}`);
    }
    const card = value as ModelCard;
    checkConsistency(card);
    return card;
  };
}

/**
 * The confidence threshold the service applies for this card: CONFIDENCE_THRESHOLD when set, else
 * the card's. The one rule behind every decision and every place that shows the threshold (page,
 * model-card page, PDF), so the figure shown is the one that decided.
 */
export function confidenceThreshold(card: Pick<ModelCard, 'thresholds'>, override: number | undefined): number {
  return override ?? card.thresholds.confidence;
}

/**
 * The threshold applied for each model that ran (the names in a result's modelVersions), as a
 * history record stores it: a report of that record later shows the rule it was decided under,
 * not the one in force when the report is made. `cards` is only asked when a model ran (a study
 * refused at its headers has none, and may come before the models are loaded).
 */
export function appliedThresholds(
  modelVersions: Readonly<Record<string, string>>,
  cards: () => readonly Pick<ModelCard, 'name' | 'thresholds'>[],
  override: number | undefined,
): Record<string, number> {
  const names = Object.keys(modelVersions);
  if (!names.length) return {};
  const loaded = cards();
  const out: Record<string, number> = {};
  for (const name of names) {
    const card = loaded.find((c) => c.name === name);
    if (card) out[name] = confidenceThreshold(card, override);
  }
  return out;
}

/** Cross-field rules the JSON schema cannot express but the server relies on. */
function checkConsistency(card: ModelCard): void {
  if (card.kind === 'diagnosis' && !card.body_part) {
    throw new ModelCardError(`${card.name}: a diagnosis card must name its body_part`);
  }
  if (card.kind === 'triage') {
    for (const l of ['brain', 'knee', 'spine', 'other_mri', 'not_mri']) {
      if (!card.labels.includes(l)) throw new ModelCardError(`${card.name}: triage labels must include "${l}"`);
    }
  }
  const ood = card.thresholds.ood;
  if (ood) {
    const d = card.outputs.embedding_dim;
    if (ood.center.length !== d) throw new ModelCardError(`${card.name}: ood.center has ${ood.center.length} values, expected ${d}`);
    if (ood.components.some((r) => r.length !== d)) throw new ModelCardError(`${card.name}: ood.components rows must have ${d} values`);
    const k = ood.components.length;
    if (ood.class_means.some((r) => r.length !== k)) throw new ModelCardError(`${card.name}: ood.class_means rows must have ${k} values`);
  }
  const headCt = card.thresholds.head_ct;
  if (headCt) {
    if (card.kind !== 'triage') throw new ModelCardError(`${card.name}: only a triage card may carry a head-CT gate`);
    const d = card.outputs.embedding_dim;
    if (headCt.weights.length !== d) throw new ModelCardError(`${card.name}: head_ct.weights has ${headCt.weights.length} values, expected ${d}`);
  }
}
