import { thresholdPercent } from '../presentation/percent';
import { num, type Refusal, type RefusalFigures, str } from '../validation/refusal-cause';
import { pct } from '../validation/triage-decision';
import { refusalMessage } from '../validation/refusal-message';

/**
 * A study's refusals by its rule (study-aggregate.ts), worded from their figures: the answer's
 * message and the history's reason for a record that stored the cause (record-reason.ts) come from
 * these, so the history page and the PDF cannot give another cause or other figures than the
 * answer did (they said "a finding on some slices is not confirmed by the others" of a study whose
 * confident slices disagreed on the type of finding). And an answer's words for where its finding
 * comes from (findingBasis). Pure.
 */

const numOf = (f: RefusalFigures, key: string): number => num(f, key) ?? 0;
const strOf = (f: RefusalFigures, key: string): string => str(f, key) ?? '';

/** What an unconfirmed slice suggests when the model is sure of a finding but not of its type (finding-pair.ts suspiciousSlices). */
export const UNCLEAR_FINDING = 'a finding of unclear type';

/** The study rule's message for `r`, or null when the cause is not one of the study rule's. */
export function studyRuleMessage(r: Refusal): string | null {
  const f = r.figures;
  switch (r.cause) {
    case 'too_few_slices':
      return `Unable to determine: only ${numOf(f, 'usable')} of ${numOf(f, 'slices')} slices were usable (at least ${numOf(f, 'required')} are needed).`;
    case 'body_part_disagreement':
      return `Unable to determine: the slices disagree on the body part (${strOf(f, 'votes')}).`;
    case 'too_few_body_part_slices':
      return `Unable to determine: only ${numOf(f, 'usable')} of ${numOf(f, 'slices')} slices were usable ${strOf(f, 'bodyPart')} slices (at least ${numOf(f, 'required')} are needed).`;
    case 'unfamiliar_slices': {
      const unfamiliar = numOf(f, 'unfamiliar');
      return `Unable to determine: only ${numOf(f, 'usable')} of ${numOf(f, 'slices')} slices were usable (at least ${numOf(f, 'required')} are needed); ${unfamiliar} ${unfamiliar === 1 ? 'was' : 'were'} unlike the ${strOf(f, 'model')}'s training data.`;
    }
    case 'finding_unconfirmed': {
      const count = numOf(f, 'suspicious');
      const which = count === 1 ? `slice ${numOf(f, 'slice')} alone` : `${count} isolated slices (e.g. slice ${numOf(f, 'slice')})`;
      return `Unable to determine: ${which} suggest${count === 1 ? 's' : ''} ${strOf(f, 'finding')} (${pct(numOf(f, 'confidence'))}), but the other slices do not confirm it. Look at the highlighted slice.`;
    }
    case 'slice_disagreement':
      return `Unable to determine: the slices disagree (${numOf(f, 'agree')} of ${numOf(f, 'voters')} confident slices say ${strOf(f, 'finding')}; ${thresholdPercent(numOf(f, 'agreement'))} agreement is required).`;
    default:
      return null;
  }
}

/**
 * A study refused because most of its slices were refused for one reason: that reason as the first
 * such slice's message said it (refusalMessage, its figures), after how many — the study answer's
 * message (study-aggregate.ts) is built from that slice's message, its scope sentence included (stored
 * with the figures since f303fce); null when the figures are not there.
 */
export function slicesRefusedMessage(r: Refusal): string | null {
  const refused = num(r.figures, 'refusedSlices');
  const slice = refusalMessage(r);
  return refused === undefined || slice === null ? null : `${slicesRefusedLead(refused, numOf(r.figures, 'slices'), num(r.figures, 'causeSlices'))}${slice}`;
}

/**
 * "4 of 4 slices were refused: " — or, when other checks refused some of them under the same code (NOT_MRI is
 * given by the colour, bright-background, head-CT and OOD checks and by the model), "…; on 2 of them: ": the
 * message quoted is the first slice's, and it read as the reason for all 4.
 */
export function slicesRefusedLead(refused: number, slices: number, causeSlices: number | undefined): string {
  return causeSlices !== undefined && causeSlices < refused
    ? `${refused} of ${slices} slices were refused; on ${causeSlices} of them: `
    : `${refused} of ${slices} slices were refused: `;
}

/** A refusal by the study rule: its message worded from its figures (studyRuleMessage), as the history words it. */
export function rule(refusal: Refusal): { message: string; refusal: Refusal } {
  return { message: studyRuleMessage(refusal) ?? '', refusal };
}

/** A study's refusal by one check (no validated model, low confidence): its message worded from its figures, as the history words it. */
export function worded(refusal: Refusal): { message: string; refusal: Refusal } {
  return { message: refusalMessage(refusal, { study: true }) ?? '', refusal };
}

/**
 * Where a finding comes from: the decisive slices (1-based, in series order) and how many slices show
 * it on their own. "from 300 of 300 slices" was read as every slice agreeing, where 5 of them did.
 */
export function findingBasis(decisive: number[], agree: number, n: number, what: string, figure: string, neighbours = false): string {
  const at = [...decisive].sort((a, b) => a - b).map((i) => String(i + 1));
  if (n === 1) return `(${figure}), from its one slice`;
  const pair = `${at.slice(0, -1).join(', ')} and ${at[at.length - 1]}`;
  // with neighbours required, the pair need not be the two most suspicious slices of the series
  const from = at.length === 1 ? `from its most suspicious slice, ${at[0]}` : neighbours ? `from its most suspicious pair of neighbouring slices, ${pair}` : `from its ${at.length} most suspicious slices, ${pair}`;
  const shown = agree ? `${agree} of ${n} slices ${agree === 1 ? 'shows' : 'show'} ${what} on their own` : `no slice shows ${what} confidently on its own`;
  return `(${figure}), ${from}; ${shown}`;
}
