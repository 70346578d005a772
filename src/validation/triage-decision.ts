import { confidenceThreshold, type ModelCard } from '../inference/model-card';
import { argmax, headCtMargin, oodScore, softmax } from '../inference/tensor-math';
import { pctBelow, percent } from '../presentation/percent';
import { num, type Refusal } from './refusal-cause';

export type TriageOutcome =
  | { accepted: true; bodyPart: string }
  | { accepted: false; stage: 'modality' | 'anatomy'; code: 'NOT_MRI' | 'LOW_CONFIDENCE' | 'UNSUPPORTED_BODY_PART'; message: string; refusal: Refusal };

export interface TriageDecision {
  outcome: TriageOutcome;
  probabilities: Record<string, number>;
  isMri: boolean;
  mriConfidence: number;
  /** most likely MRI body part (brain, knee, spine, other_mri), or null when not an MRI */
  anatomy: string | null;
  anatomyConfidence: number | null;
  oodScore: number | null;
  ood: boolean;
  /** the background gate's border-ring mean (0..255), when the card has the gate */
  borderMean: number | null;
  /** the colour gate's share of strongly coloured pixels in the image's centre, when the card has the gate */
  colourShare: number | null;
  /** the head-CT gate's margin (refused above the card's threshold), when the card has the gate */
  headCtMargin: number | null;
  /** whether the head-CT gate refused the image */
  headCt: boolean;
}

/** The triage labels a body part is chosen from: every value a record's `anatomy` can hold. */
export const BODY_LABELS = ['brain', 'knee', 'spine', 'other_mri'] as const;

/**
 * The triage card alone cannot say which parts are diagnosed and which only recognised; the
 * analysis service adds that from the loaded cards (scopeSentence).
 */
export const UNSUPPORTED_PART_MESSAGE = 'This looks like an MRI of a body part the service does not analyse.';

/**
 * The contract's triage rule (docs/model-contract.md, mirrored by ml/ evaluate.triage_decision),
 * in its order: colour gate (a coloured centre), background gate (a bright border ring), head-CT gate,
 * OOD or argmax not_mri → NOT_MRI;
 * p_mri < thr → modality LOW_CONFIDENCE;
 * argmax other_mri → UNSUPPORTED_BODY_PART; max body-part p < thr → anatomy LOW_CONFIDENCE.
 */
export function decideTriage(
  card: ModelCard,
  logits: ArrayLike<number>,
  embedding: ArrayLike<number>,
  thresholdOverride?: number,
  borderMean: number | null = null,
  colourShare: number | null = null,
): TriageDecision {
  const thr = confidenceThreshold(card, thresholdOverride);
  const p = softmax(logits, card.calibration.temperature);
  const idx = (l: string) => card.labels.indexOf(l);
  const probabilities = Object.fromEntries(card.labels.map((l, i) => [l, p[i]]));
  const score = card.thresholds.ood ? oodScore(embedding, card.thresholds.ood) : null;
  const ood = card.thresholds.ood !== undefined && score !== null && score > card.thresholds.ood.threshold;
  const ctSpec = card.thresholds.head_ct;
  const ctMargin = ctSpec ? headCtMargin(embedding, ctSpec) : null;
  const headCt = ctSpec !== undefined && ctMargin !== null && ctMargin > ctSpec.threshold;
  const top = card.labels[argmax(p)];
  const mriConfidence = 1 - p[idx('not_mri')];
  const bodyIdx = BODY_LABELS.map(idx);
  const bestBody = bodyIdx.reduce((a, b) => (p[b] > p[a] ? b : a));
  const anatomyConfidence = p[bestBody];
  const base = { probabilities, mriConfidence, oodScore: score, ood, borderMean, colourShare, headCtMargin: ctMargin, headCt };
  const background = card.thresholds.background;
  if (background && borderMean === null) throw new Error(`${card.name}: its card has a background gate but no border mean was measured`);
  const colour = card.thresholds.colour;
  if (colour && colourShare === null) throw new Error(`${card.name}: its card has a colour gate but no colour share was measured`);

  const bright = background !== undefined && borderMean !== null && borderMean > background.max_border_mean;
  const coloured = colour !== undefined && colourShare !== null && colourShare > colour.max_share;

  if (coloured || bright || headCt || ood || top === 'not_mri') {
    const refusal = notMriRefusal(coloured, bright, headCt, ood, colourShare, borderMean);
    return {
      ...base,
      isMri: false,
      anatomy: null,
      anatomyConfidence: null,
      outcome: { accepted: false, stage: 'modality', code: 'NOT_MRI', message: notMriMessage(refusal), refusal },
    };
  }
  if (mriConfidence < thr) {
    return {
      ...base,
      isMri: false,
      anatomy: null,
      anatomyConfidence: null,
      outcome: {
        accepted: false,
        stage: 'modality',
        code: 'LOW_CONFIDENCE',
        message: `The service is not confident this is an MRI image (${pctBelow(mriConfidence, thr).join(' < ')}).`,
        refusal: { cause: 'mri_low_confidence', figures: { mriConfidence, threshold: thr } },
      },
    };
  }
  const anatomy = card.labels[bestBody];
  if (top === 'other_mri') {
    return {
      ...base,
      isMri: true,
      anatomy,
      anatomyConfidence,
      outcome: {
        accepted: false,
        stage: 'anatomy',
        code: 'UNSUPPORTED_BODY_PART',
        message: UNSUPPORTED_PART_MESSAGE,
        refusal: { cause: 'unsupported_body_part', figures: { anatomyConfidence } },
      },
    };
  }
  if (anatomyConfidence < thr) {
    return {
      ...base,
      isMri: true,
      anatomy,
      anatomyConfidence,
      outcome: {
        accepted: false,
        stage: 'anatomy',
        code: 'LOW_CONFIDENCE',
        message: `The body part could not be determined confidently (${pctBelow(anatomyConfidence, thr).join(' < ')}).`,
        refusal: { cause: 'body_part_low_confidence', figures: { anatomyConfidence, threshold: thr } },
      },
    };
  }
  return { ...base, isMri: true, anatomy, anatomyConfidence, outcome: { accepted: true, bodyPart: top } };
}

/** Which gate refused the image as not an MRI, the gates first (in the contract's order), with its measure. */
function notMriRefusal(coloured: boolean, bright: boolean, headCt: boolean, ood: boolean, colourShare: number | null, borderMean: number | null): Refusal {
  if (coloured) return { cause: 'colour', figures: { colourShare: colourShare ?? 0 } };
  if (bright) return { cause: 'bright_background', figures: { borderMean: borderMean ?? 0 } };
  if (headCt) return { cause: 'head_ct', figures: {} };
  if (ood) return { cause: 'triage_ood', figures: {} };
  return { cause: 'triage_not_mri', figures: {} };
}

/**
 * Why the image was refused as not an MRI: the answer's message, and the history's reason for a
 * record that stored the cause (record-reason.ts), from the one function so they cannot differ.
 */
export function notMriMessage(r: Refusal): string {
  if (r.cause === 'colour') {
    return (
      `The image is in colour (${pct(num(r.figures, 'colourShare') ?? 0)} of its centre is strongly coloured), but an MRI slice is greyscale: ` +
      'photos, micrographs, charts and colour overlays (heat maps, fMRI or DTI colour maps) are not analysed. Upload the plain greyscale slice.'
    );
  }
  if (r.cause === 'bright_background') {
    return (
      `The image has a bright background (edge brightness ${Math.round(num(r.figures, 'borderMean') ?? 0)} of 255), but the air around ` +
      'the body is dark on an MRI slice: negative (inverted) images, documents, charts and photos are not analysed.'
    );
  }
  if (r.cause === 'head_ct') {
    return (
      'This looks like a CT scan of the head (bone bright all round the brain), not an MRI. CT images are not analysed: ' +
      'a model trained on MRI would give a meaningless answer on them.'
    );
  }
  if (r.cause === 'triage_ood') return 'The image is unlike any MRI the service was trained on (out-of-distribution), so it was not analysed.';
  return 'This does not look like an MRI image, so it was not analysed.';
}

/** The causes notMriMessage words. */
export const NOT_MRI_CAUSES: readonly Refusal['cause'][] = ['colour', 'bright_background', 'head_ct', 'triage_ood', 'triage_not_mri'];

/**
 * A figure in a message, written as every page, history view and PDF writes it (labels.ts
 * percent: "99.8 %", "< 0.1 %", "> 99.9 %"): messages said "99.8%" and "100.0%" right beside
 * the page's "99.8 %" and "> 99.9 %".
 */
export function pct(v: number): string {
  return percent(v);
}

/** percent.ts pctBelow (there since the MRI check's words need it too); the decisions import it from here. */
export { pctBelow };
