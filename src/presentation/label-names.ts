/**
 * A recorded label keeps the words of the model version that answered it: brain_tumor 2.x wrote
 * `no_tumor`, `glioma_tumor`…, today's model `notumor`, `glioma`. The history list titled a 2.x row
 * "No tumor" beside current rows' "No tumour": two spellings, no hint that two model versions
 * answered them. A label no loaded model gives is named "No tumor (earlier model)" by the one
 * function here, in the history filter form, the list, the detail page, the summary and the PDF.
 */
import { displayName, resultTitle, type TitledRecord } from './labels';

/**
 * The labels the loaded models give (triage's too: a record's probabilities may be triage's); null
 * while the models are not loaded (then no label is said to be an earlier one).
 */
export type LoadedLabels = ReadonlySet<string> | null;

/** `cards`: the loaded models' cards, null when the models are not loaded (FilterVocabulary reads the same). */
export function loadedLabels(cards: readonly { labels: readonly string[] }[] | null): LoadedLabels {
  return cards === null ? null : new Set(cards.flatMap((c) => c.labels));
}

export function isEarlierLabel(key: string, loaded: LoadedLabels): boolean {
  return loaded !== null && !loaded.has(key);
}

/** The label's name: "No tumour"; an earlier model version's marked so, "No tumor (earlier model)". */
export function namedLabel(key: string, earlier: boolean): string {
  return earlier ? `${displayName(key)} (earlier model)` : displayName(key);
}

export function labelName(key: string, loaded: LoadedLabels): string {
  return namedLabel(key, isEarlierLabel(key, loaded));
}

/** resultTitle, with an answer's label named by labelName. */
export function recordTitle(r: TitledRecord, loaded: LoadedLabels): string {
  return r.status === 'completed' && r.label ? labelName(r.label, loaded) : resultTitle(r);
}
