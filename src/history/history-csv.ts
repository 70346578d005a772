import { DISCLAIMER_ASCII } from '../common/disclaimer';
import { recordReason } from '../presentation/record-reason';
import { csvLine } from './csv-writer';
import type { HistoryItem, StudySummary } from './history.service';

/**
 * The history export's columns and one record as a CSV line. A column added later goes after
 * every earlier one (whose positions scripts rely on) and before the disclaimer, which stays last.
 */
export const HISTORY_CSV_HEADER = [
  'id', 'createdAt', 'user', 'status', 'stage', 'code', 'fileType', 'byteSize', 'width', 'height', 'sha256',
  'bodyPart', 'bodyPartConfidence', 'isMri', 'mriConfidence', 'task', 'label', 'confidence',
  'probabilities', 'modelVersions', 'timingsMs',
  // added later, after every earlier column (whose positions stay) and before the disclaimer, which stays last
  'thresholds', 'kind', 'modality', 'seriesDescription', 'slicesAnalysed', 'slicesUsed', 'slicesNotUsed',
  'studyAgreement', 'studyMinUsableSlices', 'studyPairWithin', 'missingSlices', 'niftiVolumes', 'windowing', 'headerWindowIgnored',
  'refusalCause', 'refusalFigures', 'reason',
  'disclaimer',
];

/** Slices of a study its answer was not built from: refused by triage, or of another body part than the vote's. */
function slicesNotUsed(s: StudySummary | null): number | null {
  return s && typeof s.sliceCount === 'number' && typeof s.usableSlices === 'number' ? s.sliceCount - s.usableSlices : null;
}

export function historyCsvRow(i: HistoryItem): string {
  return csvLine([
    i.id, i.createdAt, i.userEmail, i.status, i.stage, i.code, i.fileType, i.byteSize, i.width, i.height, i.sha256,
    i.anatomy, i.anatomyConfidence, i.isMri, i.mriConfidence, i.task, i.label, i.confidence,
    i.probabilities ? JSON.stringify(i.probabilities) : null,
    i.modelVersions ? JSON.stringify(i.modelVersions) : null,
    i.timingsMs ? JSON.stringify(i.timingsMs) : null,
    // empty: not recorded (a row older than the column); {} when no model ran
    i.thresholds ? JSON.stringify(i.thresholds) : null,
    i.study ? 'study' : 'image',
    i.study?.modality ?? null,
    // a scrubbed DICOM text: csvLine defuses a formula in it like any other text cell
    i.study?.seriesDescription ?? null,
    i.study?.sliceCount ?? null,
    i.study?.usableSlices ?? null,
    slicesNotUsed(i.study),
    // the study rule it was decided under; empty: an image, or not recorded
    i.study?.rule?.agreement ?? null,
    i.study?.rule?.minUsableSlices ?? null,
    // how far apart the two slices confirming a finding could be; empty: any two (upload order, or decided before the neighbour rule), an image, or not recorded
    i.study?.rule?.pairWithin ?? null,
    // about how many slices are missing between its positions (0: none found); empty: an image, or not recorded
    i.study?.gaps?.missingSlices ?? null,
    // the volumes a NIfTI's file held, only the first analysed; empty: an image, a DICOM series, or not recorded
    i.study?.volumes ?? null,
    // header | percentile | none, and the set-aside header window's figures (JSON); empty: an image, or not recorded
    i.study?.windowing ?? null,
    i.study?.headerWindowIgnored ? JSON.stringify(i.study.headerWindowIgnored) : null,
    // which check refused it and its message's figures (JSON); empty: answered, or not recorded (a row older than the columns)
    i.refusal?.cause ?? null,
    i.refusal ? JSON.stringify(i.refusal.figures) : null,
    // the reason in words, as the history page and the PDF give it (from the cause when recorded)
    recordReason(i),
    DISCLAIMER_ASCII,
  ]);
}
