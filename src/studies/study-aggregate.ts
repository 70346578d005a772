import type { AnalysisResult, AnalysisStage } from '../classifier/analysis-result';
import { humanLabel } from '../presentation/labels';
import { withheldOutOfDistribution } from '../presentation/record-reason';
import type { Refusal } from '../validation/refusal-cause';
import { pct } from '../validation/triage-decision';
import { PAIR_WITHIN, slicePlaces, suspiciousSlices, TOP_K } from './finding-pair';
import type { SliceGap } from './slice-gaps';
import { findingBasis, rule, slicesRefusedLead, UNCLEAR_FINDING, worded } from './study-messages';
import { studyProbabilities } from './study-probabilities';
import type { StudyAggregation, StudyCode } from './study-result';

/** Labels meaning "nothing found" in a diagnosis card (brain_tumor: notumor). */
export const NEGATIVE_LABELS = ['notumor', 'no_tumor', 'no_herniation', 'normal', 'negative', 'healthy', 'no_finding'];

export { PAIR_WITHIN, TOP_K };

export const AGGREGATION_RULE =
  'Body part: majority vote of the slices whose triage accepted a body part. Finding (cards with a "nothing found" label, e.g. notumor): ' +
  `presence = mean over the ${TOP_K} slices with the highest calibrated P(finding) = 1 − P(nothing found) — a finding must be supported by two slices (a focal lesion shows on a few slices, so the mean over all slices would dilute it away; one slice alone could be noise); ` +
  `where the slice order is known, those two must be neighbours, at most ${PAIR_WITHIN} slices apart, counting any slices missing from the series between them: the most suspicious such pair (a lesion spans neighbouring slices, a misread slice stands alone; a slice with no such neighbour counts half); ` +
  `the type of finding = those slices' calibrated probabilities, renormalised over the finding classes; study P(class) = presence × type share, P(nothing found) = 1 − presence; then the card's confidence threshold, as for one image. ` +
  'The study is called "nothing found" only if no single slice confidently shows a finding (a finding type, or a finding of any type, at or above the confidence threshold); when one does and the others do not confirm it, the study is inconclusive (SLICE_DISAGREEMENT) and that slice is shown. ' +
  'A slice whose diagnosis the model withheld as unlike its training data is not usable: its probabilities do not count. ' +
  'Other cards: mean of the calibrated probabilities of the usable slices. ' +
  'Inconclusive too when fewer usable slices than required, or when the confident slices disagree on the type beyond the agreement threshold.';

export interface DiagnosisCardInfo {
  name: string;
  labels: string[];
  threshold: number;
  describe: (label: string) => string;
}

export interface AggregateInput {
  slices: AnalysisResult[];
  minUsable: number;
  agreement: number;
  /** how far apart in series order the two slices confirming a finding may be (default PAIR_WITHIN); null: anywhere (order unknown) */
  pairWithin?: number | null;
  /** slices missing from the series (slice-gaps.ts): the pair's distance counts them; none: by series index */
  gaps?: readonly SliceGap[];
  /** diagnosis card for a body part, or undefined when none exists */
  cardFor: (bodyPart: string) => DiagnosisCardInfo | undefined;
}

export interface StudyAnswer {
  status: AnalysisResult['status'];
  stage: AnalysisStage;
  code: StudyCode | null;
  message: string;
  /** which check refused it, with its message's figures (the history record keeps it); null when answered */
  refusal: Refusal | null;
  isMri: boolean | null;
  mriConfidence: number | null;
  anatomy: string | null;
  anatomyConfidence: number | null;
  task: string | null;
  label: string | null;
  confidence: number | null;
  probabilities: Record<string, number>;
  aggregation: StudyAggregation;
  /** indices of slices that counted towards the answer */
  used: Set<number>;
  /** Each decisive slice's heat-map label: the study's finding (a slice's own top may differ), or an unconfirmed slice's own; none where the study withholds its finding (LOW_CONFIDENCE, disagreement). */
  explainLabels: Map<number, string>;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Required usable slices: at least minUsable and a quarter of the study, never more than it has. */
export function requiredSlices(n: number, minUsable: number): number {
  return Math.min(n, Math.max(minUsable, Math.ceil(0.25 * n)));
}

/**
 * Pure study decision from per-slice results of the one pipeline. Never forces an answer:
 * too few usable slices, disagreement or low confidence give `inconclusive`; a study whose
 * slices are refused for one reason is refused for that reason.
 */
export function aggregateStudy(input: AggregateInput): StudyAnswer {
  const { slices } = input;
  const n = slices.length;
  const required = requiredSlices(n, input.minUsable);
  const pairWithin = input.pairWithin === undefined ? PAIR_WITHIN : input.pairWithin;
  const accepted = slices.map((s, i) => ({ s, i })).filter(({ s }) => s.stage === 'diagnosis' && s.anatomy !== null);
  const votes: Record<string, number> = {};
  for (const { s } of accepted) votes[s.anatomy!] = (votes[s.anatomy!] ?? 0) + 1;
  const aggregation: StudyAggregation = {
    rule: AGGREGATION_RULE,
    // echoed from the input: what the answer was decided under, shown live and recorded (study-record.ts)
    settings: { agreement: input.agreement, minUsableSlices: input.minUsable, pairWithin },
    acceptedSlices: accepted.length,
    usableSlices: 0,
    requiredSlices: required,
    bodyPartVotes: votes,
    agreement: null,
    decisiveSlices: [],
    pairWithin,
  };
  const none = {
    isMri: null as boolean | null,
    mriConfidence: mean(slices.map((s) => s.mriConfidence ?? 0)),
    anatomy: null as string | null,
    anatomyConfidence: null as number | null,
    task: null as string | null,
    label: null,
    confidence: null,
    probabilities: {} as Record<string, number>,
    aggregation,
    used: new Set<number>(),
    explainLabels: new Map<number, string>(),
  };

  if (accepted.length < required) {
    // Slices refused for one dominant reason: the study is refused for it, like one image.
    const reasons = new Map<string, { count: number; s: AnalysisResult }>();
    for (const s of slices) {
      if (s.status !== 'rejected') continue;
      const key = `${s.stage}/${s.code}`;
      const r = reasons.get(key) ?? { count: 0, s };
      r.count++;
      reasons.set(key, r);
    }
    const top = [...reasons.values()].sort((a, b) => b.count - a.count)[0];
    if (top && top.count / n >= input.agreement) {
      const slice = top.s.refusal;
      // the slices refused at that stage with that code by the same check as the first: one code
      // (NOT_MRI) is given by several checks, and the MRI check line names the first one's (mri-check.ts)
      const causeSlices = slices.filter((s) => s.status === 'rejected' && s.stage === top.s.stage && s.code === top.s.code && s.refusal?.cause === slice?.cause).length;
      return {
        ...none,
        isMri: top.s.stage === 'modality' ? false : true,
        status: 'rejected',
        stage: top.s.stage,
        code: top.s.code,
        // a refused slice without a cause (one refused before any check ran) cannot say how many share it
        message: `${slicesRefusedLead(top.count, n, slice ? causeSlices : undefined)}${top.s.message}`,
        refusal: slice ? { cause: slice.cause, figures: { ...slice.figures, refusedSlices: top.count, causeSlices, slices: n } } : null,
      };
    }
    return { ...none, status: 'inconclusive', stage: 'anatomy', code: 'INSUFFICIENT_SLICES', ...rule({ cause: 'too_few_slices', figures: { usable: accepted.length, slices: n, required } }) };
  }

  const [bodyPart, count] = Object.entries(votes).sort((a, b) => b[1] - a[1])[0];
  const share = count / accepted.length;
  if (share < input.agreement) {
    // No body part was decided and no slice used: it gave the vote's first part (a tie broken by upload
    // order) with its slices' mean figure — "Brain (95.0 %)" beside "the slices disagree (brain 3, knee 3)" —
    // and counted them as used ("3 of 6 used" over six slices marked "not used").
    return {
      ...none,
      isMri: true,
      mriConfidence: mean(accepted.map(({ s }) => s.mriConfidence ?? 0)),
      status: 'inconclusive',
      stage: 'anatomy',
      code: 'SLICE_DISAGREEMENT',
      ...rule({ cause: 'body_part_disagreement', figures: { votes: Object.entries(votes).map(([k, v]) => `${k} ${v}`).join(', ') } }),
    };
  }
  const usable = accepted.filter(({ s }) => s.anatomy === bodyPart);
  aggregation.usableSlices = usable.length;
  const used = new Set(usable.map(({ i }) => i));
  const triageSide = {
    isMri: true,
    mriConfidence: mean(usable.map(({ s }) => s.mriConfidence ?? 0)),
    anatomy: bodyPart,
    anatomyConfidence: mean(usable.map(({ s }) => s.anatomyConfidence ?? 0)),
  };
  if (usable.length < required) {
    return {
      ...none,
      ...triageSide,
      used,
      status: 'inconclusive',
      stage: 'anatomy',
      code: 'INSUFFICIENT_SLICES',
      ...rule({ cause: 'too_few_body_part_slices', figures: { usable: usable.length, slices: n, bodyPart, required } }),
    };
  }
  const card = input.cardFor(bodyPart);
  if (!card) {
    return {
      ...none,
      ...triageSide,
      used,
      status: 'inconclusive',
      stage: 'diagnosis',
      code: 'NO_VALIDATED_MODEL',
      ...worded({ cause: 'no_validated_model', figures: { bodyPart } }),
    };
  }

  // A slice whose diagnosis was withheld as unlike the model's training data is no evidence for or
  // against a finding: the model cannot vouch for its probabilities. It was counted as used ("6 of 6
  // slices"), its probabilities in the study's, though its own page said "Unable to determine".
  const familiar = usable.filter(({ s }) => !withheldAsUnfamiliar(s, card));
  const unfamiliar = usable.length - familiar.length;
  if (unfamiliar) {
    aggregation.usableSlices = familiar.length;
    used.clear();
    for (const { i } of familiar) used.add(i);
  }
  if (familiar.length < required) {
    return {
      ...none,
      ...triageSide,
      used,
      task: card.name,
      status: 'inconclusive',
      stage: 'diagnosis',
      code: 'INSUFFICIENT_SLICES',
      ...rule({ cause: 'unfamiliar_slices', figures: { usable: familiar.length, slices: n, required, unfamiliar, model: humanLabel(card.name) } }),
    };
  }
  const rows = familiar.filter(({ s }) => s.task === card.name).map(({ s, i }) => ({ i, s, p: card.labels.map((l) => s.probabilities[l] ?? 0) }));
  const neg = card.labels.findIndex((l) => NEGATIVE_LABELS.includes(l));
  // presence × type share over the finding pair, or the mean without a "nothing found" label (study-probabilities.ts)
  const { probs, pair } = studyProbabilities(rows, neg, card.labels.length, pairWithin, slicePlaces(n, input.gaps ?? []));
  let decisive = pair;
  const topIndex = probs.indexOf(Math.max(...probs));
  const topLabel = card.labels[topIndex];
  // "Nothing found" is never said over a slice that, alone, confidently shows a finding.
  // (also one sure of a finding but not of its type: suspiciousSlices), most suspicious first
  const suspicious = neg >= 0 ? suspiciousSlices(rows, neg, card.labels, card.threshold).sort((a, b) => a.row.p[neg] - b.row.p[neg]) : [];
  const unconfirmed = neg >= 0 && topIndex === neg && suspicious.length > 0;
  if (unconfirmed) {
    decisive = suspicious.slice(0, TOP_K).map((x) => x.row.i);
  } else if (neg < 0 || topIndex === neg) {
    decisive = [...rows].sort((a, b) => b.p[topIndex] - a.p[topIndex]).slice(0, TOP_K).map((r) => r.i);
  }
  aggregation.decisiveSlices = decisive;
  const explainLabels = new Map(decisive.map((i) => [i, unconfirmed ? suspicious.find((x) => x.row.i === i)!.type : topLabel] as const));
  // A study that withholds its finding (disagreement, low confidence) draws no map of it: one image
  // below the threshold has none either, and a map captioned "Glioma" under "Unable to determine"
  // reads as evidence for the answer that was not given. (An unconfirmed slice's map above is of that
  // slice's own confident answer.)
  const withheld = new Map<number, string>();

  // Agreement among the slices that gave a confident answer themselves. For a finding, only the
  // slices that found something vote on its type (slices without the lesion are expected).
  const confident = rows.filter((r) => r.s.status === 'completed' && r.s.label !== null);
  const voters = neg >= 0 && topIndex !== neg ? confident.filter((r) => r.s.label !== card.labels[neg]) : confident;
  const agree = voters.filter((r) => r.s.label === topLabel).length;
  aggregation.agreement = voters.length ? agree / voters.length : null;

  const probabilities = Object.fromEntries(card.labels.map((l, c) => [l, probs[c]]));
  const base = { ...triageSide, used, aggregation, explainLabels, task: card.name, probabilities, confidence: probs[topIndex] };
  if (unconfirmed) {
    const first = suspicious[0];
    return {
      ...base,
      status: 'inconclusive',
      stage: 'diagnosis',
      code: 'SLICE_DISAGREEMENT',
      label: null,
      ...rule({ cause: 'finding_unconfirmed', figures: { suspicious: suspicious.length, slice: first.row.i + 1, finding: first.typed ? card.describe(first.type) : UNCLEAR_FINDING, confidence: first.figure } }),
    };
  }
  if (voters.length >= 2 && aggregation.agreement !== null && aggregation.agreement < input.agreement) {
    return {
      ...base,
      status: 'inconclusive',
      stage: 'diagnosis',
      code: 'SLICE_DISAGREEMENT',
      label: null,
      explainLabels: withheld,
      ...rule({ cause: 'slice_disagreement', figures: { agree, voters: voters.length, finding: card.describe(topLabel), agreement: input.agreement } }),
    };
  }
  if (probs[topIndex] < card.threshold) {
    return {
      ...base,
      status: 'inconclusive',
      stage: 'diagnosis',
      code: 'LOW_CONFIDENCE',
      label: null,
      explainLabels: withheld,
      ...worded({ cause: 'low_confidence', figures: { finding: card.describe(topLabel), confidence: probs[topIndex], threshold: card.threshold } }),
    };
  }
  return {
    ...base,
    status: 'completed',
    stage: 'diagnosis',
    code: null,
    refusal: null,
    label: topLabel,
    message: `Most likely for this study: ${card.describe(topLabel)} ${neg >= 0 && topIndex !== neg ? findingBasis(decisive, agree, n, card.describe(topLabel), pct(probs[topIndex]), pairWithin !== null) : `(${pct(probs[topIndex])}, from ${familiar.length} of ${n} slices)`}.`,
  };
}

/**
 * A slice whose diagnosis the model withheld as out of its training distribution: the same reading
 * as a record's (record-reason.ts), against the card's threshold — decideDiagnosis gives
 * LOW_CONFIDENCE at or above it for that reason only (below it, a plain low confidence, whose
 * probabilities still count towards the study's).
 */
export function withheldAsUnfamiliar(s: AnalysisResult, card: DiagnosisCardInfo): boolean {
  return s.status === 'inconclusive' && s.task === card.name && withheldOutOfDistribution({ ...s, thresholds: { [card.name]: card.threshold } });
}
