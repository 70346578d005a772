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
}

export function answeredByExperimentalModel(r: RecordedAnswer, cards: readonly CardFlag[]): boolean {
  // triage-only outcomes (refusals, no model for the body part) have no diagnosis answer to qualify
  if (r.stage !== 'diagnosis' || r.code === 'NO_VALIDATED_MODEL' || !r.task) return false;
  const card = cards.find((c) => c.name === r.task);
  return Boolean(card?.experimental && r.modelVersions?.[r.task] === card.version);
}
