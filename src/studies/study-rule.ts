/**
 * The study decision's own settings, as in force when a study was decided: STUDY_AGREEMENT and
 * STUDY_MIN_USABLE_SLICES (study-aggregate.ts). Stored with the study's record beside the
 * models' confidence thresholds, because an operator may change them between the study and its
 * report: the record must say which rule it was decided under, never today's.
 */
export interface StudyRule {
  /** share of the usable slices (body-part vote, confident finding types) that had to agree */
  agreement: number;
  /** usable slices required at least (and a quarter of the study's) */
  minUsableSlices: number;
}

/**
 * The keys the rule is stored under inside a record's thresholds JSON (Analysis.thresholdsJson),
 * beside model name → threshold. A model name never has a dot (model_card.schema.json:
 * ^[a-z][a-z0-9_]*$), so these can never be taken for a model; the repository splits them out.
 */
const KEYS = { agreement: 'study.agreement', minUsableSlices: 'study.minUsableSlices' } as const;

/** The rule as entries of the stored thresholds map ({} without one). */
export function ruleEntries(rule: StudyRule | null | undefined): Record<string, number> {
  return rule ? { [KEYS.agreement]: rule.agreement, [KEYS.minUsableSlices]: rule.minUsableSlices } : {};
}

/**
 * A stored thresholds map → the models' thresholds and the study rule. The rule is null unless
 * both keys are there as numbers: a row stored before the rule was (no keys) reads "not recorded",
 * never today's settings; a stored map of null (a row older than the column) stays null.
 */
export function splitStoredThresholds(stored: Record<string, unknown> | null): { thresholds: Record<string, number> | null; rule: StudyRule | null } {
  if (!stored) return { thresholds: null, rule: null };
  const thresholds: Record<string, number> = {};
  for (const [k, v] of Object.entries(stored)) if (!k.startsWith('study.') && typeof v === 'number') thresholds[k] = v;
  const agreement = stored[KEYS.agreement];
  const minUsableSlices = stored[KEYS.minUsableSlices];
  const rule = typeof agreement === 'number' && typeof minUsableSlices === 'number' ? { agreement, minUsableSlices } : null;
  return { thresholds, rule };
}
