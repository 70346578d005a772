import { confidenceThreshold, type ModelCard } from '../inference/model-card';
import { argmax, oodScore, softmax } from '../inference/tensor-math';
import { humanLabel } from '../presentation/labels';
import { percentBeside } from '../presentation/percent';
import type { Refusal } from '../validation/refusal-cause';
import { refusalMessage } from '../validation/refusal-message';

export interface DiagnosisDecision {
  status: 'completed' | 'inconclusive';
  code: 'LOW_CONFIDENCE' | null;
  message: string;
  /** which check withheld the answer, with its figures (the history record keeps it); null when completed */
  refusal: Refusal | null;
  /** predicted label; null when inconclusive */
  label: string | null;
  /** the argmax label even when inconclusive (an answer's heat map is of it; an inconclusive result has none: AnalysisService) */
  topLabel: string;
  topIndex: number;
  confidence: number;
  probabilities: Record<string, number>;
  ood: boolean;
}

/**
 * Calibrated probabilities (temperature from the card) and the confidence threshold (card,
 * or the CONFIDENCE_THRESHOLD override). Below it — or out of the model's training
 * distribution when the card has an OOD block — the answer is "Unable to determine", with
 * the probabilities still reported.
 */
export function decideDiagnosis(
  card: ModelCard,
  logits: ArrayLike<number>,
  embedding: ArrayLike<number>,
  thresholdOverride?: number,
): DiagnosisDecision {
  const thr = confidenceThreshold(card, thresholdOverride);
  const p = softmax(logits, card.calibration.temperature);
  const topIndex = argmax(p);
  const topLabel = card.labels[topIndex];
  const confidence = p[topIndex];
  const probabilities = Object.fromEntries(card.labels.map((l, i) => [l, p[i]]));
  const ood = card.thresholds.ood !== undefined && oodScore(embedding, card.thresholds.ood) > card.thresholds.ood.threshold;
  const base = { topLabel, topIndex, confidence, probabilities, ood };
  // a class in the pages' words ("no tumour"), as the title, the table and the history name it: the
  // message said the card's description ("no tumour visible") under the title "No tumour"
  const describe = (l: string) => humanLabel(l);

  if (ood) {
    // the model in words ("brain tumour model"), stored as the message names it
    const refusal: Refusal = { cause: 'ood', figures: { finding: describe(topLabel), confidence, model: humanLabel(card.name) } };
    return { ...base, status: 'inconclusive', code: 'LOW_CONFIDENCE', label: null, message: refusalMessage(refusal) ?? '', refusal };
  }
  if (confidence < thr) {
    const refusal: Refusal = { cause: 'low_confidence', figures: { finding: describe(topLabel), confidence, threshold: thr } };
    return { ...base, status: 'inconclusive', code: 'LOW_CONFIDENCE', label: null, message: refusalMessage(refusal) ?? '', refusal };
  }
  return {
    ...base,
    status: 'completed',
    code: null,
    label: topLabel,
    // beside the threshold the page shows with it: at 0.58349 under 0.58348 it read "58.3 %" (percentBeside)
    message: `Most likely: ${describe(topLabel)} (${percentBeside(confidence, thr)} calibrated confidence).`,
    refusal: null,
  };
}
