import { thresholdPercent } from '../presentation/labels';
import { num, type Refusal, type RefusalFigures, str } from '../validation/refusal-cause';
import { notMriMessage, NOT_MRI_CAUSES, pct } from '../validation/triage-decision';

/**
 * A study's refusals by its rule (study-aggregate.ts), worded from their figures: the answer's
 * message and the history's reason for a record that stored the cause (record-reason.ts) come from
 * these, so the history page and the PDF cannot give another cause or other figures than the
 * answer did (they said "a finding on some slices is not confirmed by the others" of a study whose
 * confident slices disagreed on the type of finding). Pure.
 */

const n = (f: RefusalFigures, key: string): number => num(f, key) ?? 0;
const s = (f: RefusalFigures, key: string): string => str(f, key) ?? '';

/** The study rule's message for `r`, or null when the cause is not one of the study rule's. */
export function studyRuleMessage(r: Refusal): string | null {
  const f = r.figures;
  switch (r.cause) {
    case 'too_few_slices':
      return `Unable to determine: only ${n(f, 'usable')} of ${n(f, 'slices')} slices were usable (at least ${n(f, 'required')} are needed).`;
    case 'body_part_disagreement':
      return `Unable to determine: the slices disagree on the body part (${s(f, 'votes')}).`;
    case 'too_few_body_part_slices':
      return `Unable to determine: only ${n(f, 'usable')} of ${n(f, 'slices')} slices were usable ${s(f, 'bodyPart')} slices (at least ${n(f, 'required')} are needed).`;
    case 'unfamiliar_slices': {
      const unfamiliar = n(f, 'unfamiliar');
      return `Unable to determine: only ${n(f, 'usable')} of ${n(f, 'slices')} slices were usable (at least ${n(f, 'required')} are needed); ${unfamiliar} ${unfamiliar === 1 ? 'was' : 'were'} unlike the ${s(f, 'model')}'s training data.`;
    }
    case 'finding_unconfirmed': {
      const count = n(f, 'suspicious');
      const which = count === 1 ? `slice ${n(f, 'slice')} alone` : `${count} isolated slices (e.g. slice ${n(f, 'slice')})`;
      return `Unable to determine: ${which} suggest${count === 1 ? 's' : ''} ${s(f, 'finding')} (${pct(n(f, 'confidence'))}), but the other slices do not confirm it. Look at the highlighted slice.`;
    }
    case 'slice_disagreement':
      return `Unable to determine: the slices disagree (${n(f, 'agree')} of ${n(f, 'voters')} confident slices say ${s(f, 'finding')}; ${thresholdPercent(n(f, 'agreement'))} agreement is required).`;
    default:
      return null;
  }
}

/**
 * A study refused because most of its slices were refused for one reason: that reason as the slice's
 * message said it, after how many. Only for the causes whose words come from their figures alone
 * (the not-MRI gates); null for the others, whose history reason stays the record's own.
 */
export function slicesRefusedMessage(r: Refusal): string | null {
  if (!NOT_MRI_CAUSES.includes(r.cause) || num(r.figures, 'refusedSlices') === undefined) return null;
  return `${n(r.figures, 'refusedSlices')} of ${n(r.figures, 'slices')} slices were refused: ${notMriMessage(r)}`;
}
