/**
 * Which check refused an analysis, and the figures its message was written from. The live answer
 * says it in its message; the history record keeps this instead (Analysis.refusalCause and
 * refusalFiguresJson), so every page that shows a stored record gives the cause and figures the
 * answer gave: a chart refused at the colour check read "The triage model says this is not an MRI
 * image (> 99.9 %)" on the history page, and a study whose confident slices disagreed read as one
 * whose finding was unconfirmed — the record alone could not tell those checks apart.
 * The codes are stable (stored, in the CSV export): add one, never rename one.
 */
export const REFUSAL_CAUSES = [
  // triage, in the contract's order (triage-decision.ts)
  'colour',
  'bright_background',
  'head_ct',
  'triage_ood',
  'triage_not_mri',
  'mri_low_confidence',
  'unsupported_body_part',
  'body_part_low_confidence',
  'no_validated_model',
  // diagnosis (diagnosis-decision.ts; a study's own too)
  'ood',
  'low_confidence',
  // a study's header (header-refusal.ts)
  'header_modality',
  'header_body_part',
  // a study's rule (study-aggregate.ts)
  'too_few_slices',
  'body_part_disagreement',
  'too_few_body_part_slices',
  'unfamiliar_slices',
  'finding_unconfirmed',
  'slice_disagreement',
  // the file checks, before any model (the record's code says which)
  'file_check',
] as const;

export type RefusalCause = (typeof REFUSAL_CAUSES)[number];

/** Figures a cause's message needs: numbers as measured (never rounded), names as the message wrote them. */
export type RefusalFigures = Record<string, number | string>;

export interface Refusal {
  cause: RefusalCause;
  figures: RefusalFigures;
}

export function isRefusalCause(v: unknown): v is RefusalCause {
  return typeof v === 'string' && (REFUSAL_CAUSES as readonly string[]).includes(v);
}

/** A figure of a stored refusal, or undefined when it is not there as a number (a hand-edited or truncated row). */
export function num(f: RefusalFigures, key: string): number | undefined {
  const v = f[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function str(f: RefusalFigures, key: string): string | undefined {
  const v = f[key];
  return typeof v === 'string' ? v : undefined;
}
