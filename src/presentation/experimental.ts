/**
 * Whether a stored answer came from an experimental diagnosis model. History rows keep only
 * model versions, so the flag is taken from a loaded card — and only when the stored version is
 * that card's version: for any other version we do not know, and say nothing.
 */
export interface RecordedAnswer {
  stage: string | null;
  code: string | null;
  task: string | null;
  modelVersions: Record<string, string> | null;
}

export interface CardFlag {
  name: string;
  version: string;
  experimental: boolean;
  /** the card's label_caveats (model card: what held-out figures say against an answer) */
  label_caveats?: Readonly<Record<string, string>>;
}

/** The loaded card of a stored diagnosis answer, only while it is the recorded version (else we do not know). */
function answeringCard(r: RecordedAnswer, cards: readonly CardFlag[]): CardFlag | undefined {
  // triage-only outcomes (refusals, no model for the body part) have no diagnosis answer to qualify
  if (r.stage !== 'diagnosis' || r.code === 'NO_VALIDATED_MODEL' || !r.task) return undefined;
  const card = cards.find((c) => c.name === r.task);
  return card && r.modelVersions?.[r.task] === card.version ? card : undefined;
}

export function answeredByExperimentalModel(r: RecordedAnswer, cards: readonly CardFlag[]): boolean {
  return Boolean(answeringCard(r, cards)?.experimental);
}

/**
 * The caveat the card puts beside a stored answer's label (e.g. "no tumour" does not rule a tumour
 * out), under the same rule as the flag: only an answer (completed) and only from a loaded card of
 * the recorded version — another version's figures may differ.
 */
export function recordedCaveat(r: RecordedAnswer & { status: string; label: string | null }, cards: readonly CardFlag[]): string | null {
  if (r.status !== 'completed' || r.label === null) return null;
  return answeringCard(r, cards)?.label_caveats?.[r.label] ?? null;
}
