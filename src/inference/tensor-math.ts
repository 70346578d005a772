import type { HeadCtSpec, OodSpec } from './model-card';

/** softmax(logits / temperature), computed stably in float64 (as numpy does). */
export function softmax(logits: ArrayLike<number>, temperature = 1): number[] {
  const z = Array.from(logits, (v) => v / temperature);
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Contract head-CT margin: Σ embedding[i]·weights[i] + bias, in float64 as ml/ evaluate.head_ct_margin. */
export function headCtMargin(embedding: ArrayLike<number>, spec: HeadCtSpec): number {
  if (embedding.length !== spec.weights.length) throw new Error(`head-CT gate: embedding has ${embedding.length} values, weights ${spec.weights.length}`);
  let s = 0;
  for (let i = 0; i < spec.weights.length; i++) s += embedding[i] * spec.weights[i];
  return s + spec.bias;
}

/**
 * Contract OOD score: z = components · (embedding − center); score = min_c ‖z − class_means[c]‖².
 * Components are whitened, so this is a Mahalanobis distance to the nearest class centre.
 */
export function oodScore(embedding: ArrayLike<number>, ood: OodSpec): number {
  const d = ood.center.length;
  const centred = new Float64Array(d);
  for (let j = 0; j < d; j++) centred[j] = embedding[j] - ood.center[j];
  const z = ood.components.map((row) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += row[j] * centred[j];
    return s;
  });
  let best = Infinity;
  for (const mean of ood.class_means) {
    let s = 0;
    for (let k = 0; k < z.length; k++) s += (z[k] - mean[k]) ** 2;
    if (s < best) best = s;
  }
  return best;
}
