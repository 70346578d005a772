/**
 * The history summary's median timings as the page lists them (history.hbs), per kind of analysis.
 */
import type { HistorySummary } from '../history/history.service';
import { countOf } from './plural';
import { msFigure } from './timing-figure';

/** Stages in the order the pipelines run them (analysis.service.ts, study.service.ts); the total comes last. */
const STAGE_ORDER = ['queue', 'decode', 'preprocess', 'triage', 'slices', 'diagnosis', 'aggregate', 'explanation', 'thumbnails'];
/** Stages that not every analysis reaches: their medians are over fewer analyses than the total's. */
const LATER_STAGES = ['diagnosis', 'explanation'];

function timingRows(medianMs: Record<string, number>): { k: string; v: string }[] {
  const rank = (k: string) => (k === 'total' ? Infinity : STAGE_ORDER.includes(k) ? STAGE_ORDER.indexOf(k) : STAGE_ORDER.length);
  // a stable sort: stages this list does not know keep their recorded order, after the known ones
  return Object.entries(medianMs).sort(([a], [b]) => rank(a) - rank(b)).map(([k, v]) => ({ k, v: msFigure(v) }));
}

/** Why "diagnosis 153.4" may sit above "total 132.3": the first is over the brain images alone. */
function laterStagesNote(rows: { k: string }[]): string {
  const later = LATER_STAGES.filter((k) => rows.some((r) => r.k === k));
  if (!later.length) return '';
  const [one, two] = later;
  return ` · ${two ? `${one} and ${two}: over the analyses that reached them, so their medians` : `${one}: over the analyses that reached it, so its median`} can exceed the total's`;
}

/**
 * The summary's median timings as the page lists them: single images and studies apart, each
 * headed by what its figures are over (one image; a whole study, every slice), with its count;
 * the stages in pipeline order, the total last (they came in the first record's key order, the
 * total in the middle when that record was refused at the triage).
 */
export function timingsView(s: HistorySummary): { id: string; heading: string; note: string; rows: { k: string; v: string }[] }[] {
  const { image, study } = s.medianTimingsByKind;
  const imageRows = timingRows(image.medianMs);
  const studyRows = timingRows(study.medianMs);
  return [
    { id: 'timings-image', heading: 'Median timings, single images (ms)', note: `per image · ${countOf(image.analyses, 'image')}${laterStagesNote(imageRows)}`, rows: imageRows },
    { id: 'timings-study', heading: 'Median timings, studies (ms)', note: `per whole study, all slices · ${countOf(study.analyses, 'study', 'studies')}${laterStagesNote(studyRows)}`, rows: studyRows },
  ];
}
