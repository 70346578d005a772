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
  /**
   * How far apart in series order the two slices confirming a finding could be (finding-pair.ts); null:
   * any two — a series in upload order, and every study decided before the neighbour rule (its record has no key).
   */
  pairWithin: number | null;
}

/**
 * The keys the rule is stored under inside a record's thresholds JSON (Analysis.thresholdsJson),
 * beside model name → threshold. A model name never has a dot (model_card.schema.json:
 * ^[a-z][a-z0-9_]*$), so these can never be taken for a model; the repository splits them out.
 */
const KEYS = { agreement: 'study.agreement', minUsableSlices: 'study.minUsableSlices', pairWithin: 'study.pairWithin' } as const;

/** The rule as entries of the stored thresholds map ({} without one). */
export function ruleEntries(rule: StudyRule | null | undefined): Record<string, number> {
  if (!rule) return {};
  const entries: Record<string, number> = { [KEYS.agreement]: rule.agreement, [KEYS.minUsableSlices]: rule.minUsableSlices };
  // absent = any two slices: the map holds numbers only, and a record older than the key was decided so
  if (typeof rule.pairWithin === 'number') entries[KEYS.pairWithin] = rule.pairWithin;
  return entries;
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
  const pairWithin = stored[KEYS.pairWithin];
  const rule = typeof agreement === 'number' && typeof minUsableSlices === 'number'
    ? { agreement, minUsableSlices, pairWithin: typeof pairWithin === 'number' ? pairWithin : null }
    : null;
  return { thresholds, rule };
}
