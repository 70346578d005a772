/**
 * History records as people read them: titles instead of UUIDs, words instead of model keys,
 * rounded figures, no broken rows for file errors or studies. Pure mapping from the
 * HistoryItem the service returns; the service and its data access stay as they are.
 */
import { confidenceName, STUDY_CONFIDENCE_NOTE } from './study-confidence';
import type { HistoryItem, HistorySummary } from '../history/history.service';
import { bodyPartLine, capitalise, codeOf, humanBytes, humanCode, humanLabel, humanStage, statusName } from './labels';
import { percent, thresholdPercent } from './percent';
import { labelName, recordTitle, type LoadedLabels } from './label-names';
import { mriCheck, mriFigure, refusedByImageChecks, sliceMeanMri, sliceMeanNotMri } from './mri-check';
import { missingSlicesLine } from '../studies/gap-record';
import { volumeNote } from '../studies/volume-note';
import { windowLine } from '../studies/window-record';
import { copiesNote, unevenLine } from '../studies/study-notes-record';
import { figureAtThreshold, probabilityFigure, recordReason, withheldOutOfDistribution } from './record-reason';
import { NOT_MRI_CAUSES } from '../validation/triage-decision';
import { studyRuleLine, studySeriesLine, studySpacingLine } from './study-lines';
import { countOf } from './plural';
import { msText } from './timing-figure';

export interface ProbabilityView {
  label: string;
  value: string;
  width: string;
  top: boolean;
}

export interface HistoryRowView {
  id: string;
  when: string;
  /** the table's cell, its zone in the column header (tableTime) */
  time: string;
  /** the account's email, else NO_ACCOUNT */
  user: string;
  title: string;
  tone: string;
  badge: string;
  decidedAt: string;
  bodyPart: string;
  confidence: string;
  confidenceWidth: string | null;
  file: string;
  detailsHref: string;
  pdfHref: string;
  /** the record in the links' accessible names (linkName) */
  linkName: string;
}

/**
 * Who analysed a record whose account is gone (userId SET NULL when a user row is deleted): the
 * admin's list showed an empty User cell and the detail page "Analysed … by . Metadata only".
 */
export const NO_ACCOUNT = '— (account no longer on record)';

/** "4 Dec 2026, 18:33 UTC" ("18:33:10 UTC" with `seconds`) */
export function humanTime(iso: string, seconds = false): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}${seconds ? `:${two(d.getUTCSeconds())}` : ''} UTC`;
}

/**
 * The history table's Time cell: "4 Dec 2026, 18:33", the date and the time each unbroken. The cell
 * wrapped to 4 lines at 1280 px and repeated "UTC" under its "Time (UTC)" header on every row.
 */
export function tableTime(iso: string): string {
  return humanTime(iso).replace(/ UTC$/, '').replace(/^(\d+) (\w+) (\d+)/, '$1\u00a0$2\u00a0$3');
}

/**
 * Which record a row's "Details" and "PDF" links are about, for a screen reader's list of links:
 * the result, the time to the second and the id's first 8 characters (the PDF names the whole id).
 * With the result and the minute alone, two rows of one batch read alike; no file name is stored.
 */
function linkName(item: Pick<HistoryItem, 'id' | 'createdAt'>, title: string): string {
  return `${title}, ${humanTime(item.createdAt, true)}, record ${item.id.slice(0, 8)}`;
}

export function tone(item: Pick<HistoryItem, 'status' | 'code'>): string {
  return item.code === 'NO_VALIDATED_MODEL' ? 'info' : item.status;
}

/** The status's one name (statusName); "no validated model" keeps its blue tone, not a name of its own. */
export function badge(item: Pick<HistoryItem, 'status' | 'code'>): string {
  return statusName(item.status);
}

/** What was uploaded, in words; never "( usable)" or a bare byte count. */
export function fileSummary(item: HistoryItem): string {
  if (item.study) {
    const s = item.study;
    const kind = item.fileType === 'nifti' ? 'NIfTI volume' : item.fileType === 'dicom' ? 'DICOM series' : 'Study';
    const slices = typeof s.sliceCount === 'number' ? `${countOf(s.sliceCount, 'slice')}${typeof s.usableSlices === 'number' ? ` (${s.usableSlices} usable)` : ''}` : null;
    return [kind, s.modality && s.modality !== 'OTHER' ? s.modality : null, slices].filter(Boolean).join(' · ');
  }
  if (item.stage === 'file') {
    const type = item.fileType ? item.fileType.toUpperCase() : 'Unrecognised file';
    return `${type} · ${humanBytes(item.byteSize)} · refused at the file checks`;
  }
  const type = item.fileType ? item.fileType.toUpperCase() : 'Image';
  return [type, humanBytes(item.byteSize), item.width && item.height ? `${item.width}×${item.height} px` : null].filter(Boolean).join(' · ');
}

/** Under "Probabilities" when the record has none (refused from its header, every slice refused): a heading over a bare "—" said nothing. */
export const NO_PROBABILITIES = '— (none recorded: no model answered for this analysis)';

/** What a record made before thresholds were stored says instead of one (never today's threshold). */
export const THRESHOLD_NOT_RECORDED = 'not recorded (analysed before thresholds were stored with each record)';

/**
 * The confidence threshold(s) the record was decided at, as stored with it: one figure when every
 * model that ran had the same, else each model's. Today's CONFIDENCE_THRESHOLD is never shown for
 * an old record: it may not be the rule the answer (or refusal) was given under.
 */
export function thresholdLine(item: Pick<HistoryItem, 'thresholds'>): string {
  if (item.thresholds === null) return THRESHOLD_NOT_RECORDED;
  const entries = Object.entries(item.thresholds);
  if (!entries.length) return '— (no model ran)';
  if (entries.every(([, v]) => v === entries[0][1])) return thresholdPercent(entries[0][1]);
  return entries.map(([name, v]) => `${humanLabel(name)} ${thresholdPercent(v)}`).join(', ');
}

/** The figure that decided: the diagnosis confidence, or the triage figure of the stage that refused. */
function decidingFigure(item: HistoryItem): number | null {
  // withheld as out of distribution: the model's figure did not decide it (the list showed "Unable to determine · 94.0 %")
  if (withheldOutOfDistribution(item)) return null;
  if (item.stage === 'diagnosis' && item.code !== 'NO_VALIDATED_MODEL') return item.confidence;
  if (item.stage === 'modality' && refusedByImageChecks(item)) return null; // no model figure decided it
  // an image gate (colour, background, head CT, out of distribution) refused it, as recorded: the model's figure did not
  if (item.refusal && item.refusal.cause !== 'triage_not_mri' && NOT_MRI_CAUSES.includes(item.refusal.cause)) return null;
  if (item.stage === 'modality') return mriFigure(item); // P(not MRI) for the model's NOT_MRI, else P(MRI)
  if (item.stage === 'anatomy' || item.code === 'NO_VALIDATED_MODEL') return item.anatomyConfidence;
  return null;
}

/**
 * The deciding figure in words: one that was compared with a threshold (a diagnosis, a body part,
 * P(MRI)) never reads on the wrong side of it (figureAtThreshold), answered or refused. The MRI
 * check's figure says which it is, as the MRI check line does: a row refused as not confidently
 * an MRI showed P(not MRI) "40.0 %" beside a reason comparing P(MRI) 59.996 % with the threshold.
 */
function decidingPercent(item: HistoryItem, fig: number): string {
  // a study's mean over its slices is said to be one (sliceMeanMri), as its reason and MRI check say it
  if (item.stage === 'modality') {
    if (item.code === 'LOW_CONFIDENCE') return sliceMeanMri(item) ?? `MRI ${figureAtThreshold(item, 'triage', fig)}`;
    const meanNot = sliceMeanNotMri(item);
    return meanNot ? `not MRI ${meanNot}` : `${item.isMri === false ? 'not MRI' : 'MRI'} ${percent(fig)}`;
  }
  if (item.stage === 'diagnosis' && item.code !== 'NO_VALIDATED_MODEL') return figureAtThreshold(item, item.task, fig);
  // the body part: refused at its check, or recognised without a validated model (it passed the triage threshold)
  if (item.code === 'LOW_CONFIDENCE' || item.code === 'NO_VALIDATED_MODEL') return figureAtThreshold(item, 'triage', fig);
  return percent(fig);
}

/** `loaded`: the loaded models' labels (label-names.ts): an earlier model's label is named so; null marks none. */
export function historyRow(item: HistoryItem, loaded: LoadedLabels = null): HistoryRowView {
  const fig = decidingFigure(item);
  const title = recordTitle(item, loaded);
  return {
    id: item.id,
    when: humanTime(item.createdAt),
    time: tableTime(item.createdAt),
    user: item.userEmail ?? NO_ACCOUNT,
    title,
    tone: tone(item),
    badge: badge(item),
    decidedAt: item.code ? `${capitalise(humanStage(item.stage))} · ${humanCode(item.code, codeOf(item))}` : capitalise(humanStage(item.stage)),
    bodyPart: item.anatomy ? capitalise(humanLabel(item.anatomy)) : '—',
    confidence: fig === null ? '—' : decidingPercent(item, fig),
    confidenceWidth: fig === null ? null : `${Math.round(fig * 100)}%`,
    file: fileSummary(item),
    detailsHref: `/history/${item.id}`,
    pdfHref: `/history/${item.id}/report.pdf`,
    linkName: linkName(item, title),
  };
}

/** The record's probabilities, largest first; the refused one as its reason gives it (probabilityFigure). */
export function probabilityViews(item: Parameters<typeof probabilityFigure>[0], loaded: LoadedLabels = null): ProbabilityView[] {
  return Object.entries(item.probabilities ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([k, v], i) => ({ label: labelName(k, loaded), value: probabilityFigure(item, v), width: `${Math.max(0.5, v * 100).toFixed(1)}%`, top: i === 0 }));
}

export function historyDetail(item: HistoryItem, loaded: LoadedLabels = null) {
  const row = historyRow(item, loaded);
  const s = item.study;
  return {
    ...row,
    heading: `${row.title} — ${row.when}`,
    // the reason the record holds (a CT series: its modality), not only the code the title already says
    message: recordReason(item, loaded),
    // an answer's confidence; a refusal's figure is in its reason (it read "Calibrated confidence" under a body-part refusal)
    answerConfidence: item.status === 'completed' && typeof item.confidence === 'number' ? row.confidence : null,
    // a study's figure is combined from its slices' calibrated ones, not itself calibrated: said so
    confidenceName: confidenceName(item),
    confidenceNote: s ? STUDY_CONFIDENCE_NOTE : null,
    mri: mriCheck(item),
    bodyPartLine: bodyPartLine(item),
    model: item.task ? humanLabel(item.task) : '—',
    threshold: thresholdLine(item),
    probabilities: probabilityViews(item, loaded),
    noProbabilities: NO_PROBABILITIES,
    versions: Object.entries(item.modelVersions ?? {}).map(([name, version]) => ({ name: humanLabel(name), version, href: `/models/${name}` })),
    timings: Object.entries(item.timingsMs ?? {}).map(([k, v]) => ({ k, v: msText(v) })),
    sha256: item.sha256,
    study: s
      ? {
          series: studySeriesLine(s),
          spacing: studySpacingLine(s),
          rule: studyRuleLine(item),
          // null (a record older than the column, or positions never checked) reads "not recorded", never "none"
          missingSlices: missingSlicesLine(s.gaps),
          // a 4-D NIfTI: only its first volume was looked at, as the live answer said (null: nothing to say)
          volumes: volumeNote(s.volumes),
          // which window the slices were drawn with, and why the header's was set aside (null: "not recorded", never "header")
          window: windowLine(s),
          // the live answer's uneven-spacing sentence and its copies left out (null: none, or not known — nothing said)
          unevenSpacing: unevenLine(s.unevenSteps, s.spacing?.slice),
          copies: copiesNote(s.copiesDropped),
        }
      : null,
  };
}

/** The summary's key for "no value" (history.service countsOf: null → '—'); a bare dash read as a body part called "—". */
const NO_VALUE = '—';

/**
 * A reason key "status: CODE" (history.service countsOf) in words: "Not an MRI image
 * (rejected)" — the refusal's own label, the status by its one name; the raw key read "Rejected:
 * not mri".
 */
export function reasonLabel(key: string): string {
  const at = key.indexOf(': ');
  if (at < 0) return humanCode(key, 'any');
  const code = key.slice(at + 2);
  const reason = code === 'unknown' ? 'Reason not recorded' : humanCode(code, 'any'); // images and studies together
  return `${reason} (${statusName(key.slice(0, at))})`;
}

/** The summary's keys as words (status, body part, label, reason codes); counts unchanged. */
export function summaryView(s: HistorySummary, loaded: LoadedLabels = null) {
  const map = (list: { key: string; count: number }[], f: (k: string) => string) => list.map((c) => ({ key: f(c.key), count: c.count }));
  return {
    ...s,
    byStatus: map(s.byStatus, (k) => capitalise(statusName(k))),
    // null body part: the file checks or the MRI check decided before triage named one
    byBodyPart: map(s.byBodyPart, (k) => (k === NO_VALUE ? 'Not determined' : capitalise(humanLabel(k)))),
    byLabel: map(s.byLabel, (k) => (k === NO_VALUE ? k : labelName(k, loaded))),
    reasons: map(s.reasons, reasonLabel),
  };
}

export { timingsView } from './history-timings.view';

/** What the history table says when it has no row, and the one link that helps. */
export interface EmptyHistoryView {
  text: string;
  href: string;
  linkText: string;
}

/**
 * An empty table read "No analyses match." in every case: to a first-time user with no filter
 * (nothing to match — they need the way to the analyser), and on a page past the last one (a
 * stale or edited link: "Page 99 of 2", while the records exist). Each case now says which it is;
 * and a cursor's page whose rows were deleted while the pages were walked says that, not "no analyses yet".
 */
export function emptyHistoryView(
  o: { admin: boolean; filtered: boolean; page: number; pages: number; total: number },
  lastPageHref: string,
): EmptyHistoryView {
  if (o.total > 0 && o.page > o.pages) return { text: `This page is past the last one (page ${o.pages}).`, href: lastPageHref, linkText: 'Go to the last page' };
  // records there, none past a cursor's place: the rows that were there went while the pages were walked
  if (o.total > 0) return { text: 'The analyses that were on this page are gone (deleted meanwhile).', href: lastPageHref, linkText: 'Go to the last page' };
  if (o.filtered) return { text: 'No analyses match these filters.', href: '/history', linkText: 'Reset the filters' };
  if (o.admin) return { text: 'No analysis has been recorded yet, by anyone.', href: '/', linkText: 'Analyse an image' };
  return { text: 'You have no analyses yet. Each image or study you analyse is listed here (metadata only).', href: '/', linkText: 'Analyse an image' };
}
