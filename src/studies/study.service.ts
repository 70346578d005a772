import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ANALYSIS_RECORDER, AnalysisContext, AnalysisRecorder } from '../classifier/analysis-result';
import { AnalysisService, DiagnosisRun } from '../classifier/analysis.service';
import { untilAborted } from '../common/abort';
import { DISCLAIMER } from '../common/disclaimer';
import { AccountRemovedError, AnalysisTimeoutError, DatabaseUnavailableError, driverCode, FileCheckError, isForeignKeyViolation } from '../common/errors';
import { AppConfig } from '../config/config.service';
import { ImageDecodeService } from '../inference/image-decode.service';
import { MODEL_PROVIDER, ModelProvider } from '../inference/model-provider';
import { appliedThresholds, confidenceThreshold, labelCaveat } from '../inference/model-card';
import { Semaphore } from '../inference/semaphore';
import { HeaderPool, headerPool as processHeaderPool } from './header-pool';
import { headerRefusal } from './header-refusal';
import { sliceThumbnails, toSlice } from './slice-results';
import { aggregateStudy, DiagnosisCardInfo, PAIR_WITHIN, StudyAnswer } from './study-aggregate';
import { mapLimited } from './map-limited';
import { studyHeatmaps, StudyHeatmaps } from './study-heatmaps';
import { gapNote, unevenNote } from './slice-gaps';
import { copiesNote } from './study-notes-record';
import { volumeNote } from './volume-note';
import { windowNote } from './window-check';
import { loadStudy } from './study-loader';
import { STUDY_RECORDER, StudyRecord, StudyRecorder, StudyResult } from './study-result';
import { refusedRecord, toAnalysisRecord, toRecord } from './study-record';
import type { StudyRule } from './study-rule';
import { humanLabel } from '../presentation/labels';

export interface StudyOutcome {
  result: StudyResult;
  record: StudyRecord;
}

export interface StudyRunOptions {
  /** aborts the study (the client went away: clientGone); its own STUDY_TIMEOUT_MS aborts it too */
  signal?: AbortSignal;
  /**
   * Given the promise that settles once the study's work has really stopped — after an abort,
   * at its next check, which may be after the answer — so whoever holds resources for it (the
   * upload's bytes) gives them back then, not while the work still uses them.
   */
  onStopped?: (stopped: Promise<void>) => void;
}

/**
 * A study (DICOM series or NIfTI volume) → one answer. Files are opened and checked in memory
 * (src/studies/study-loader), each slice goes through the one AnalysisService pipeline as an
 * already-decoded grey image, then the pure study decision (study-aggregate) gives the answer.
 * The study is bounded by STUDY_TIMEOUT_MS; logs carry counts and codes only. One signal per
 * study (the timeout or the caller's) reaches every stage: loading checks it between chunks of
 * ~1 M pixels, the slices' model runs leave their queue with it, so an aborted study stops
 * within one chunk of work instead of running on for nobody.
 */
@Injectable()
export class StudyService {
  private readonly logger = new Logger(StudyService.name);
  /**
   * Studies worked on at once (STUDY_CONCURRENCY); the others wait in turn, at most
   * STUDY_QUEUE_LIMIT of them, each within its own deadline. Each study keeps INFERENCE_POOL_SIZE slice runs in
   * flight, so studies unbounded put studies × pool size runs on the model queue: ten at once
   * overflowed it and one failed with 503 after its decode and half its slices.
   */
  private readonly slots: Semaphore;
  /**
   * Studies received so far: each study's number ranks its model runs (ModelProvider.runImage), so
   * the model pool serves the studies in the order they came and ten at once finish one after
   * another instead of all near the end (the STUDY_CONCURRENCY studies being worked on used to
   * share the models evenly); single images (rank 0) go before any study's runs.
   */
  private arrivals = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly analysis: AnalysisService,
    @Inject(MODEL_PROVIDER) private readonly models: ModelProvider,
    /** its pixel budget, shared with uploads: every study frame or slice above 1 MP is read within it (frame-budget.ts) */
    @Inject(ImageDecodeService) private readonly images: Pick<ImageDecodeService, 'budget'>,
    @Optional() @Inject(STUDY_RECORDER) private readonly recorder?: StudyRecorder,
    @Optional() @Inject(ANALYSIS_RECORDER) private readonly analysisRecorder?: AnalysisRecorder,
    /** where headers of more than 4,096 entries are parsed: the app's (StudiesModule), or the process's when built by hand */
    @Optional() @Inject(HeaderPool) private readonly headerPool: HeaderPool = processHeaderPool,
  ) {
    this.slots = new Semaphore(config.studyConcurrency, config.studyQueueLimit);
  }

  /** Studies being worked on and waiting their turn (a 503 past STUDY_QUEUE_LIMIT waiting). */
  studySlots(): { inUse: number; queued: number } {
    return { inUse: this.slots.inUse, queued: this.slots.queued };
  }

  async analyze(files: Uint8Array[], ctx: AnalysisContext = {}, options: StudyRunOptions = {}): Promise<StudyResult> {
    return (await this.analyzeDetailed(files, ctx, options)).result;
  }

  async analyzeDetailed(files: Uint8Array[], ctx: AnalysisContext = {}, options: StudyRunOptions = {}): Promise<StudyOutcome> {
    const started = performance.now();
    const hash = createHash('sha256');
    let byteSize = 0;
    for (const f of files) {
      hash.update(f);
      byteSize += f.length;
    }
    const sha256 = hash.digest('hex');
    const ms = this.config.studyTimeoutMs;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new AnalysisTimeoutError(ms)), ms);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
    // the wait for a turn counts against the study's deadline; an abort takes it out of the line
    const queuedAt = performance.now();
    const rank = ++this.arrivals;
    const work = this.slots.use(() => this.run(files, started, queuedAt, signal, rank), signal);
    // settles (never rejects) when the work has stopped; also keeps its rejection handled when
    // the answer was the signal's
    const stopped = work.then(
      () => undefined,
      () => undefined,
    );
    options.onStopped?.(stopped);
    try {
      // answered at once on abort (504 / client gone); the work stops at its next check
      const result = await untilAborted(work, signal);
      const record = toRecord(result, ctx, byteSize, sha256, result.thresholds);
      this.logger.log(
        `study ${result.study.format}: ${result.study.sliceCount} slices${result.study.skipped.count ? ` (${result.study.skipped.count} other files skipped)` : ''} → ${result.status}${result.code ? ` ${result.code}` : ''} in ${result.timingsMs.total} ms`,
      );
      const analysisId = await this.recordOrFail(record);
      // the answer names the check that refused it as its record does (null when answered)
      return { result: { ...result, refusal: record.refusal, analysisId }, record };
    } catch (err) {
      const code = err && typeof err === 'object' && 'code' in err ? String((err as { code: unknown }).code) : 'ERROR';
      this.logger.log(`study refused: ${code}`);
      if (err instanceof FileCheckError) {
        // like a single image's file-check failure: a metadata row with stage "file" and the code
        await this.recordOrFail(refusedRecord(ctx, byteSize, sha256, err.code)).catch(() => undefined); // the file's own 4xx is the answer; a lost row is logged
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(files: Uint8Array[], started: number, queuedAt: number, signal: AbortSignal, rank: number): Promise<StudyResult> {
    signal.throwIfAborted();
    const timings: Record<string, number> = {};
    const lap = (name: string, since: number) => (timings[name] = round(performance.now() - since));
    lap('queue', queuedAt); // waiting for a turn (STUDY_CONCURRENCY)
    let t = performance.now();
    const loaded = await loadStudy(files, {
      maxBytes: this.config.studyMaxBytes,
      maxSlices: this.config.studyMaxSlices,
      minSide: this.config.minImageSide,
      maxPixels: this.config.studyMaxSlicePixels,
    }, signal, this.images.budget, this.headerPool);
    lap('decode', t);
    const finish = (r: Omit<StudyResult, 'timingsMs' | 'disclaimer' | 'thresholds'>): StudyResult => ({
      ...r,
      // the thresholds it was decided at: the answer's and the record's are the one map
      thresholds: appliedThresholds(r.modelVersions, () => this.models.cards(), this.config.confidenceThresholdOverride),
      disclaimer: DISCLAIMER,
      timingsMs: { ...timings, total: round(performance.now() - started) },
    });

    if (loaded.kind !== 'slices') {
      const refused = headerRefusal(loaded, this.models.isReady() ? this.models.cards() : []);
      // its copies said here too: the record keeps them, and its history page says so (study-notes-record.ts)
      const copies = copiesNote(loaded.meta.copiesDropped);
      return finish(copies ? { ...refused, message: `${refused.message} ${copies}` } : refused);
    }
    this.models.triageCard(); // 503 before any work when models are not loaded

    t = performance.now();
    // each slice's diagnosis run is kept (its cam: a few hundred floats) for the heat maps below
    const diagnoses = new Map<number, DiagnosisRun>();
    const perSlice = await mapLimited(loaded.slices.map((s, i) => ({ image: s.image, i })), Math.max(1, this.config.inferencePoolSize), signal, ({ image, i }) =>
      this.analysis.analyzePixels(image, { explain: false, signal, rank, onDiagnosis: (d) => diagnoses.set(i, d) }),
    );
    lap('slices', t);

    t = performance.now();
    const override = this.config.confidenceThresholdOverride;
    const rule = this.rule();
    const answer = aggregateStudy({
      slices: perSlice,
      minUsable: rule.minUsableSlices,
      agreement: rule.agreement,
      // neighbours only where the order is anatomy's: upload order (no position, no instance number) may not be
      pairWithin: loaded.meta.ordering === 'upload_order' ? null : PAIR_WITHIN,
      // …counted across the slices missing between positions: two files either side of a gap are not neighbours
      gaps: loaded.meta.gaps,
      cardFor: (bodyPart): DiagnosisCardInfo | undefined => {
        const card = this.models.diagnosisCardFor(bodyPart);
        return card && {
          name: card.name,
          labels: card.labels,
          threshold: confidenceThreshold(card, override),
          // the pages' words, as the title names the class (diagnosis-decision.ts): not the card's description, nor the key
          describe: (l) => humanLabel(l),
        };
      },
    });
    lap('aggregate', t);

    t = performance.now();
    let heatmaps: StudyHeatmaps = new Map();
    if (answer.status === 'completed' || (answer.status === 'inconclusive' && answer.stage === 'diagnosis')) {
      heatmaps = await studyHeatmaps(this.analysis, answer, loaded.slices.map((s) => s.image), diagnoses, signal, rank);
      lap('explanation', t);
      t = performance.now();
    }
    // one at a time, a turn of the event loop between slices (slice-results.ts)
    const thumbs = await sliceThumbnails(loaded.slices.map((s) => s.image), signal);
    lap('thumbnails', t);

    const modelVersions: Record<string, string> = {};
    for (const r of perSlice) Object.assign(modelVersions, r.modelVersions);
    const slices = perSlice.map((r, i) => toSlice(r, i, loaded.slices[i].position, thumbs[i], heatmaps.get(i) ?? null, answer.used.has(i)));
    const decisive = answer.aggregation.decisiveSlices.filter((i) => heatmaps.has(i));
    // an answer from the slices says where slices are missing, and which volume of a 4-D NIfTI it is about (the page, the record and the PDF carry the message)
    // …and when the header's window was set aside for flattening the head (window-check.ts)
    const ignored = loaded.meta.headerWindowIgnored;
    const notes = [
      answer.status === 'rejected' ? null : gapNote(loaded.meta.gaps, loaded.meta.spacing.slice),
      // …and where a step is unlike the spacing shown, as gaps only where the order is by position
      answer.status === 'rejected' ? null : unevenNote(loaded.meta.unevenSteps, loaded.meta.spacing.slice),
      // …and how many files were left out as copies of other slices: 10 files and an answer of 8 slices, said why
      copiesNote(loaded.meta.copiesDropped),
      volumeNote(loaded.meta.volumes),
      ignored ? windowNote(ignored) : null,
    ].filter((n) => n !== null);
    return finish({
      ...pickAnswer(answer),
      ...(notes.length ? { message: [answer.message, ...notes].join(' ') } : {}),
      explanation: decisive.length
        ? { heatmap: heatmaps.get(decisive[0])!.heatmap, focus: heatmaps.get(decisive[0])!.focus, sliceIndex: decisive[0], slices: decisive.map((i) => ({ index: i, ...heatmaps.get(i)! })) }
        : null,
      modelVersions,
      // flagged when the study's answering model (its task) is: each slice result already carries
      // that card's flag (set in AnalysisService only); a triage-decided study stays false
      experimental: perSlice.some((r) => r.experimental && r.task === answer.task),
      caveat: answer.status === 'completed' ? labelCaveat(this.models.cards().find((c) => c.name === answer.task), answer.label) : null,
      study: { ...loaded.meta, aggregation: answer.aggregation },
      slices,
    });
  }

  /** The study settings every decision of this process is aggregated under; the answer carries them (aggregation.settings) to the page, the API and the record. */
  private rule(): Omit<StudyRule, 'pairWithin'> {
    return { agreement: this.config.studyAgreement, minUsableSlices: this.config.studyMinUsableSlices };
  }

  /**
   * History: a STUDY_RECORDER when one is provided (it can keep modality, slice count and
   * spacing); otherwise the single-analysis ANALYSIS_RECORDER gets the study's answer as one
   * record (fileType dicom | nifti, slice dimensions) — metadata only either way. A row that
   * cannot be written fails the study with 503 DATABASE_UNAVAILABLE (logged without any data).
   */
  private async recordOrFail(record: StudyRecord): Promise<string | null> {
    try {
      if (this.recorder) return (await this.recorder.recordStudy(record)) || null;
      if (this.analysisRecorder) return (await this.analysisRecorder.record(toAnalysisRecord(record))) || null;
    } catch (err) {
      // the only foreign key of a history row is its user: deleted meanwhile, not a database fault
      if (isForeignKeyViolation(err)) throw new AccountRemovedError();
      this.logger.error(`Could not record study metadata: ${driverCode(err)}`);
      throw new DatabaseUnavailableError();
    }
    return null;
  }
}

function pickAnswer(a: StudyAnswer) {
  return {
    status: a.status,
    stage: a.stage,
    code: a.code,
    message: a.message,
    refusal: a.refusal,
    isMri: a.isMri,
    mriConfidence: a.mriConfidence,
    anatomy: a.anatomy,
    anatomyConfidence: a.anatomyConfidence,
    task: a.task,
    label: a.label,
    confidence: a.confidence,
    probabilities: a.probabilities,
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
