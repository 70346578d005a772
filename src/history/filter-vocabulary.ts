import { Inject, Injectable, Optional } from '@nestjs/common';
import { UnknownFilterValueError } from '../common/errors';
import { MODEL_PROVIDER, ModelProvider } from '../inference/model-provider';
import { isEarlierLabel, loadedLabels } from '../presentation/label-names';
import { humanLabel } from '../presentation/labels';
import { AnalysisRepository } from '../repositories/analysis.repository';
import { BODY_LABELS } from '../validation/triage-decision';
import type { HistoryFilters } from './history.filters';

/** Recorded labels named in a refusal at most (a handful exist; the bound keeps the seeks bounded). */
const MAX_LISTED = 50;

/**
 * The values the body part and label filters can match: what the history can hold.
 *
 * A body part is one of triage's BODY_LABELS, the only values a record's `anatomy` has ever been
 * given (the list is the pipeline's since its first commit). A label comes from a diagnosis model's
 * card, but a record keeps the label of the model version that answered it (brain_tumor 2.x wrote
 * `glioma_tumor`, `no_tumor`…), so the accepted labels are the loaded cards' and every one already
 * recorded: an older version's label stays a filter for as long as its rows exist.
 *
 * Costs: a body part, or a label of the loaded models, none; another label, one seek of the label
 * index; a refusal, one seek per recorded label to name them. Which labels exist is global, not
 * the viewer's — it is the models' vocabulary, not anyone's records — and a user's label with no
 * row of theirs is a true 0.
 */
@Injectable()
export class FilterVocabulary {
  constructor(
    private readonly analyses: AnalysisRepository,
    @Optional() @Inject(MODEL_PROVIDER) private readonly models?: ModelProvider,
  ) {}

  /**
   * What the body part and label filters accept, for the page's form to offer and a refusal to
   * name: check() takes a value iff it is here (its body parts are these; a label it takes without
   * reading them is one of the loaded ones, or recorded), so the form offers none the server
   * refuses. One seek per recorded label, as a refusal's (≈ 1 ms with 8 labels over 200,000 rows).
   * Past MAX_LISTED recorded labels the rest are still taken when typed, only not listed.
   */
  async values(): Promise<FilterValues> {
    const current = new Set(this.loadedLabels() ?? []);
    const recorded = await this.analyses.labels(MAX_LISTED);
    // models not loaded: which recorded labels are an earlier version's is not known, none is said to be
    const given = loadedLabels(this.models?.isReady() ? this.models.cards() : null);
    return {
      bodyParts: BODY_LABELS,
      labels: [
        ...[...current].map((key) => ({ key, earlier: false })),
        ...recorded.filter((key) => !current.has(key)).map((key) => ({ key, earlier: isEarlierLabel(key, given) })),
      ],
    };
  }

  /** Refuses (400 UNKNOWN_FILTER_VALUE, naming the accepted values) a body part or label no record can hold. */
  async check(f: HistoryFilters): Promise<void> {
    if (f.bodyPart !== undefined && !(BODY_LABELS as readonly string[]).includes(f.bodyPart)) {
      throw new UnknownFilterValueError('bodyPart', readable(BODY_LABELS), f.bodyPart);
    }
    const label = f.label;
    if (label === undefined) return;
    const given = this.loadedLabels();
    if (given?.includes(label) || (await this.analyses.hasLabel(label))) return;
    // the models are not loaded (starting, or failed): their labels are unknown, so none is refused for want of them
    if (given === null) return;
    throw new UnknownFilterValueError('label', readable((await this.values()).labels.map((l) => l.key)), label);
  }

  /** The loaded diagnosis models' labels, once each, in their cards' order; null when the models are not loaded. */
  private loadedLabels(): string[] | null {
    if (!this.models?.isReady()) return null;
    return [...new Set(this.models.cards().filter((c) => c.kind === 'diagnosis').flatMap((c) => c.labels))];
  }
}

/** The values the body part and label filters accept (FilterVocabulary.values). */
export interface FilterValues {
  bodyParts: readonly string[];
  /** the loaded models' labels, then those only recorded; `earlier`: a label no loaded model gives (an earlier version's) */
  labels: { key: string; earlier: boolean }[];
}

/** Sorted, once each, with the words the pages show where they differ from the key: "notumor (no tumour)". */
function readable(values: readonly string[]): string[] {
  return [...new Set(values)].sort().map((k) => {
    const words = humanLabel(k);
    return words.toLowerCase() === k.replace(/_/g, ' ') ? k : `${k} (${words})`;
  });
}
