import type { Refusal } from '../validation/refusal-cause';

/** The public result object (issue 3) — JSON in the API, rendered on the page, one line in the CLI. */
export type AnalysisStatus = 'completed' | 'inconclusive' | 'rejected';
export type AnalysisStage = 'file' | 'modality' | 'anatomy' | 'diagnosis';
export type AnalysisCode =
  | 'NOT_MRI'
  | 'UNSUPPORTED_BODY_PART'
  | 'LOW_CONFIDENCE'
  | 'NO_VALIDATED_MODEL'
  | 'UNSUPPORTED_TYPE'
  | 'FILE_TOO_LARGE'
  | 'CORRUPT_IMAGE'
  | 'RESOLUTION_OUT_OF_RANGE';

export interface AnalysisResult {
  status: AnalysisStatus;
  /** the stage that decided: the last one that ran */
  stage: AnalysisStage;
  /** why it was refused or inconclusive; null when completed */
  code: AnalysisCode | null;
  message: string;
  isMri: boolean | null;
  mriConfidence: number | null;
  /** body part from triage: brain | knee | spine | other_mri */
  anatomy: string | null;
  anatomyConfidence: number | null;
  /** the model whose probabilities are reported (e.g. brain_tumor, or triage when refused there) */
  task: string | null;
  /** the answer; null unless completed */
  label: string | null;
  /** calibrated probability of the top class of `task` */
  confidence: number | null;
  /** label → calibrated probability, for `task` */
  probabilities: Record<string, number>;
  /**
   * the heat map, the class it is for (the answer's; for a study's slice, the study's finding) and its
   * method: 'cam', the class activation map (explainability/heatmap-text.ts); focus 'none' when no
   * region stands out (nothing above 0, or hot over most of the grid: camFocus) — the heat map is
   * then the image without an overlay
   */
  explanation: { heatmap: string; label: string; method: 'cam'; focus: 'region' | 'none' } | null;
  /** model name → version, for every model that ran */
  modelVersions: Record<string, string>;
  /** per stage, in milliseconds, plus total */
  timingsMs: Record<string, number>;
  disclaimer: string;
  /**
   * true when the diagnosis model that answered (or would have: low confidence) is marked
   * `experimental` in its card, so every view can put the caveat right at the answer;
   * false for triage-only outcomes (refused, or no diagnosis model for the body part).
   */
  experimental: boolean;
  /**
   * What the answering model's held-out figures say against trusting this answer (the card's
   * label_caveats, e.g. that "no tumour" does not rule a tumour out); null when the card has none
   * for the label, and for every result that is not an answer.
   */
  caveat: string | null;
  /**
   * The image as analysed (JPEG data URL, ≤ 448 px a side), only where a browser would draw the
   * upload otherwise: a 16-bit grey PNG (scaled by its maximum for the model; a browser draws the
   * top 8 bits, and a 12-bit scan comes out black), or a file whose ICC profile or PNG gamma a
   * browser applies and the model, as in ml/, does not. Absent for every other upload.
   */
  preview?: string;
  /**
   * model name → the confidence threshold it decided at, for every model in modelVersions ({} when
   * none ran): the map the history record stores and a study's answer gives. Without it the API
   * answer and the CLI line did not say which threshold decided (CONFIDENCE_THRESHOLD or the
   * card's); only the record did. Set by AnalysisService.analyzeDetailed only.
   */
  thresholds?: Record<string, number>;
  /**
   * id of the history record this result was stored as (the report names it, and the server
   * checks the re-sent image's sha256 against it); null when nothing was recorded. Set by
   * AnalysisService.analyzeDetailed only.
   */
  analysisId?: string | null;
  /**
   * Which check refused it, with the figures its message was written from: carried from the
   * decisions to the history record (and from each slice to its study's) and given in the API
   * answer as the record gives it (analyzeDetailed), so a page can name the check that refused
   * rather than a model figure that did not decide. Absent or null when completed.
   */
  refusal?: Refusal | null;
}

/**
 * Metadata of one analysis for history (issue 4). Never pixels, heat maps or file names.
 * Column names match prisma/schema.prisma's Analysis model.
 */
export interface AnalysisRecord {
  userId: string | null;
  /** jpeg | png for single images; dicom | nifti for a study recorded through this hook (src/studies) */
  fileType: 'jpeg' | 'png' | 'dicom' | 'nifti' | null;
  byteSize: number;
  width: number | null;
  height: number | null;
  sha256: string;
  status: AnalysisStatus;
  stage: AnalysisStage | null;
  code: string | null;
  anatomy: string | null;
  anatomyConfidence: number | null;
  isMri: boolean | null;
  mriConfidence: number | null;
  task: string | null;
  label: string | null;
  confidence: number | null;
  probabilities: Record<string, number> | null;
  modelVersions: Record<string, string> | null;
  timingsMs: Record<string, number> | null;
  /**
   * model name → the confidence threshold it decided at (inference/model-card.ts
   * appliedThresholds), for every model in modelVersions; {} when no model ran. Stored with the
   * record because CONFIDENCE_THRESHOLD can change between the analysis and its report.
   */
  thresholds: Record<string, number>;
  /**
   * which check refused it and the figures its message needs (validation/refusal-cause.ts); null
   * when completed; absent: not known (the record stores null, read as "not recorded"). The
   * history shows a stored record's reason from it, as the answer gave it.
   */
  refusal?: Refusal | null;
}

/** The decision fields a history record copies from a result: one mapping for images, studies and reports. */
export type RecordedDecision = Pick<
  AnalysisRecord,
  'status' | 'code' | 'anatomy' | 'anatomyConfidence' | 'isMri' | 'mriConfidence' | 'task' | 'label' | 'confidence'
> & {
  stage: AnalysisStage;
  probabilities: Record<string, number>;
  modelVersions: Record<string, string>;
  timingsMs: Record<string, number>;
};

export function recordedDecision(r: RecordedDecision): RecordedDecision {
  return {
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
    probabilities: r.probabilities,
    modelVersions: r.modelVersions,
    timingsMs: r.timingsMs,
  };
}

type DecisionKey = 'status' | 'stage' | 'code' | 'message' | 'isMri' | 'mriConfidence' | 'anatomy' | 'anatomyConfidence' | 'task' | 'label' | 'confidence' | 'probabilities';

/**
 * The decision an answer gives, its message included, in the order the API lists it: what a study's slice
 * entries (an image result) and the CLI's study lines (a study result) copy — one list, not a copy per caller.
 */
export function decisionFields<T extends Record<DecisionKey, unknown>>(r: T): Pick<T, DecisionKey> {
  return {
    status: r.status,
    stage: r.stage,
    code: r.code,
    message: r.message,
    isMri: r.isMri,
    mriConfidence: r.mriConfidence,
    anatomy: r.anatomy,
    anatomyConfidence: r.anatomyConfidence,
    task: r.task,
    label: r.label,
    confidence: r.confidence,
    probabilities: r.probabilities,
  };
}

/** Who asked; filled by the controllers from the authenticated request (issue 4). */
export interface AnalysisContext {
  userId?: string | null;
}

/**
 * A record before any stage decided: who, which bytes, every decision field empty. Images and
 * studies start from it, so a field added to AnalysisRecord has one place to be left empty.
 */
export function emptyRecord(ctx: AnalysisContext, sha256: string, byteSize: number, fileType: AnalysisRecord['fileType']): AnalysisRecord {
  return {
    userId: ctx.userId ?? null,
    fileType,
    byteSize,
    width: null,
    height: null,
    sha256,
    status: 'rejected',
    stage: null,
    code: null,
    anatomy: null,
    anatomyConfidence: null,
    isMri: null,
    mriConfidence: null,
    task: null,
    label: null,
    confidence: null,
    probabilities: null,
    modelVersions: null,
    timingsMs: null,
    thresholds: {},
    refusal: null,
  };
}

/**
 * Hook for the history feature: called once per analysis — completed, inconclusive, rejected
 * or failed file checks — with metadata only. Provide it under ANALYSIS_RECORDER from a
 * @Global() module; without one, nothing is recorded.
 */
export interface AnalysisRecorder {
  /** resolves to the stored record's id (undefined when nothing was stored) */
  record(record: AnalysisRecord): Promise<string | void>;
}
export const ANALYSIS_RECORDER = Symbol('ANALYSIS_RECORDER');
