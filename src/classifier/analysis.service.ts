import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { untilAborted } from '../common/abort';
import { DISCLAIMER } from '../common/disclaimer';
import { AccountRemovedError, AnalysisTimeoutError, DatabaseUnavailableError, driverCode, FileCheckError, isForeignKeyViolation } from '../common/errors';
import { AppConfig } from '../config/config.service';
import { decideDiagnosis } from '../diagnosis/diagnosis-decision';
import { camFocus } from '../explainability/heatmap';
import { DecodeLease, ImageDecodeService } from '../inference/image-decode.service';
import { checkResolution, DecodedImage } from '../inference/image-decoder';
import { encodeAnalysedImageDataUrl, encodeHeatmapDataUrl } from '../inference/image-encoder';
import { HeatmapRun, MODEL_PROVIDER, ModelProvider } from '../inference/model-provider';
import { measureColour } from '../inference/colour-share';
import { appliedThresholds, labelCaveat, type ModelCard } from '../inference/model-card';
import type { RawImage } from '../inference/preprocess';
import { checkFileBytes, sniffImageType } from '../validation/file-checks';
import { scopeFromCards, scopeSentence } from '../presentation/labels';
import { refusalMessage, withScopeFigure } from '../validation/refusal-message';
import type { Refusal } from '../validation/refusal-cause';
import { decideTriage } from '../validation/triage-decision';
import {
  ANALYSIS_RECORDER,
  AnalysisCode,
  AnalysisContext,
  AnalysisRecord,
  AnalysisRecorder,
  AnalysisResult,
  emptyRecord,
  recordedDecision,
} from './analysis-result';

export interface AnalyzeOptions {
  /** render the heat map (default true) */
  explain?: boolean;
  /**
   * The diagnosis label the heat map explains: a study's finding on one of its decisive slices,
   * whatever that slice's own answer (which may be another class, or below the threshold). Default:
   * the image's own answer, when it has one.
   */
  explainLabel?: string;
  /** pass the metadata to the ANALYSIS_RECORDER (default true; false for re-runs such as PDF reports) */
  record?: boolean;
  /** aborts the analysis (the client went away); the timeout aborts it too */
  signal?: AbortSignal;
  /** where its model runs wait for a slot (ModelProvider.runImage): a study's arrival number; 0, a single image */
  rank?: number;
  /**
   * Given the diagnosis run (its card and cam), when there was one: a study keeps it for the heat
   * maps of the slices its answer names (explainPixels) instead of running both models again.
   */
  onDiagnosis?: (run: DiagnosisRun) => void;
}

/** A diagnosis model's run on an image, as much as its heat maps need. */
export interface DiagnosisRun {
  card: ModelCard;
  run: HeatmapRun;
}

/** A rendered heat map and whether a region stands out in it (camFocus; 'none': no overlay drawn). */
export interface ExplainedMap {
  heatmap: string;
  focus: 'region' | 'none';
}

export interface AnalysisOutcome {
  result: AnalysisResult;
  record: AnalysisRecord;
}

/**
 * The one pipeline behind the page, the API, the CLI and the tests:
 * file checks → decode → triage (modality, anatomy) → diagnosis for that body part →
 * confidence threshold → heat map. Refusals are results; unusable files are DomainErrors.
 */
@Injectable()
export class AnalysisService {
  private readonly logger = new Logger(AnalysisService.name);

  constructor(
    private readonly config: AppConfig,
    @Inject(MODEL_PROVIDER) private readonly models: ModelProvider,
    private readonly decoder: ImageDecodeService,
    @Optional() @Inject(ANALYSIS_RECORDER) private readonly recorder?: AnalysisRecorder,
  ) {}

  async analyze(bytes: Buffer, options: AnalyzeOptions = {}, ctx: AnalysisContext = {}): Promise<AnalysisResult> {
    return (await this.analyzeDetailed(bytes, options, ctx)).result;
  }

  /** Like analyze(), also returning the metadata record (sha256, size…) that was recorded. */
  async analyzeDetailed(bytes: Buffer, options: AnalyzeOptions = {}, ctx: AnalysisContext = {}): Promise<AnalysisOutcome> {
    const started = performance.now();
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    let decoded: DecodedImage | undefined;
    // One signal per analysis: the timeout or the caller's (client gone) aborts it; every stage,
    // the pixel budget's queue, the model semaphore and the decode worker call listen to it.
    const ms = this.config.analysisTimeoutMs;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new AnalysisTimeoutError(ms)), ms);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
    try {
      let lease: DecodeLease | undefined;
      const work = this.run(bytes, options, signal, (l) => ((lease = l), (decoded = l.image)), started);
      // the image's pixels go back to the budget when the work has really stopped using them
      void work.then(
        () => lease?.release(),
        () => lease?.release(),
      );
      const { refusal, ...result } = await untilAborted(work, signal);
      const record = { ...this.toRecord(result, sha256, bytes.length, decoded, ctx), refusal: result.status === 'completed' ? null : (refusal ?? null) };
      const analysisId = options.record !== false ? await this.recordOrFail(record) : null;
      // the answer names the check that refused it as its record does: the page's MRI check line
      // gave the triage model's figure for a chart the colour check had refused
      return { result: { ...result, refusal: record.refusal, thresholds: record.thresholds, analysisId }, record };
    } catch (err) {
      if (err instanceof FileCheckError && options.record !== false) {
        // the file's own error is the answer (a 4xx, never a 200); a lost row is only logged
        await this.recordOrFail({
          ...emptyRecord(ctx, sha256, bytes.length, sniffImageType(bytes)),
          status: 'rejected',
          stage: 'file',
          code: err.code,
          refusal: { cause: 'file_check', figures: {} },
        }).catch(() => undefined);
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(
    bytes: Buffer,
    options: AnalyzeOptions,
    signal: AbortSignal,
    onDecoded: (lease: DecodeLease) => void,
    started: number,
  ): Promise<AnalysisResult> {
    const timings: Record<string, number> = {};
    const lap = (name: string, since: number) => (timings[name] = round(performance.now() - since));

    let t = performance.now();
    checkFileBytes(bytes, this.config.maxUploadBytes);
    const triageCard = this.models.triageCard(); // 503 early when models are not loaded
    // every loaded model's input size: a large image is reduced to those where it is decoded (and
    // measured for the colour gate there, as its pixels do not leave the worker)
    const sizes = this.models.cards().map((c) => c.input.size);
    const limits = { maxPixels: this.config.maxInputPixels, minSide: this.config.minImageSide };
    const lease = await this.decoder.decode(bytes, limits, signal, sizes, triageCard.thresholds.colour);
    onDecoded(lease);
    lap('decode', t);
    // a browser draws this file otherwise than the model sees it (16-bit grey, ICC profile, PNG gamma)
    const preview = lease.image.shownOtherwise ? await encodeAnalysedImageDataUrl(lease.image) : undefined;
    const result = await this.runDecoded(lease.image, { ...options, signal }, timings, started);
    return preview ? { ...result, preview } : result;
  }

  /**
   * The same pipeline from an already-decoded 8-bit grey/RGB image (e.g. a DICOM or NIfTI slice
   * from src/studies, windowed to 8 bits), so a slice is never re-encoded: triage → diagnosis →
   * heat map. No file checks, no history record and no timeout of its own — the caller checks
   * its input, records its own metadata and bounds the whole study.
   */
  async analyzePixels(image: RawImage, options: AnalyzeOptions = {}): Promise<AnalysisResult> {
    const started = performance.now();
    checkResolution(image.width, image.height, { maxPixels: this.config.maxInputPixels, minSide: this.config.minImageSide });
    return this.runDecoded(image, options, {}, started);
  }

  private async runDecoded(
    image: RawImage,
    options: AnalyzeOptions,
    timings: Record<string, number>,
    started: number,
  ): Promise<AnalysisResult> {
    const triageCard = this.models.triageCard(); // 503 early when models are not loaded
    const signal = options.signal;
    signal?.throwIfAborted();
    // Each model run prepares its own input from the pixels (next to the model: off the event
    // loop with inference workers); its preparation time is reported as `preprocess`.
    let t = performance.now();
    const triageOut = await this.models.runImage(triageCard.name, image, signal, options.rank);
    const override = this.config.confidenceThresholdOverride;
    const triage = decideTriage(triageCard, triageOut.logits, triageOut.embedding, override, triageOut.borderMean, measureColour(triageCard, image));
    timings.preprocess = round(triageOut.preprocessMs);
    timings.triage = round(performance.now() - t - triageOut.preprocessMs);

    const modelVersions: Record<string, string> = { [triageCard.name]: triageCard.version };
    const common = {
      isMri: triage.isMri,
      mriConfidence: triage.mriConfidence,
      anatomy: triage.anatomy,
      anatomyConfidence: triage.anatomyConfidence,
      explanation: null,
      disclaimer: DISCLAIMER,
      modelVersions,
      // triage-only outcomes: no diagnosis model answered, so nothing to flag; the diagnosis
      // branch below overrides it from that model's card (the one place it is set)
      experimental: false,
      caveat: null,
    };
    const finish = (r: Omit<AnalysisResult, 'timingsMs'>): AnalysisResult => ({
      ...r,
      timingsMs: { ...timings, total: round(performance.now() - started) },
    });
    const triageAnswer = {
      task: triageCard.name,
      label: null,
      confidence: Math.max(...Object.values(triage.probabilities)),
      probabilities: triage.probabilities,
    };

    if (!triage.outcome.accepted) {
      const o = triage.outcome;
      // the scope from the cards loaded now: the one thing the triage decision cannot word itself,
      // stored with the figures so that the record's reason says what this answer said
      const refusal = o.code === 'UNSUPPORTED_BODY_PART' ? withScopeFigure(o.refusal, scopeSentence(scopeFromCards(this.models.cards()))) : o.refusal;
      const message = o.code === 'UNSUPPORTED_BODY_PART' ? (refusalMessage(refusal) ?? o.message) : o.message;
      return finish({ ...common, ...triageAnswer, status: 'rejected', stage: o.stage, code: o.code, message, refusal });
    }

    const bodyPart = triage.outcome.bodyPart;
    const card = this.models.diagnosisCardFor(bodyPart);
    if (!card) {
      const refusal: Refusal = { cause: 'no_validated_model', figures: { bodyPart } };
      return finish({ ...common, ...triageAnswer, status: 'inconclusive', stage: 'diagnosis', code: 'NO_VALIDATED_MODEL', message: refusalMessage(refusal) ?? '', refusal });
    }

    signal?.throwIfAborted();
    t = performance.now();
    const out = await this.models.runImage(card.name, image, signal, options.rank);
    const dx = decideDiagnosis(card, out.logits, out.embedding, override);
    options.onDiagnosis?.({ card, run: { cam: out.cam, camH: out.camH, camW: out.camW, geometry: out.geometry } });
    modelVersions[card.name] = card.version;
    timings.preprocess = round(triageOut.preprocessMs + out.preprocessMs);
    timings.diagnosis = round(performance.now() - t - out.preprocessMs);

    let explanation: AnalysisResult['explanation'] = null;
    const explained = options.explainLabel === undefined ? (dx.status === 'completed' ? dx.topIndex : -1) : card.labels.indexOf(options.explainLabel);
    if (options.explain !== false && explained >= 0) {
      signal?.throwIfAborted();
      t = performance.now();
      explanation = { ...(await this.explain(image, out, explained, options)), label: card.labels[explained], method: 'cam' };
      timings.explanation = round(performance.now() - t);
    }

    return finish({
      ...common,
      explanation,
      status: dx.status,
      stage: 'diagnosis',
      code: dx.code as AnalysisCode | null,
      message: dx.message,
      refusal: dx.refusal,
      task: card.name,
      label: dx.label,
      confidence: dx.confidence,
      probabilities: dx.probabilities,
      experimental: card.experimental,
      caveat: dx.status === 'completed' ? labelCaveat(card, dx.label) : null,
    });
  }

  /**
   * The heat map of `label` from a diagnosis run kept by `onDiagnosis` — what analyzePixels with
   * `explainLabel` renders, without running the models again (the same run on the same pixels);
   * null when the run's model has no such label. With its focus, as an image answer's explanation has.
   */
  async explainPixels(image: RawImage, diagnosis: DiagnosisRun, label: string, options: Pick<AnalyzeOptions, 'signal' | 'rank'> = {}): Promise<ExplainedMap | null> {
    const classIndex = diagnosis.card.labels.indexOf(label);
    if (classIndex < 0) return null;
    options.signal?.throwIfAborted();
    return this.explain(image, diagnosis.run, classIndex, options);
  }

  private async explain(image: RawImage, run: HeatmapRun, classIndex: number, options: Pick<AnalyzeOptions, 'signal' | 'rank'>): Promise<ExplainedMap> {
    // the same rule the heat map's rendering applies: with focus 'none' the heat map is the image without an overlay
    const plane = run.camH * run.camW;
    const { focus } = camFocus(run.cam.subarray(classIndex * plane, (classIndex + 1) * plane));
    const heat = await this.models.heatmap(image, run, classIndex, options.signal, options.rank);
    return { heatmap: await encodeHeatmapDataUrl(heat.data, heat.width, heat.height), focus };
  }

  private toRecord(r: AnalysisResult, sha256: string, byteSize: number, img: DecodedImage | undefined, ctx: AnalysisContext): AnalysisRecord {
    return {
      ...emptyRecord(ctx, sha256, byteSize, img?.format ?? null),
      width: img?.width ?? null,
      height: img?.height ?? null,
      ...recordedDecision(r),
      thresholds: appliedThresholds(r.modelVersions, () => this.models.cards(), this.config.confidenceThresholdOverride),
    };
  }

  /**
   * An answer is only given with its history row: a row that cannot be written fails the request
   * with 503 DATABASE_UNAVAILABLE (never a 200 without it). Logged without any image data.
   */
  private async recordOrFail(record: AnalysisRecord): Promise<string | null> {
    if (!this.recorder) return null;
    try {
      return (await this.recorder.record(record)) || null;
    } catch (err) {
      // the only foreign key of a history row is its user: deleted meanwhile, not a database fault
      if (isForeignKeyViolation(err)) throw new AccountRemovedError();
      this.logger.error(`Could not record analysis metadata: ${driverCode(err)}`);
      throw new DatabaseUnavailableError();
    }
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
