import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelCard } from '../../src/inference/model-card';

/** A valid card to tweak in unit tests (no ONNX file behind it). */
export function makeCard(overrides: Partial<ModelCard> & Pick<ModelCard, 'name' | 'kind' | 'labels'>): ModelCard {
  return {
    schema_version: 1,
    version: '1.0.0',
    body_part: null,
    experimental: false,
    input: {
      name: 'input',
      size: 224,
      channels: 3,
      channel_order: 'RGB',
      layout: 'NCHW',
      dtype: 'float32',
      color: 'grey_replicated',
      resize: { method: 'letterbox', filter: 'bilinear_antialias', pad_value: 0 },
      normalization: { scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
    },
    outputs: { logits: 'logits', embedding: 'embedding', cam: 'cam', embedding_dim: 2, cam_size: 7 },
    calibration: { method: 'temperature_scaling', temperature: 1 },
    thresholds: { confidence: 0.6 },
    metrics: {},
    training: { sources: [], config: {}, git_commit: 'test' },
    onnx: { file: 'model.onnx', sha256: '0'.repeat(64), bytes: 1, opset: 17 },
    ...overrides,
  };
}

export const TRIAGE_LABELS = ['brain', 'knee', 'spine', 'other_mri', 'not_mri'];

/** logits that softmax (T = 1) to roughly the given probabilities */
export function logitsFor(probs: number[]): number[] {
  return probs.map((p) => Math.log(Math.max(p, 1e-12)));
}

/** A committed card's caveat for a label (models/ or the fakes' folder), read as the server reads it. */
export function cardCaveat(modelsDir: string, task: string, label: string): string {
  const card = JSON.parse(fs.readFileSync(path.join(modelsDir, task, 'model_card.json'), 'utf8')) as ModelCard;
  const caveat = card.label_caveats?.[label];
  if (!caveat) throw new Error(`${task}/model_card.json has no caveat for ${label}`);
  return caveat;
}
