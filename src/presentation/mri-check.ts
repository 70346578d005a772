/**
 * The MRI check of a result in figures and words, one rule for the history page, the PDF and the
 * image page's stage list (public/js/figures.js mirrors it; a browser spec compares the two over
 * every case). Apart from labels.ts so that file stays about names and numbers.
 */
import { percent, percentBeside } from './percent';

/** What the MRI check of a result needs (a history record or an API result). */
export interface MriCheckFields {
  isMri: boolean | null;
  mriConfidence: number | null;
  code: string | null;
  probabilities: Record<string, number> | null;
  /** model → the threshold it decided at (a record's; the page's own for a live result); absent: not known */
  thresholds?: Record<string, number> | null;
  /** a study record's slice count (its MRI figure is a mean over its slices); absent or null: one image */
  study?: { sliceCount: number | null } | null;
  /** which check refused it (refusal-cause.ts), as the record and the answer give it; absent or null: answered, or not recorded */
  refusal?: { cause: string; figures: Record<string, number | string> } | null;
}

/** The image checks that refuse an image whatever the triage model says, by their causes' names. */
const IMAGE_CHECKS: Readonly<Record<string, string>> = {
  colour: 'the colour check',
  bright_background: 'the bright-background check',
  head_ct: 'the head-CT check',
  triage_ood: 'the out-of-distribution check',
};

/**
 * The image check that refused it, as its MRI check line names it, or null (answered, refused by the
 * model, or a record without its cause). A chart refused at the colour check read "not MRI (> 99.9 %)",
 * the triage model's figure, beside the colour message: a figure that did not decide. A study refused
 * because most of its slices were says how many, and how many of those this check refused where
 * other checks refused the rest (`causeSlices`).
 */
export function imageCheckRefusal(r: Pick<MriCheckFields, 'isMri' | 'refusal'>): string | null {
  const check = r.refusal && r.isMri === false ? IMAGE_CHECKS[r.refusal.cause] : undefined;
  if (!check) return null;
  const { refusedSlices, causeSlices, slices } = r.refusal!.figures;
  if (typeof refusedSlices !== 'number' || typeof slices !== 'number') return `refused by ${check}`;
  // the check named refused only some of them (NOT_MRI is every not-MRI check's code): how many
  const some = typeof causeSlices === 'number' && causeSlices < refusedSlices;
  return some ? `${refusedSlices} of ${slices} slices refused, ${causeSlices} by ${check}` : `${refusedSlices} of ${slices} slices refused by ${check}`;
}

/** Refused at the MRI check as not confidently an MRI (P(MRI) below the triage threshold): the one LOW_CONFIDENCE with isMri false. */
function unsureMri(r: MriCheckFields): boolean {
  return r.isMri === false && r.code === 'LOW_CONFIDENCE';
}

/** Over how many slices the mean was taken: "on average over all 20 slices"; one slice has no average ("all 1 slices"). */
function overSlices(n: number | null | undefined): string {
  return n === 1 ? 'on its one slice' : `on average over all ${typeof n === 'number' ? `${n} ` : 'the '}slices`;
}

/**
 * A study refused because most of its slices were not confidently MRI (study-aggregate.ts): its
 * figure is the mean P(MRI) over all the slices, confident ones included, which no slice was
 * compared with — so wherever it is shown (the reason, the MRI check, the list) it is said to be
 * that mean: 'MRI 63.8 %' alone read as a figure above the 60 % threshold that was refused. Null
 * for anything else.
 */
export function sliceMeanMri(r: MriCheckFields): string | null {
  if (!r.study || !unsureMri(r) || r.mriConfidence === null) return null;
  const n = r.study.sliceCount;
  return `MRI ${percent(r.mriConfidence)} ${overSlices(n)}`;
}

/**
 * A study refused as not an MRI by the triage model on most of its slices (study-aggregate.ts): its
 * figure, 1 − P(MRI), is 1 − the mean P(MRI) over all its slices, while its message quotes the first
 * refused slice's own figure ("…not an MRI image (99.6 %)"); said to be that mean, as sliceMeanMri says
 * its own ("not MRI (95.7 %)" stood beside that 99.6 %). Null for anything else, an image check's refusal
 * included (imageCheckRefusal names the check, no figure).
 */
export function sliceMeanNotMri(r: MriCheckFields): string | null {
  if (!r.study || r.isMri !== false || r.code !== 'NOT_MRI' || r.mriConfidence === null || imageCheckRefusal(r) || refusedByImageChecks(r)) return null;
  const n = r.study.sliceCount;
  return `${percent(1 - r.mriConfidence)} ${overSlices(n)}`;
}

/**
 * True for a NOT_MRI refusal that the image checks made (colour, bright background, out of
 * distribution) while the triage model itself said MRI (its top class is not not_mri): then
 * 1 − P(MRI) is the model's figure against the refusal, not a figure for it.
 */
export function refusedByImageChecks(r: MriCheckFields): boolean {
  if (r.isMri !== false || r.code !== 'NOT_MRI' || !r.probabilities || !('not_mri' in r.probabilities)) return false;
  const top = Object.entries(r.probabilities).reduce((a, b) => (b[1] > a[1] ? b : a));
  return top[0] !== 'not_mri';
}

/**
 * The figure the MRI check shows: P(MRI) for an MRI and for a refusal the image checks made (the
 * model's own answer), 1 − P(MRI) for a refusal the model made; null where no model ran.
 */
export function mriFigure(r: MriCheckFields): number | null {
  if (r.isMri === null || r.mriConfidence === null) return null;
  return r.isMri || refusedByImageChecks(r) || unsureMri(r) ? r.mriConfidence : 1 - r.mriConfidence;
}

/**
 * The MRI check in words, one rule for the history page, the PDF, the image page's stage list and
 * the study page's details (public/js/figures.js mriCheck, which a browser spec compares with this
 * over every case, studies' included: the list wrote "MRI · 97.0 %" where the history wrote
 * "MRI (97.0 %)" for the same record).
 */
export function mriCheck(r: MriCheckFields): string {
  if (r.isMri === null) return '—';
  // a study refused from its DICOM header (Modality, Body Part Examined): no model ran, no figure — not "not MRI (—)"
  if (r.mriConfidence === null) return `${r.isMri ? 'MRI' : 'not MRI'} (from the DICOM header; no model ran)`;
  // the check that refused it, and no model figure: the model's did not decide (its probabilities are listed apart)
  const check = imageCheckRefusal(r);
  if (check) return `not MRI (${check})`;
  // a record without its cause: the model's figure, said to be against the refusal when it is
  const t = r.thresholds?.triage;
  // P(MRI) is the figure the triage threshold judged: never on the wrong side of it (percentBeside); 1 − P(MRI) was not
  if (refusedByImageChecks(r)) return `not MRI (refused by the image checks; the model alone: MRI ${percentBeside(mriFigure(r), t)})`;
  // a study's 1 − P(MRI) is a mean over its slices: said so beside its message's first-slice figure
  const meanNot = sliceMeanNotMri(r);
  if (meanNot) return `not MRI (${meanNot})`;
  // P(MRI), the figure its reason compares with the threshold: it read "not MRI (40.0 %)" beside "MRI 59.996 %, below the 60.000 %"
  if (unsureMri(r)) {
    const mean = sliceMeanMri(r);
    if (mean) return `not confidently MRI (${mean})`;
    return `not confidently MRI (MRI ${percentBeside(r.mriConfidence, t)})`;
  }
  return r.isMri ? `MRI (${percentBeside(r.mriConfidence, t)})` : `not MRI (${percent(mriFigure(r))})`;
}
