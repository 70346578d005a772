import type { AnalysisRecord } from '../classifier/analysis-result';
import type { HistoryItem, StudySummary } from '../history/history.service';
import type { PrismaService } from '../prisma/prisma.service';
import { parseRecordedGaps } from '../studies/gap-record';
import { ruleEntries, splitStoredThresholds } from '../studies/study-rule';
import { parseRecordedWindow, RecordedWindow } from '../studies/window-record';
import { parseRecordedUneven } from '../studies/study-notes-record';
import { isRefusalCause, type Refusal, type RefusalFigures } from '../validation/refusal-cause';

/**
 * The Analysis table's columns as the domain reads them, and back: `toRow` (record → row) and
 * `toItem` (row → item) are the only copies of the field list. AnalysisRepository, the one
 * class that reads and writes the table, maps through these; kept apart from its queries because
 * a column is added here (and in the schema) without touching how rows are found.
 */

/**
 * The study-only columns (src/studies) as the recorder gives them; absent for a single image. The
 * history's StudySummary field for field (its comments say what each null means), but for the
 * window, which is written as one value and read back as the live answer's two names.
 */
export type StudyColumns = Omit<StudySummary, 'windowing' | 'headerWindowIgnored'> & {
  /** the window its slices were drawn with (window-record.ts); null when no pixel was read */
  window: RecordedWindow | null;
};

export function parseJson<T>(s: string | null): T | null {
  if (!s) return null;
  try {
    return JSON.parse(s) as T;
  } catch {
    return null;
  }
}

const json = (v: object | null | undefined): string | null => (v ? JSON.stringify(v) : null);

/** An AnalysisRecord (+ study columns) as the table's columns: JSON-encoded maps, portable to PostgreSQL. */
export function toRow(r: AnalysisRecord, study?: StudyColumns) {
  return {
    userId: r.userId,
    createdAt: new Date(),
    fileType: r.fileType,
    byteSize: r.byteSize,
    width: r.width,
    height: r.height,
    sha256: r.sha256,
    status: r.status,
    stage: r.stage,
    code: r.code,
    anatomy: r.anatomy,
    anatomyConfidence: r.anatomyConfidence,
    isMri: r.isMri,
    mriConfidence: r.mriConfidence,
    task: r.task,
    label: r.label,
    confidence: r.confidence,
    probabilitiesJson: json(r.probabilities),
    modelVersionsJson: json(r.modelVersions),
    timingsJson: json(r.timingsMs),
    // a study's rule rides in the same map under keys no model name can take (study-rule.ts)
    thresholdsJson: JSON.stringify({ ...r.thresholds, ...ruleEntries(study?.rule) }),
    refusalCause: r.refusal?.cause ?? null,
    refusalFiguresJson: r.refusal ? JSON.stringify(r.refusal.figures) : null,
    ...(study
      ? {
          kind: 'study',
          modality: study.modality,
          seriesDescription: study.seriesDescription,
          sliceCount: study.sliceCount,
          usableSlices: study.usableSlices,
          spacingJson: json(study.spacing),
          sliceGapsJson: json(study.gaps),
          niftiVolumes: study.volumes,
          windowingJson: json(study.window),
          unevenStepsJson: json(study.unevenSteps),
          copiesDropped: study.copiesDropped,
        }
      : {}),
  };
}

/** Codes only a study gives (src/studies), of those the builds before `kind` recorded. */
const STUDY_ONLY_CODES: ReadonlySet<string> = new Set(['MIXED_SERIES', 'UNSUPPORTED_TRANSFER_SYNTAX', 'TOO_MANY_SLICES', 'INSUFFICIENT_SLICES', 'SLICE_DISAGREEMENT']);

/**
 * Whether a row is a study. The builds before the study columns (migration 20261128160000_studies)
 * had no `kind`: they recorded a study through the single-image recorder, as fileType dicom | nifti
 * (or NULL with its code, refused at its file checks) and kind NULL. A single image is only ever
 * jpeg | png (NULL when refused before its type was known) and never has a study's code, so such a
 * row is a study whose study columns were not recorded — not an image named "DICOM · 2 MB ·
 * 256×256 px" whose whole-study timings the summary pooled with the images'.
 */
export function isStudyRow(r: { kind: string | null; fileType: string | null; code: string | null }): boolean {
  if (r.kind !== null) return r.kind === 'study';
  return r.fileType === 'dicom' || r.fileType === 'nifti' || (r.code !== null && STUDY_ONLY_CODES.has(r.code));
}

export type Row = Awaited<ReturnType<PrismaService['analysis']['findFirstOrThrow']>> & { user?: { email: string } | null };

export function toItem(r: Row): HistoryItem {
  // null: a row from before the column (not recorded), never filled in with today's threshold;
  // the study rule likewise null for a row stored before it was
  const { thresholds, rule } = splitStoredThresholds(parseJson(r.thresholdsJson));
  return {
    id: r.id,
    createdAt: r.createdAt.toISOString(),
    userId: r.userId,
    userEmail: r.user?.email ?? null,
    fileType: r.fileType,
    byteSize: r.byteSize,
    width: r.width,
    height: r.height,
    sha256: r.sha256,
    status: r.status,
    stage: r.stage,
    code: r.code,
    anatomy: r.anatomy,
    anatomyConfidence: r.anatomyConfidence,
    isMri: r.isMri,
    mriConfidence: r.mriConfidence,
    task: r.task,
    label: r.label,
    confidence: r.confidence,
    probabilities: parseJson(r.probabilitiesJson),
    modelVersions: parseJson(r.modelVersionsJson),
    timingsMs: parseJson(r.timingsJson),
    thresholds,
    study: isStudyRow(r)
      ? {
          modality: r.modality,
          seriesDescription: r.seriesDescription,
          sliceCount: r.sliceCount,
          usableSlices: r.usableSlices,
          spacing: parseJson(r.spacingJson),
          rule,
          // validated on the way out: a value recordGaps did not write reads as not recorded
          gaps: parseRecordedGaps(r.sliceGapsJson),
          volumes: r.niftiVolumes,
          // validated on the way out, as the gaps: null (not recorded) is never read as "header"
          ...windowSummary(parseRecordedWindow(r.windowingJson)),
          // validated on the way out, as the gaps: null is not known, and the pages say nothing
          unevenSteps: parseRecordedUneven(r.unevenStepsJson),
          copiesDropped: r.copiesDropped,
        }
      : null,
    refusal: storedRefusal(r.refusalCause, r.refusalFiguresJson),
  };
}

/**
 * The stored refusal, validated on the way out: a cause this build does not know, or figures that
 * are not a map of numbers and names, read as not recorded (null) — the reason is then rebuilt
 * from the other columns, as for a row older than the columns.
 */
function storedRefusal(cause: string | null, figuresJson: string | null): Refusal | null {
  if (!isRefusalCause(cause)) return null;
  const figures = parseJson<unknown>(figuresJson);
  if (!figures || typeof figures !== 'object' || Array.isArray(figures)) return null;
  const valid = Object.values(figures).every((v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)));
  return valid ? { cause, figures: figures as RefusalFigures } : null;
}

/** The API's names for the recorded window (the live answer's study.windowing / headerWindowIgnored); both null when not recorded. */
function windowSummary(w: RecordedWindow | null): { windowing: RecordedWindow['windowing'] | null; headerWindowIgnored: RecordedWindow['headerWindowIgnored'] } {
  return { windowing: w?.windowing ?? null, headerWindowIgnored: w?.headerWindowIgnored ?? null };
}
