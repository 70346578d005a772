import { confidenceThreshold, type ModelCard } from '../inference/model-card';
import { argmax, headCtMargin, oodScore, softmax } from '../inference/tensor-math';
import { pctBelow, percent } from '../presentation/percent';
import type { Refusal } from './refusal-cause';
import { notMriMessage, NOT_MRI_CAUSES, refusalMessage, UNSUPPORTED_PART_MESSAGE } from './refusal-message';

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
    const refusal = notMriRefusal(coloured, bright, headCt, ood, colourShare, borderMean, p[idx('not_mri')]);
    return {
      ...base,
      isMri: false,
      anatomy: null,
      anatomyConfidence: null,
      outcome: { accepted: false, stage: 'modality', code: 'NOT_MRI', message: notMriMessage(refusal), refusal },
    };
  }
  if (mriConfidence < thr) {
    const refusal: Refusal = { cause: 'mri_low_confidence', figures: { mriConfidence, threshold: thr } };
    return { ...base, isMri: false, anatomy: null, anatomyConfidence: null, outcome: { accepted: false, stage: 'modality', code: 'LOW_CONFIDENCE', message: said(refusal), refusal } };
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
        message: UNSUPPORTED_PART_MESSAGE, // refusalMessage's words; the analysis service adds the scope (withScopeFigure)
        refusal: { cause: 'unsupported_body_part', figures: { anatomyConfidence } },
      },
    };
  }
  if (anatomyConfidence < thr) {
    const refusal: Refusal = { cause: 'body_part_low_confidence', figures: { anatomyConfidence, threshold: thr } };
    return { ...base, isMri: true, anatomy, anatomyConfidence, outcome: { accepted: false, stage: 'anatomy', code: 'LOW_CONFIDENCE', message: said(refusal), refusal } };
  }
  return { ...base, isMri: true, anatomy, anatomyConfidence, outcome: { accepted: true, bodyPart: top } };
}

/** A refusal's message: every cause of this decision's has its figures set right here. */
function said(r: Refusal): string {
  return refusalMessage(r) ?? '';
}

/** Which gate refused the image as not an MRI, the gates first (in the contract's order), with its measure. */
function notMriRefusal(coloured: boolean, bright: boolean, headCt: boolean, ood: boolean, colourShare: number | null, borderMean: number | null, notMri: number): Refusal {
  if (coloured) return { cause: 'colour', figures: { colourShare: colourShare ?? 0 } };
  if (bright) return { cause: 'bright_background', figures: { borderMean: borderMean ?? 0 } };
  if (headCt) return { cause: 'head_ct', figures: {} };
  if (ood) return { cause: 'triage_ood', figures: {} };
  // the model's own answer: its P(not MRI), which a gate's refusal does not give (that figure did not decide it)
  return { cause: 'triage_not_mri', figures: { notMri } };
}

/** The not-MRI words moved beside every other cause's (refusal-message.ts); the decisions and tests import them from here too. */
export { notMriMessage, NOT_MRI_CAUSES, UNSUPPORTED_PART_MESSAGE };

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
