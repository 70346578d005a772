/**
 * The model-card page showed the brain model's coverage "at the threshold" as 97.2 %, but the service
 * also refuses out-of-distribution images: the card's coverage_with_ood (95.7 %) is what a user gets.
 * Each figure now names the images it was measured over and the rule, as the card's fields say; the
 * committed cards (models/) are read, so a retrained card is checked the same way.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileCardValidator, type ModelCard } from '../../../src/inference/model-card';
import { share } from '../../../src/presentation/percent';
import { modelCardView } from '../../../src/presentation/model-card.view';
import { REPO_ROOT } from '../../support/app';

const validate = compileCardValidator(path.join(REPO_ROOT, 'models', 'model_card.schema.json'));
const committed = (name: string): ModelCard => validate(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'models', name, 'model_card.json'), 'utf8')));
const metric = (card: ModelCard, key: string): number => card.metrics[key] as number;

describe('model card figures: over which images, under which rule', () => {
  it('brain_tumor: the coverage is the served one (threshold and out-of-distribution refusal); the threshold-only one says it is not', () => {
    const card = committed('brain_tumor');
    const view = modelCardView(card);
    const coverage = view.figures.filter((f) => /coverage/i.test(f.name));
    expect(coverage).toHaveLength(1);
    expect(coverage[0].value).toBe(share(metric(card, 'coverage_with_ood')));
    expect(coverage[0].value).toBe('95.7 %');
    expect(coverage[0].name).toMatch(/≥ 60\.0 %/);
    expect(coverage[0].name).toMatch(/out-of-distribution/);
    expect(coverage[0].name).toMatch(/as the service answers/);
    const wrong = view.figures.find((f) => f.value === share(metric(card, 'error_among_answered_with_ood')));
    expect(wrong?.name).toMatch(/out-of-distribution/);
    const alone = view.figures.find((f) => f.value === share(metric(card, 'coverage_at_threshold')));
    expect(alone?.name).toMatch(/threshold alone/);
    expect(alone?.name).toMatch(/not how the service answers/);
    expect(view.figures.find((f) => f.value === share(metric(card, 'error_among_answered_at_threshold')))?.name).toMatch(/threshold alone/);
    expect(view.figures.find((f) => f.value === share(metric(card, 'ood_rejected_fraction_test')))?.name).toMatch(/refused as out-of-distribution/i);
    // accuracy, AUC and calibration are over every test image, nothing refused
    for (const key of ['accuracy']) expect(view.figures.find((f) => f.value === share(metric(card, key)))?.name).toMatch(/every test image.*no threshold/);
    for (const f of view.figures) expect(f.name).toMatch(/test/i);
    expect(view.figuresOver).toBe('test (group split), 1,246 images');
  });

  it('at another threshold (CONFIDENCE_THRESHOLD) the figures name the card\'s and do not claim to be how the service answers', () => {
    const view = modelCardView(committed('brain_tumor'), 0.4);
    for (const f of view.figures) expect(f.name).not.toMatch(/as the service answers/);
    expect(view.figures.find((f) => /coverage/.test(f.name))?.name).toMatch(/≥ 60\.0 %/);
  });

  it('a card without an out-of-distribution block: the threshold is the whole rule', () => {
    const card = committed('brain_tumor');
    const bare = { ...card, thresholds: { confidence: card.thresholds.confidence } } as ModelCard;
    const coverage = modelCardView(bare).figures.filter((f) => /coverage/i.test(f.name));
    expect(coverage.map((f) => f.value)).toEqual([share(metric(card, 'coverage_at_threshold'))]);
    expect(coverage[0].name).not.toMatch(/out-of-distribution/);
  });

  it('triage: the served figures are under its full rule (gates, refusal, both stages); the one-threshold coverage says it is not the rule', () => {
    const card = committed('triage');
    const view = modelCardView(card);
    const full = view.figures.filter((f) => /service's full rule|under that full rule/.test(f.name));
    expect(full.map((f) => f.value)).toEqual(['supported_mri_accepted_correctly', 'supported_mri_rejected', 'not_mri_accepted_as_mri', 'other_mri_accepted_as_supported'].map((k) => share(metric(card, k))));
    const coverage = view.figures.filter((f) => /coverage/i.test(f.name));
    expect(coverage).toHaveLength(1);
    expect(coverage[0].name).toMatch(/not the service's rule/);
    for (const f of view.figures) expect(f.name).toMatch(/test/i);
  });

  it('per class and held-out tables say their rule', () => {
    const dx = modelCardView(committed('brain_tumor'));
    expect(dx.perClassRule).toMatch(/every test image.*no threshold/);
    expect(dx.loso?.rule).toMatch(/60\.0 %/);
    expect(dx.loso?.rule).toMatch(/out-of-distribution/);
    const triage = modelCardView(committed('triage'));
    expect(triage.loso?.rule).toMatch(/80\.0 %/);
    expect(triage.loso?.rule).toMatch(/gates/);
  });
});

describe('model card: what the out-of-distribution refusal answers', () => {
  it('diagnosis: "Unable to determine" beside the threshold; triage: refused as not an MRI (its limits)', () => {
    expect(modelCardView(committed('brain_tumor')).refusesOod).toBe(true);
    const triage = modelCardView(committed('triage'));
    expect(triage.refusesOod).toBe(false);
    expect(triage.limits.join('\n')).toMatch(/out-of-distribution\) are refused as not an MRI image/);
  });
});
