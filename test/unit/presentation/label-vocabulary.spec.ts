/**
 * One name for a class wherever an answer is shown: the title, the probability table, the history,
 * the CSV and the PDF name the brain-tumour model's classes by the pages' words (labels.ts:
 * "No tumour", "Pituitary"), but the answer's message named them by the card's descriptions
 * ("Most likely: no tumour visible", "pituitary tumour") — and by the bare key ("notumor") for a
 * card without descriptions. The card's descriptions stay on its model-card page, where they
 * describe the class beside its key.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decideDiagnosis } from '../../../src/diagnosis/diagnosis-decision';
import type { ModelCard } from '../../../src/inference/model-card';
import { indexScope } from '../../../src/classifier/page-view-models';
import { humanLabel, resultTitle } from '../../../src/presentation/labels';
import { modelCardView } from '../../../src/presentation/model-card.view';
import { logitsFor } from '../../support/cards';
import { fakeBrainModels, studyServiceOn } from '../../support/fake-brain-models';
import { dicomSeries, syntheticSlice } from '../../support/study-fixtures';
import { REPO_ROOT } from '../../support/app';

const committed = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'models', 'brain_tumor', 'model_card.json'), 'utf8')) as ModelCard;
// its words, without its out-of-distribution check (no real embedding here)
const card: ModelCard = { ...committed, thresholds: { confidence: committed.thresholds.confidence } };
const confident = (i: number) => card.labels.map((_, k) => (k === i ? 0.94 : 0.02));

describe('an answer names its class as its title does', () => {
  it('the committed card\'s descriptions differ from the pages\' words (the case this guards)', () => {
    expect(card.label_descriptions?.notumor).toBe('no tumour visible');
    expect(humanLabel('notumor')).toBe('no tumour');
  });

  it.each(card.labels.map((l, i) => [l, i] as const))('%s: the answer and a refusal below the threshold', (label, i) => {
    const name = humanLabel(label);
    const answer = decideDiagnosis(card, logitsFor(confident(i)), new Float32Array(card.outputs.embedding_dim), 0.6);
    expect(answer.label).toBe(label);
    expect(resultTitle({ status: 'completed', label, code: null, anatomy: 'brain' }).toLowerCase()).toBe(name.toLowerCase());
    expect(answer.message).toMatch(new RegExp(`^Most likely: ${name} \\(`));
    const below = decideDiagnosis(card, logitsFor(confident(i)), new Float32Array(card.outputs.embedding_dim), 0.9999);
    expect(below.message).toContain(`finding (${name}, `);
  });

  it('a study\'s answer, for a card without descriptions too (it gave the key, "notumor")', async () => {
    const slices = Array.from({ length: 4 }, (_, k) => syntheticSlice(96, 96, (x, y) => 120 + ((x + y + k) % 9)));
    const live = await studyServiceOn(fakeBrainModels()).analyze(dicomSeries(slices).map((f) => new Uint8Array(f)), {});
    expect(live).toMatchObject({ status: 'completed', label: 'notumor' });
    expect(live.message).toMatch(/^Most likely for this study: no tumour \(/);
  });

  it('the upload and study pages\' scope list names the classes as the titles do; the model-card page keeps the descriptions', () => {
    const [brain] = indexScope([card]).diagnosed;
    // was "glioma, meningioma, no tumour visible, pituitary tumour" (the card's descriptions)
    expect(brain).toMatchObject({ part: 'Brain', labels: 'Glioma, Meningioma, No tumour, Pituitary' });
    expect(modelCardView(card).labels.map((l) => l.text)).toEqual(['glioma', 'meningioma', 'no tumour visible', 'pituitary tumour']);
  });
});
