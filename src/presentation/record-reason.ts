/**
 * Why a recorded analysis ended as it did, in one sentence: the history detail page, the no-JavaScript
 * form's answer, the CSV export and the metadata-only PDF say it. A record that stored which check
 * refused it (refusal-cause.ts) is worded from that cause and its figures by the functions the live
 * message came from; an older one (no cause) is rebuilt from its other fields. The detail page
 * said "Not an MRI image: decided at the MRI check stage." for a CT series that the study page
 * had refused because its DICOM header says CT — the reason the record holds (its modality) was
 * not on the page. Pure; figures and names through labels.ts, as everywhere else.
 */
import type { HistoryItem } from '../history/history.service';
import { pctBelow } from '../validation/triage-decision';
import { headerBodyPartReason, headerNotMriReason, refusalMessage } from '../validation/refusal-message';
import { slicesRefusedMessage, studyRuleMessage } from '../studies/study-messages';
import type { Refusal } from '../validation/refusal-cause';
import { capitalise, codeOf, humanCode, humanLabel, humanStage } from './labels';
import { percent, percentBeside, thresholdPercent } from './percent';
import { isEarlierLabel, type LoadedLabels } from './label-names';
import { refusedByImageChecks, sliceMeanMri } from './mri-check';

/** The header's words live beside every other cause's (refusal-message.ts); the pages import them from here too. */
export { headerBodyPartReason, headerNotMriReason };

type ReasonFields = Pick<
  HistoryItem,
  'status' | 'stage' | 'code' | 'isMri' | 'mriConfidence' | 'anatomy' | 'anatomyConfidence' | 'task' | 'label' | 'confidence' | 'probabilities' | 'modelVersions' | 'thresholds' | 'study'
> & { refusal?: Refusal | null };

const noModelRan = (r: ReasonFields) => Object.keys(r.modelVersions ?? {}).length === 0;

/**
 * A refused figure and "below the 60.0 % confidence threshold" when the record kept the threshold of
 * that model, else "below the confidence threshold". Under its threshold, both with as many decimals
 * as it takes for them to differ (pctBelow, as the live message): a record at 0.59996 read
 * "(glioma, 60.0 %) is below the 60.0 % confidence threshold" on the history page and in its PDF.
 */
function belowThreshold(r: ReasonFields, model: string | null, value: number | null | undefined): [string, string] {
  const t = model ? r.thresholds?.[model] : undefined;
  if (typeof t !== 'number') return [percent(value), 'below the confidence threshold'];
  const [shown, threshold] = typeof value === 'number' && Number.isFinite(value) && value < t ? pctBelow(value, t) : [percent(value), percent(t)];
  return [shown, `below the ${threshold} confidence threshold`];
}

/**
 * A record's deciding figure as the lists and the PDF print it, beside the threshold recorded for `model`
 * (percentBeside): never on the wrong side of it. Refused at 0.59996 under 0.6 it read "60.0 %"; answered at
 * 0.58349 under 0.58348, "58.3 %" beside "Confidence threshold 58.348 %". Without that threshold: percent().
 */
export function figureAtThreshold(r: Pick<ReasonFields, 'thresholds'>, model: string | null, value: number | null | undefined): string {
  return percentBeside(value, model ? r.thresholds?.[model] : undefined);
}

/**
 * The figure that was compared with a threshold and the model whose threshold it was: the diagnosis's
 * confidence (or top class), answered, refused or withheld as out of distribution; the body part's when
 * refused there or recognised without a validated model; P(MRI) refused at the MRI check. Null for
 * anything else (NOT_MRI, a body part the service does not analyse, a record without a figure).
 */
export function decidingComparison(r: Pick<ReasonFields, 'stage' | 'code' | 'task' | 'confidence' | 'probabilities' | 'thresholds' | 'mriConfidence' | 'anatomyConfidence'>): { value: number; model: string } | null {
  const pick = (value: number | null | undefined, model: string | null) => (typeof value === 'number' && Number.isFinite(value) && model ? { value, model } : null);
  if (r.code === 'NO_VALIDATED_MODEL') return pick(r.anatomyConfidence, 'triage');
  if (r.stage === 'diagnosis') return pick(r.confidence ?? topEntry(r.probabilities)?.[1], r.task);
  if (r.code !== 'LOW_CONFIDENCE') return null;
  if (r.stage === 'modality') return pick(r.mriConfidence, 'triage');
  if (r.stage === 'anatomy') return pick(r.anatomyConfidence, 'triage');
  return null;
}

/**
 * One class's probability in a record's list (the history detail, the PDF table): the one compared with
 * its threshold reads as the deciding figure does ("59.996 %", "58.349 %"), not "60.0 %" / "58.3 %" beside it.
 */
export function probabilityFigure(r: Parameters<typeof decidingComparison>[0], value: number): string {
  const decided = decidingComparison(r);
  return decided && decided.value === value ? figureAtThreshold(r, decided.model, value) : percent(value);
}

function topEntry(probs: Record<string, number> | null): [string, number] | null {
  const entries = Object.entries(probs ?? {});
  return entries.length ? entries.reduce((a, b) => (b[1] > a[1] ? b : a)) : null;
}

function notMri(r: ReasonFields): string {
  const modality = r.study?.modality;
  if (r.study && modality && modality !== 'MR' && noModelRan(r)) return headerNotMriReason(modality);
  if (refusedByImageChecks(r)) return `The image checks (colour, bright background, head CT, unlike an MRI slice) refused it, although the triage model alone said MRI (${figureAtThreshold(r, 'triage', r.mriConfidence)}).`;
  if (typeof r.mriConfidence === 'number') {
    const figure = percent(1 - r.mriConfidence);
    return r.study ? `The slices were refused as not MRI (not MRI ${figure}, mean over the slices).` : `The triage model says this is not an MRI image (${figure}).`;
  }
  return 'It was refused as not an MRI.';
}

/**
 * An image's diagnosis withheld although its figure reached the threshold recorded with it: the one
 * other reason (diagnosis-decision.ts) is an image unlike the model's training data. A study's
 * LOW_CONFIDENCE is always below its threshold; a record without its threshold cannot tell.
 */
export function withheldOutOfDistribution(r: Pick<ReasonFields, 'stage' | 'code' | 'task' | 'confidence' | 'probabilities' | 'thresholds' | 'refusal'>): boolean {
  if (r.stage !== 'diagnosis' || r.code !== 'LOW_CONFIDENCE' || !r.task) return false;
  // the cause the answer gave, when recorded: the figure's side of the threshold only guesses it
  if (r.refusal) return r.refusal.cause === 'ood';
  const t = r.thresholds?.[r.task];
  const figure = r.confidence ?? topEntry(r.probabilities)?.[1];
  return typeof t === 'number' && typeof figure === 'number' && figure >= t;
}

/**
 * A study refused because most of its slices were refused at the MRI or body-part check
 * (study-aggregate.ts): each slice was compared with the threshold, never the record's figure —
 * the mean P(MRI) over all the slices, confident ones included, which read "MRI 63.8 %, below the
 * 60.0 % confidence threshold"; its body-part figure is null ("(—, below …)").
 */
function slicesLowConfidence(r: ReasonFields): string {
  const t = r.thresholds?.triage;
  const below = `each was below the ${typeof t === 'number' ? `${thresholdPercent(t)} ` : ''}confidence threshold`;
  if (r.stage === 'anatomy') return `The body part of most of its slices could not be determined confidently: ${below}.`;
  const mean = sliceMeanMri(r);
  return `Most of its slices were not confidently MRI: ${below}${mean ? ` (${mean})` : ''}.`;
}

/** A finding in a sentence ("glioma"); an earlier model version's marked so, as its title and table name it (label-names.ts). */
function findingName(key: string, loaded: LoadedLabels): string {
  return isEarlierLabel(key, loaded) ? `${humanLabel(key)} (earlier model)` : humanLabel(key);
}

function lowConfidence(r: ReasonFields, loaded: LoadedLabels): string {
  if (r.study && (r.stage === 'modality' || r.stage === 'anatomy')) return slicesLowConfidence(r);
  if (r.stage === 'modality') return `The service was not confident this is an MRI (MRI ${belowThreshold(r, 'triage', r.mriConfidence).join(', ')}).`;
  if (r.stage === 'anatomy') return `The body part could not be determined confidently (${belowThreshold(r, 'triage', r.anatomyConfidence).join(', ')}).`;
  const top = r.label ? ([r.label, r.confidence ?? NaN] as [string, number]) : topEntry(r.probabilities);
  if (!top) return `No answer reached the confidence threshold.`;
  // at or above the threshold recorded with it, the model's answer was withheld for the one other
  // reason (diagnosis-decision.ts): the image is unlike its training data. The page said "below the
  // 60.0 % confidence threshold" of a finding at 94.0 %.
  if (withheldOutOfDistribution(r)) {
    return `The image is unlike the ${humanLabel(r.task)}'s training data (out-of-distribution), so its most likely finding (${findingName(top[0], loaded)}, ${percent(top[1])}) was not given as an answer.`;
  }
  const [shown, below] = belowThreshold(r, r.task, top[1]);
  return `The most likely finding (${findingName(top[0], loaded)}, ${shown}) is ${below}.`;
}

/**
 * The reason a record with a stored cause gives: the live message, built by the function that built
 * it (refusalMessage, studyRuleMessage) from the stored figures, word for word. Null for a record
 * without a cause, or whose figures are not all there and cannot be read from its other columns:
 * its sentence is rebuilt from the record as before.
 */
function storedCauseReason(r: ReasonFields): string | null {
  const refusal = r.refusal && olderFigures(r, r.refusal);
  if (!refusal || r.status === 'completed') return null;
  // a study refused because most of its slices were: the first such slice's figures, after how many
  if (r.study && refusal.figures.refusedSlices !== undefined) return slicesRefusedMessage(refusal);
  return studyRuleMessage(refusal) ?? refusalMessage(refusal, { study: r.study !== null && r.study !== undefined });
}

/**
 * A figure an image's message names that rows stored before it was kept elsewhere: the model withheld
 * as out of distribution is the record's task ("the brain tumour model"), the model's own "not MRI"
 * is 1 − its P(MRI). A study's MRI figure is a mean over its slices, not the slice's: left out.
 */
function olderFigures(r: ReasonFields, refusal: Refusal): Refusal {
  const f = refusal.figures;
  if (r.study) return refusal;
  if (refusal.cause === 'ood' && f.model === undefined && r.task) return { ...refusal, figures: { ...f, model: humanLabel(r.task) } };
  if (refusal.cause === 'triage_not_mri' && f.notMri === undefined && typeof r.mriConfidence === 'number') return { ...refusal, figures: { ...f, notMri: 1 - r.mriConfidence } };
  return refusal;
}

/** One sentence: why this record was refused, inconclusive or answered. `loaded`: the loaded models' labels (null marks none earlier). */
export function recordReason(r: ReasonFields, loaded: LoadedLabels = null): string {
  if (r.status === 'completed') return `Answered by the ${humanLabel(r.task)}.`;
  const stored = storedCauseReason(r);
  if (stored) return stored;
  switch (r.code) {
    case 'NOT_MRI':
      return notMri(r);
    case 'UNSUPPORTED_BODY_PART':
      if (!r.anatomy && r.study && noModelRan(r)) return 'The DICOM header (Body Part Examined) names a body part the service does not analyse, so no model was run.';
      return `Recognised as ${humanLabel(r.anatomy)}${typeof r.anatomyConfidence === 'number' ? ` (${figureAtThreshold(r, 'triage', r.anatomyConfidence)})` : ''}, a body part the service does not analyse.`;
    case 'NO_VALIDATED_MODEL':
      return `${capitalise(humanLabel(r.anatomy))} MRI recognised${typeof r.anatomyConfidence === 'number' ? ` (${figureAtThreshold(r, 'triage', r.anatomyConfidence)})` : ''}, but no validated diagnosis model exists for this body part yet.`;
    case 'LOW_CONFIDENCE':
      return lowConfidence(r, loaded);
    case 'INSUFFICIENT_SLICES':
      return `Too few usable slices${typeof r.study?.usableSlices === 'number' && typeof r.study.sliceCount === 'number' ? ` (${r.study.usableSlices} of ${r.study.sliceCount})` : ''} for a study answer.`;
    case 'SLICE_DISAGREEMENT':
      return 'The slices disagree: a finding on some slices is not confirmed by the others.';
    default:
      if (r.stage === 'file') return `${humanCode(r.code, codeOf(r))}: refused at the file checks, before any model ran.`;
      return r.code ? `${humanCode(r.code, codeOf(r))}: decided at the ${humanStage(r.stage)} stage.` : capitalise(r.status);
  }
}
