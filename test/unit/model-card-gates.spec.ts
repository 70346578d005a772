import * as path from 'node:path';
import { compileCardValidator, ModelCardError } from '../../src/inference/model-card';
import { makeCard, TRIAGE_LABELS } from '../support/cards';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const validate = compileCardValidator(path.join(REPO_ROOT, 'models', 'model_card.schema.json'));
const headCt = (weights: number[]) => ({ method: 'linear_probe' as const, weights, bias: 0, threshold: 1 });

describe('a card carrying the head-CT gate is checked when it is loaded', () => {
  it('accepts weights as long as the embedding', () => {
    const card = makeCard({ name: 'triage', kind: 'triage', labels: TRIAGE_LABELS, thresholds: { confidence: 0.6, head_ct: headCt([1, -1]) } });
    expect(validate(card).thresholds.head_ct?.weights).toEqual([1, -1]);
  });

  it('refuses weights of another length than embedding_dim: the margin would read past the embedding', () => {
    const card = makeCard({ name: 'triage', kind: 'triage', labels: TRIAGE_LABELS, thresholds: { confidence: 0.6, head_ct: headCt([1, 2, 3]) } });
    expect(() => validate(card)).toThrow(ModelCardError);
    expect(() => validate(card)).toThrow(/head_ct.weights has 3 values, expected 2/);
  });

  it('refuses a gate on a diagnosis card and a gate without its threshold', () => {
    const dx = makeCard({ name: 'brain_tumor', kind: 'diagnosis', body_part: 'brain', labels: ['a', 'b'], thresholds: { confidence: 0.6, head_ct: headCt([1, 1]) } });
    expect(() => validate(dx)).toThrow(/only a triage card/);
    const noThreshold = makeCard({ name: 'triage', kind: 'triage', labels: TRIAGE_LABELS, thresholds: { confidence: 0.6 } });
    const raw = JSON.parse(JSON.stringify(noThreshold)) as { thresholds: Record<string, unknown> };
    raw.thresholds.head_ct = { method: 'linear_probe', weights: [1, 1], bias: 0 };
    expect(() => validate(raw)).toThrow(/head_ct.*threshold/);
  });
});
