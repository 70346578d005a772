import { decideDiagnosis } from '../../src/diagnosis/diagnosis-decision';
import { oodScore, softmax } from '../../src/inference/tensor-math';
import { decideTriage } from '../../src/validation/triage-decision';
import { logitsFor, makeCard, TRIAGE_LABELS } from '../support/cards';

const triage = makeCard({ name: 'triage', kind: 'triage', labels: TRIAGE_LABELS });
const EMB = [0, 0];
//                          brain knee spine other not_mri
const P = (...p: number[]) => logitsFor(p);

describe('softmax and OOD maths', () => {
  it('applies the temperature', () => {
    const p1 = softmax([2, 0], 1);
    const p2 = softmax([2, 0], 2);
    expect(p1[0]).toBeCloseTo(1 / (1 + Math.exp(-2)), 10);
    expect(p2[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 10);
    expect(softmax([1000, 0])[0]).toBe(1); // stable for large logits
  });

  it('computes min_c ‖components·(e − center) − mean_c‖²', () => {
    const ood = { method: 'mahalanobis_pca' as const, threshold: 5, center: [1, 1], components: [[1, 0], [0, 2]], class_means: [[0, 0], [3, 0]] };
    // e − c = (3, 2) → z = (3, 4); distances: 9 + 16 = 25, 0 + 16 = 16
    expect(oodScore([4, 3], ood)).toBe(16);
  });
});

describe('triage decision (contract order)', () => {
  it('accepts a confident brain MRI', () => {
    const d = decideTriage(triage, P(0.9, 0.03, 0.03, 0.02, 0.02), EMB);
    expect(d.outcome).toEqual({ accepted: true, bodyPart: 'brain' });
    expect(d.isMri).toBe(true);
    expect(d.anatomy).toBe('brain');
    expect(d.mriConfidence).toBeCloseTo(0.98, 6);
    expect(d.anatomyConfidence).toBeCloseTo(0.9, 6);
  });

  it('argmax not_mri → modality NOT_MRI', () => {
    const d = decideTriage(triage, P(0.1, 0.05, 0.05, 0.05, 0.75), EMB);
    expect(d.outcome).toMatchObject({ accepted: false, stage: 'modality', code: 'NOT_MRI' });
    expect(d.isMri).toBe(false);
    expect(d.anatomy).toBeNull();
  });

  it('out of distribution → NOT_MRI even when the classifier says brain', () => {
    const card = makeCard({
      name: 'triage',
      kind: 'triage',
      labels: TRIAGE_LABELS,
      thresholds: { confidence: 0.6, ood: { method: 'mahalanobis_pca', threshold: 10, center: [0, 0], components: [[1, 0], [0, 1]], class_means: [[0, 0]] } },
    });
    expect(decideTriage(card, P(0.99, 0, 0, 0, 0.01), [2, 2]).outcome).toMatchObject({ accepted: true });
    const far = decideTriage(card, P(0.99, 0, 0, 0, 0.01), [3, 3]);
    expect(far.ood).toBe(true);
    expect(far.outcome).toMatchObject({ accepted: false, stage: 'modality', code: 'NOT_MRI' });
  });

  it('p_mri below threshold → modality LOW_CONFIDENCE', () => {
    // argmax is brain (0.45) but p(not_mri) = 0.42 → p_mri = 0.58 < 0.6
    const d = decideTriage(triage, P(0.45, 0.05, 0.04, 0.04, 0.42), EMB);
    expect(d.outcome).toMatchObject({ accepted: false, stage: 'modality', code: 'LOW_CONFIDENCE' });
  });

  it('argmax other_mri → anatomy UNSUPPORTED_BODY_PART', () => {
    const d = decideTriage(triage, P(0.1, 0.05, 0.05, 0.75, 0.05), EMB);
    expect(d.outcome).toMatchObject({ accepted: false, stage: 'anatomy', code: 'UNSUPPORTED_BODY_PART' });
    expect(d.anatomy).toBe('other_mri');
    expect(d.isMri).toBe(true);
  });

  it('body part below threshold → anatomy LOW_CONFIDENCE', () => {
    const d = decideTriage(triage, P(0.5, 0.4, 0.05, 0.03, 0.02), EMB);
    expect(d.outcome).toMatchObject({ accepted: false, stage: 'anatomy', code: 'LOW_CONFIDENCE' });
  });

  it('honours the configured threshold override', () => {
    const logits = P(0.5, 0.4, 0.05, 0.03, 0.02);
    expect(decideTriage(triage, logits, EMB, 0.45).outcome).toEqual({ accepted: true, bodyPart: 'brain' });
  });
});

describe('diagnosis decision', () => {
  const brain = makeCard({
    name: 'brain_tumor',
    kind: 'diagnosis',
    body_part: 'brain',
    labels: ['glioma', 'meningioma', 'notumor', 'pituitary'],
    calibration: { method: 'temperature_scaling', temperature: 2 },
  });

  it('answers with the calibrated top class above the threshold', () => {
    const d = decideDiagnosis(brain, [8, 0, 0, 0], EMB);
    expect(d.status).toBe('completed');
    expect(d.label).toBe('glioma');
    const expected = Math.exp(4) / (Math.exp(4) + 3);
    expect(d.confidence).toBeCloseTo(expected, 10);
    expect(Object.values(d.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
  });

  it('is inconclusive ("Unable to determine") below the threshold, with probabilities', () => {
    const d = decideDiagnosis(brain, [1, 0.8, 0, 0], EMB);
    expect(d.status).toBe('inconclusive');
    expect(d.code).toBe('LOW_CONFIDENCE');
    expect(d.label).toBeNull();
    expect(d.message).toMatch(/^Unable to determine/);
    expect(d.topLabel).toBe('glioma');
    expect(Object.keys(d.probabilities)).toEqual(brain.labels);
  });

  it('the override can lower or raise the bar', () => {
    expect(decideDiagnosis(brain, [1, 0.8, 0, 0], EMB, 0.2).status).toBe('completed');
    expect(decideDiagnosis(brain, [8, 0, 0, 0], EMB, 0.99).status).toBe('inconclusive');
  });
});

describe('background gate (contract "Background gate")', () => {
  const gated = makeCard({
    name: 'triage',
    kind: 'triage',
    labels: TRIAGE_LABELS,
    thresholds: { confidence: 0.6, background: { method: 'content_border_mean', band: 0.06, max_border_mean: 128 } },
  });
  const confidentBrain = P(0.97, 0.01, 0.01, 0.005, 0.005);

  it('refuses a bright-bordered image as NOT_MRI before the model’s own rule, with the reason', () => {
    const d = decideTriage(gated, confidentBrain, EMB, undefined, 201.4);
    expect(d.outcome).toMatchObject({ accepted: false, stage: 'modality', code: 'NOT_MRI' });
    expect(d.outcome.accepted === false && d.outcome.message).toMatch(/bright background.*201 of 255.*negative/);
    expect(d).toMatchObject({ isMri: false, anatomy: null, borderMean: 201.4 });
  });

  it('lets a dark-bordered MRI through (the border equal to the limit is not "brighter")', () => {
    expect(decideTriage(gated, confidentBrain, EMB, undefined, 12).outcome).toEqual({ accepted: true, bodyPart: 'brain' });
    expect(decideTriage(gated, confidentBrain, EMB, undefined, 128).outcome).toEqual({ accepted: true, bodyPart: 'brain' });
  });

  it('fails loudly when a gated card gets no measurement (a provider bug, never a silent pass)', () => {
    expect(() => decideTriage(gated, confidentBrain, EMB)).toThrow(/background gate/);
  });

  it('a card without the gate ignores the measurement', () => {
    expect(decideTriage(triage, confidentBrain, EMB, undefined, 250).outcome).toEqual({ accepted: true, bodyPart: 'brain' });
  });
});

describe('colour gate (contract "Colour gate")', () => {
  const gated = makeCard({
    name: 'triage',
    kind: 'triage',
    labels: TRIAGE_LABELS,
    thresholds: { confidence: 0.6, colour: { method: 'centre_chroma_share', margin: 0.1, min_chroma: 32, max_share: 0.02 } },
  });
  const confidentBrain = P(0.97, 0.01, 0.01, 0.005, 0.005);

  it('refuses a coloured image as NOT_MRI even when the model is sure it is a brain MRI, and says why', () => {
    const d = decideTriage(gated, confidentBrain, EMB, undefined, null, 0.35);
    expect(d.outcome).toMatchObject({ accepted: false, stage: 'modality', code: 'NOT_MRI' });
    expect(d.outcome.accepted === false && d.outcome.message).toMatch(/in colour \(35\.0 % of its centre.*greyscale/);
    expect(d).toMatchObject({ isMri: false, anatomy: null, colourShare: 0.35 });
  });

  it('lets a grey image and one at the limit through', () => {
    expect(decideTriage(gated, confidentBrain, EMB, undefined, null, 0).outcome).toEqual({ accepted: true, bodyPart: 'brain' });
    expect(decideTriage(gated, confidentBrain, EMB, undefined, null, 0.02).outcome).toEqual({ accepted: true, bodyPart: 'brain' });
  });

  it('fails loudly when a gated card gets no measurement', () => {
    expect(() => decideTriage(gated, confidentBrain, EMB)).toThrow(/colour gate/);
  });
});

describe('head-CT gate (contract "Head-CT gate")', () => {
  // margin = 2·e0 − 1·e1 + 0.5; refused above 3
  const gated = makeCard({
    name: 'triage',
    kind: 'triage',
    labels: TRIAGE_LABELS,
    thresholds: { confidence: 0.6, head_ct: { method: 'linear_probe', weights: [2, -1], bias: 0.5, threshold: 3 } },
  });
  const confidentBrain = P(0.97, 0.01, 0.01, 0.005, 0.005);

  it('refuses a head CT as NOT_MRI even when the 5-class head says brain MRI, and says why', () => {
    const d = decideTriage(gated, confidentBrain, [2, 0.5]); // 4 − 0.5 + 0.5 = 4 > 3
    expect(d.headCtMargin).toBeCloseTo(4, 12);
    expect(d).toMatchObject({ headCt: true, isMri: false, anatomy: null });
    expect(d.outcome).toMatchObject({ accepted: false, stage: 'modality', code: 'NOT_MRI' });
    expect(d.outcome.accepted === false && d.outcome.message).toMatch(/CT scan of the head.*not an MRI/);
  });

  it('lets an image at or below the threshold through (refused only above it)', () => {
    const at = decideTriage(gated, confidentBrain, [1.5, 0.5]); // 3 − 0.5 + 0.5 = 3
    expect(at).toMatchObject({ headCt: false, headCtMargin: 3 });
    expect(at.outcome).toEqual({ accepted: true, bodyPart: 'brain' });
  });

  it('a card without the gate never refuses by it', () => {
    const d = decideTriage(triage, confidentBrain, [100, -100]);
    expect(d).toMatchObject({ headCt: false, headCtMargin: null });
    expect(d.outcome).toEqual({ accepted: true, bodyPart: 'brain' });
  });

  it('the other gates keep their reasons first: a coloured head CT is refused for its colour', () => {
    const both = makeCard({
      name: 'triage',
      kind: 'triage',
      labels: TRIAGE_LABELS,
      thresholds: { ...gated.thresholds, colour: { method: 'centre_chroma_share', margin: 0.1, min_chroma: 32, max_share: 0.02 } },
    });
    const d = decideTriage(both, confidentBrain, [2, 0.5], undefined, null, 0.5);
    expect(d.outcome.accepted === false && d.outcome.message).toMatch(/in colour/);
  });
});
