/**
 * A model card as people read it: what the model answers, what it was trained and tested on,
 * its figures and its limits. Used by the model-card pages and the PDF report. Optional card
 * fields (added by later training rounds) are shown only when present.
 */
import type { ModelCard } from '../inference/model-card';
import { capitalise, humanLabel } from './labels';
import { percent, share, thresholdPercent } from './percent';
import { FigureRow, figuresOver, losoRule, PER_CLASS_RULE, testFigures } from './model-card-figures';
import { LosoView, losoView } from './model-card-loso';

export type { FigureRow } from './model-card-figures';
export type { LosoRowView, LosoView } from './model-card-loso';

export interface ClassRow {
  label: string;
  precision: string;
  recall: string;
  n: string;
}

export interface ModelCardView {
  name: string;
  title: string;
  version: string;
  kind: string;
  bodyPart: string | null;
  experimental: boolean;
  description: string | null;
  intendedUse: string | null;
  /** each label with what held-out figures say against trusting it as an answer (label_caveats) */
  labels: { key: string; text: string; caveat: string | null }[];
  /** the card's label_caveats, for views of a stored answer (recordedCaveat) */
  label_caveats: Readonly<Record<string, string>>;
  threshold: string;
  /** the card refuses images unlike its training data (thresholds.ood), besides the threshold */
  refusesOod: boolean;
  /** the set the figures were measured on: "test (group split), 1,246 images" */
  figuresOver: string;
  /** each named with the images it was measured over and its rule (model-card-figures.ts) */
  figures: FigureRow[];
  perClass: ClassRow[];
  perClassRule: string;
  sources: { source: string; count: string; licence: string }[];
  trainedOn: string;
  limits: string[];
  /** leave-one-source-out rows (metrics.loso, when a training round adds it): each source held out in turn,
   * judged on its kind's figure against its target (model-card-loso.ts) */
  loso: (LosoView & { rule: string | null }) | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const int = (v: number | null) => (v === null ? '—' : Math.round(v).toLocaleString('en-GB'));
const ratio = (v: number | null) => (v === null ? '—' : share(v));

/**
 * The card's description with its label keys in the words the pages use: it read "classifying brain
 * MRI slices into glioma, meningioma, notumor, pituitary". Only a key that is not already a word
 * changes ("notumor", "no_herniation").
 */
export function describeCard(description: string | null | undefined, labels: readonly string[]): string | null {
  if (!description) return null;
  let text = description;
  for (const key of labels) {
    const words = humanLabel(key);
    if (words !== key) text = text.replace(new RegExp(`\\b${key.replace(/[^A-Za-z0-9_]/g, '\\$&')}\\b`, 'g'), words);
  }
  return text;
}

export function modelTitle(card: Pick<ModelCard, 'name' | 'kind' | 'body_part'>): string {
  if (card.kind === 'triage') return 'Triage: MRI or not, and which body part';
  return `${capitalise(humanLabel(card.body_part))} MRI diagnosis (${humanLabel(card.name)})`;
}

/**
 * `threshold`: the one the service applies (inference/model-card.ts confidenceThreshold:
 * CONFIDENCE_THRESHOLD, else the card's); when it differs from the card's, the limits say that the
 * card's figures were measured at the card's.
 */
export function modelCardView(card: ModelCard, threshold: number = card.thresholds.confidence): ModelCardView {
  const m = card.metrics ?? {};
  const perClassRaw = (m.per_class ?? {}) as Record<string, Record<string, unknown>>;
  const perClass: ClassRow[] = Object.entries(perClassRaw).map(([label, v]) => ({
    label: capitalise(humanLabel(label)),
    precision: ratio(num(v?.precision)),
    recall: ratio(num(v?.recall)),
    n: int(num(v?.n)),
  }));

  const sources = (card.training?.sources ?? []).map((s) => ({ source: s.source, count: int(num(s.count)), licence: s.licence }));
  const total = (card.training?.sources ?? []).reduce((a, s) => a + (num(s.count) ?? 0), 0);
  const extra = card as unknown as Record<string, unknown>;
  const limits: string[] = [];
  if (Array.isArray(extra.limitations)) for (const l of extra.limitations) if (typeof l === 'string') limits.push(l);
  limits.push(
    'Tested on held-out images of the same public datasets it was trained on (a group split), not on an external hospital cohort: figures elsewhere may be lower.',
    'Reads single 2D slices; it has no clinical context, prior images or other sequences.',
  );
  if (card.kind === 'triage') limits.push('Body parts other than those it names are refused, not diagnosed.');
  if (card.kind === 'triage' && card.thresholds.ood) limits.push('Images unlike the images it was trained on (out-of-distribution) are refused as not an MRI image.');
  // the gates that run before the model: what a user should know not to upload
  if (card.thresholds.colour) {
    limits.push('Colour images are refused before the model runs (an MRI slice is greyscale): photos, charts and colour overlays such as heat maps or fMRI/DTI colour maps.');
  }
  if (card.thresholds.background) {
    limits.push('Images with a bright background are refused before the model runs (the air around the body is dark on an MRI slice): negatives, documents, charts.');
  }
  if (card.thresholds.head_ct) {
    limits.push('Head CT is refused by a second read-out of the same network, trained on head CT against MRI alone: a CT of the head must never be read as a brain MRI.');
  }
  if (threshold !== card.thresholds.confidence) {
    limits.push(`Answers here at ${thresholdPercent(threshold)} (CONFIDENCE_THRESHOLD), not at the card's ${thresholdPercent(card.thresholds.confidence)}: the figures at the threshold were measured at the card's.`);
  }
  if (card.experimental) limits.push('Experimental: not validated; its answers are a demonstration, not a measured result.');

  return {
    name: card.name,
    title: modelTitle(card),
    version: card.version,
    kind: card.kind,
    bodyPart: card.body_part,
    experimental: card.experimental,
    description: describeCard(card.description, card.labels),
    intendedUse: card.intended_use ?? null,
    labels: card.labels.map((l) => ({ key: l, text: card.label_descriptions?.[l] ?? humanLabel(l), caveat: card.label_caveats?.[l] ?? null })),
    label_caveats: card.label_caveats ?? {},
    threshold: thresholdPercent(threshold),
    // triage refuses such an image as "Not an MRI image" (its limits say so), not "Unable to determine"
    refusesOod: card.kind !== 'triage' && card.thresholds.ood !== undefined,
    figuresOver: figuresOver(card),
    figures: testFigures(card, threshold),
    perClass,
    perClassRule: PER_CLASS_RULE,
    sources,
    trainedOn: `${int(total)} training images from ${sources.length} source${sources.length === 1 ? '' : 's'}`,
    limits,
    loso: withRule(losoView(m.loso), losoRule(card, m.loso, threshold)),
  };
}

const withRule = (view: LosoView | null, rule: string | null) => (view ? { ...view, rule } : null);
