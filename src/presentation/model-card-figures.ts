/**
 * The test figures of a model card, each named with the images it was measured over and the rule it
 * was measured under (ml/ evaluate.py writes them). The page read "Answered at the threshold
 * (coverage) 97.2 %" for the brain model, but the service also refuses out-of-distribution images:
 * what a user gets is the card's coverage_with_ood (95.7 %). A figure under another rule than the
 * service's stays, named as such, so that nobody reads it as what the service does.
 */
import type { ModelCard } from '../inference/model-card';
import { percent, share, thresholdPercent } from './percent';
import { countOf } from './plural';

export interface FigureRow {
  name: string;
  value: string;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const int = (v: number | null) => (v === null ? '—' : Math.round(v).toLocaleString('en-GB'));

/** "test (group split), 1,246 images": the set every figure of the table was measured on. */
export function figuresOver(card: ModelCard): string {
  const m = card.metrics ?? {};
  const split = typeof m.split === 'string' && m.split ? m.split : 'test split';
  const n = num(m.n_test);
  return n === null ? split : `${split}, ${countOf(Math.round(n), 'image')}`;
}

/**
 * `threshold`: the one the service applies. The card's figures were measured at the card's
 * (metrics.confidence_threshold); only when the two agree does a figure say it is how the service answers.
 */
export function testFigures(card: ModelCard, threshold: number): FigureRow[] {
  const m = card.metrics ?? {};
  const rows: FigureRow[] = [];
  const add = (name: string, v: unknown, write: (x: number) => string = share) => {
    const x = num(v);
    if (x !== null) rows.push({ name, value: write(x) });
  };
  const at = num(m.confidence_threshold) ?? card.thresholds.confidence;
  const asServed = threshold === at ? ', as the service answers' : '';
  const ood = card.thresholds.ood !== undefined && num(m.coverage_with_ood) !== null;
  const triage = card.kind === 'triage';

  add('Test images', m.n_test, (x) => int(x));
  add(`Accuracy: every test image given ${triage ? 'the most likely of its five labels' : 'its most likely label'} (no threshold, no refusal)`, m.accuracy);

  if (triage) {
    // the service's triage rule has two stages and gates before the model (triage-decision.ts); evaluate.py
    // measures that rule in these four
    const full = `under the service's full rule (the gates, the out-of-distribution refusal, ≥ ${percent(at)} at both stages${asServed})`;
    add(`Brain, knee and spine MRI test images accepted as the right body part, ${full}`, m.supported_mri_accepted_correctly);
    add('Brain, knee and spine MRI test images refused, under that full rule', m.supported_mri_rejected);
    add('Not-MRI test images passing the MRI check, under that full rule', m.not_mri_accepted_as_mri);
    add('Other-body-part MRI test images accepted as brain, knee or spine, under that full rule', m.other_mri_accepted_as_supported);
    const one = `top label ≥ ${percent(at)}${ood ? ' and not out-of-distribution' : ''}: one threshold on the five labels, not the service's rule`;
    add(`Test images answered (coverage), ${one}`, ood ? m.coverage_with_ood : m.coverage_at_threshold);
    add(`Wrong among those answered test images, one threshold on the five labels`, ood ? m.error_among_answered_with_ood : m.error_among_answered_at_threshold);
    if (card.thresholds.ood) add('Test images refused as out-of-distribution', m.ood_rejected_fraction_test);
  } else if (ood) {
    add(`Test images answered (coverage): confidence ≥ ${percent(at)} and not refused as out-of-distribution${asServed}`, m.coverage_with_ood);
    add(`Wrong among those answered test images (≥ ${percent(at)}, not out-of-distribution)`, m.error_among_answered_with_ood);
    add('Test images refused as out-of-distribution', m.ood_rejected_fraction_test);
    add(`Test images answered at the confidence threshold alone (≥ ${percent(at)}, without the out-of-distribution refusal: not how the service answers)`, m.coverage_at_threshold);
    add(`Wrong among those answered test images, threshold alone (≥ ${percent(at)})`, m.error_among_answered_at_threshold);
  } else {
    add(`Test images answered (coverage): confidence ≥ ${percent(at)}${asServed}`, m.coverage_at_threshold);
    add(`Wrong among those answered test images (≥ ${percent(at)})`, m.error_among_answered_at_threshold);
  }
  add('Macro ROC AUC, every test image (no threshold)', m.macro_roc_auc, (x) => x.toFixed(3));
  const before = num(m.ece_before);
  const after = num(m.ece_after);
  if (before !== null && after !== null) rows.push({ name: 'Calibration error (ECE) before → after, every test image (no threshold)', value: `${before.toFixed(3)} → ${after.toFixed(3)}` });
  return rows;
}

/** The rule of the per-class table: precision and recall of the most likely label, nothing refused. */
export const PER_CLASS_RULE = 'every test image given its most likely label: no threshold, no refusal';

/**
 * The rule of the leave-one-source-out rows (metrics.loso.confidence, .ood_margin: ml/ loso.py), each
 * fold refitting the out-of-distribution threshold on its own training sources.
 */
export function losoRule(card: ModelCard, raw: unknown, threshold: number): string | null {
  if (!raw || typeof raw !== 'object') return null;
  const lo = raw as Record<string, unknown>;
  const conf = num(lo.confidence);
  const margin = num(lo.ood_margin);
  if (conf === null) return null;
  const refusal = margin === null ? '' : ` and the out-of-distribution refusal (its threshold refit in each fold, × ${margin})`;
  const gates = card.kind === 'triage' && (card.thresholds.background || card.thresholds.colour || card.thresholds.head_ct) ? ', the gates before the model' : '';
  const differs = conf !== threshold ? ` The service answers at ${thresholdPercent(threshold)}.` : '';
  return `Each row: the images of the held-out source under the service's rule at ${percent(conf)}${gates}${refusal}.${differs}`;
}
