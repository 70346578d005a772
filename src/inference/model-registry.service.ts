import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import './ort-telemetry';
import * as ort from 'onnxruntime-node';
import { AnalysisUnavailableError } from '../common/errors';
import type { ReadinessCheck } from '../common/readiness';
import { AppConfig } from '../config/config.service';
import { renderHeatmap, RgbImage } from '../explainability/heatmap';
import { InferenceWorkers, WorkerModel } from './inference-workers';
import { heatmapSource } from './inference-protocol';
import { compileCardValidator, ModelCard, ModelCardError } from './model-card';
import { contractMismatch, contractShape } from './model-outputs';
import type { HeatmapRun, ImageRun, ModelOutputs, ModelProvider } from './model-provider';
import { PreparePool } from './prepare-pool';
import { borderMean, type RawImage } from './preprocess';
import { Semaphore } from './semaphore';
import { SPAWN_WORKER, type SpawnWorker } from './spawn-worker';

interface LoadedModel {
  card: ModelCard;
  /** this thread's session: only without inference workers (INFERENCE_WORKERS=0) */
  session?: ort.InferenceSession;
  /** the verified model.onnx, kept only until the inference workers have opened it */
  bytes?: Uint8Array;
}

/** The contract's schema, from the repository (the code was written against it), not MODELS_DIR. */
export const CARD_SCHEMA_FILE = path.resolve(__dirname, '../../models/model_card.schema.json');

type State = { kind: 'loading' } | { kind: 'ready' } | { kind: 'failed'; errors: string[] };

/**
 * Loads every models/<name>/ (card validated against the schema, model.onnx checked against
 * the card's sha256) into one onnxruntime session each, once, at start-up. Any failure leaves
 * the registry not ready (analyses answer 503 ANALYSIS_UNAVAILABLE, /readyz says why); `npm start`
 * and the CLI then stop with the reason (src/startup.ts).
 */
@Injectable()
export class ModelRegistry implements ModelProvider, ReadinessCheck, OnModuleInit, OnModuleDestroy {
  readonly name = 'models';
  private readonly logger = new Logger(ModelRegistry.name);
  private readonly models = new Map<string, LoadedModel>();
  private state: State = { kind: 'loading' };
  private readonly pool: Semaphore;
  /** INFERENCE_WORKERS > 0: models run in worker threads (see inference-workers.ts) */
  private workers: InferenceWorkers | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly preparer: PreparePool,
    @Optional() @Inject(SPAWN_WORKER) private readonly spawn?: SpawnWorker,
  ) {
    this.pool = new Semaphore(config.inferencePoolSize, config.inferenceQueueLimit);
  }

  async onModuleInit(): Promise<void> {
    await this.load();
  }

  async onModuleDestroy(): Promise<void> {
    await this.workers?.close();
  }

  async load(): Promise<void> {
    const errors: string[] = [];
    try {
      const dir = this.config.modelsDir;
      const validate = compileCardValidator(CARD_SCHEMA_FILE);
      const names = fs
        .readdirSync(dir)
        // statSync (not the dirent) so symlinked model folders count too; hidden folders are no models
        .filter((name) => !name.startsWith('.') && fs.statSync(path.join(dir, name)).isDirectory())
        .sort();
      for (const name of names) {
        try {
          // A folder with a graph and no card is a model copied in part, not "no model": skipped, the service
          // started and answered every brain MRI 200 "no validated diagnosis model" when brain_tumor's was lost.
          // A folder with neither (a volume root's lost+found, a __pycache__) is not a model at all.
          const hasCard = fs.existsSync(path.join(dir, name, 'model_card.json'));
          if (!hasCard && !fs.existsSync(path.join(dir, name, 'model.onnx'))) continue;
          if (!hasCard) throw new ModelCardError('no model_card.json in the folder');
          this.models.set(name, await this.loadOne(path.join(dir, name), validate));
        } catch (err) {
          errors.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      const triage = [...this.models.values()].filter((m) => m.card.kind === 'triage');
      if (triage.length !== 1) errors.push(`expected exactly one triage model, found ${triage.length}`);
      if (!errors.length && this.config.inferenceWorkers > 0) await this.startWorkers();
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
    if (errors.length) {
      this.state = { kind: 'failed', errors };
      this.logger.error(`Models not loaded: ${errors.join(' | ')}`);
    } else {
      this.state = { kind: 'ready' };
      this.logger.log(`Models loaded: ${[...this.models.values()].map((m) => `${m.card.name}@${m.card.version}`).join(', ')}`);
    }
  }

  private async loadOne(dir: string, validate: (v: unknown) => ModelCard): Promise<LoadedModel> {
    const card = validate(readCardJson(path.join(dir, 'model_card.json')));
    if (card.name !== path.basename(dir)) throw new ModelCardError(`card name "${card.name}" differs from its folder`);
    const bytes = fs.readFileSync(path.join(dir, card.onnx.file));
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (sha !== card.onnx.sha256) throw new ModelCardError(`model.onnx sha256 ${sha} does not match the card`);
    // With inference workers the sessions are opened there only: a session opened here and
    // released would keep ~110 MB of this process's RSS (onnxruntime does not hand it back).
    if (this.config.inferenceWorkers > 0) return { card, bytes };
    const session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: this.config.intraOpThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    const mismatch = contractMismatch(session, contractShape(card));
    if (mismatch) throw new ModelCardError(mismatch);
    return { card, session };
  }

  /** Opens the verified models in INFERENCE_WORKERS worker threads (a failure leaves the app not ready). */
  private async startWorkers(): Promise<void> {
    const models: WorkerModel[] = [...this.models.values()].map((m) => ({
      name: m.card.name,
      triage: m.card.kind === 'triage',
      bytes: m.bytes!,
      inputName: m.card.input.name,
      backgroundBand: m.card.thresholds.background?.band ?? null,
      size: m.card.input.size,
      normalization: m.card.input.normalization,
      contract: contractShape(m.card),
    }));
    const workers = new InferenceWorkers(models, this.config.inferenceWorkers, this.config.intraOpThreads, {
      jobTimeoutMs: this.config.inferenceJobTimeoutMs,
      spawn: this.spawn,
    });
    try {
      await workers.start();
    } catch (err) {
      await workers.close();
      throw new Error(`inference workers did not start: ${err instanceof Error ? err.message : String(err)}`);
    }
    // the workers own the sessions now (and InferenceWorkers the bytes, to replace a dead worker)
    for (const m of this.models.values()) delete m.bytes;
    this.workers = workers;
    this.logger.log(`Inference in ${this.config.inferenceWorkers} worker thread(s), ${this.config.intraOpThreads} onnxruntime thread(s) each`);
  }

  async check(): Promise<{ ok: boolean; detail?: string }> {
    const stuck = this.workers?.loadTrouble();
    if (this.state.kind === 'ready' && stuck) return { ok: false, detail: stuck };
    if (this.state.kind === 'ready') return { ok: true, detail: Object.entries(this.versions()).map(([n, v]) => `${n}@${v}`).join(', ') };
    return { ok: false, detail: this.state.kind === 'failed' ? this.state.errors.join(' | ') : 'loading' };
  }

  /** Model slots taken and callers waiting for one (the semaphore of INFERENCE_POOL_SIZE). */
  modelSlots(): { inUse: number; queued: number } {
    return { inUse: this.pool.inUse, queued: this.pool.queued };
  }

  isReady(): boolean {
    return this.state.kind === 'ready';
  }

  private requireReady(): void {
    if (this.state.kind !== 'ready') throw new AnalysisUnavailableError();
  }

  triageCard(): ModelCard {
    this.requireReady();
    const t = [...this.models.values()].find((m) => m.card.kind === 'triage');
    if (!t) throw new AnalysisUnavailableError();
    return t.card;
  }

  diagnosisCardFor(bodyPart: string): ModelCard | undefined {
    this.requireReady();
    return [...this.models.values()].find((m) => m.card.kind === 'diagnosis' && m.card.body_part === bodyPart)?.card;
  }

  cards(): ModelCard[] {
    this.requireReady();
    return [...this.models.values()].map((m) => m.card);
  }

  versions(): Record<string, string> {
    return Object.fromEntries([...this.models.values()].map((m) => [m.card.name, m.card.version]));
  }

  /**
   * Contract preprocessing for the model's card, then the model, within the bounded pool: in an
   * inference worker when there are workers, else preprocessing inline (large images in the
   * prepare pool) and the model on this thread.
   */
  async runImage(modelName: string, image: RawImage, signal?: AbortSignal, rank = 0): Promise<ImageRun> {
    this.requireReady();
    const model = this.models.get(modelName);
    if (!model) throw new AnalysisUnavailableError(`Model ${modelName} is not loaded.`);
    const workers = this.workers;
    if (workers) return this.pool.use(() => workers.run(modelName, image), signal, rank);
    const t = performance.now();
    const [input] = await this.preparer.inputs(image, [model.card.input]);
    const preprocessMs = performance.now() - t;
    const out = await this.pool.use(() => this.runInProcess(model, input.tensor), signal, rank);
    const band = model.card.thresholds.background?.band;
    const border = band === undefined ? null : borderMean(input.canvas, input.geometry, band);
    return { ...out, geometry: input.geometry, preprocessMs, borderMean: border };
  }

  /** The heat map of one cam class of `run` over `image` at display size (in a worker when there are workers). */
  async heatmap(image: RawImage, run: HeatmapRun, classIndex: number, signal?: AbortSignal, rank = 0): Promise<RgbImage> {
    this.requireReady();
    const source = heatmapSource(run, classIndex);
    const workers = this.workers;
    if (workers) return this.pool.use(() => workers.heatmap(image, source), signal, rank);
    const display = await this.preparer.display(image);
    return renderHeatmap({ ...source, classIndex: 0, luma: display.luma, width: display.width, height: display.height });
  }

  private async runInProcess(model: LoadedModel, tensor: Float32Array): Promise<ModelOutputs> {
    const s = model.card.input.size;
    if (!model.session) throw new AnalysisUnavailableError();
    try {
      const feeds = { [model.card.input.name]: new ort.Tensor('float32', tensor, [1, 3, s, s]) };
      const out = await model.session.run(feeds);
      const cam = out.cam;
      const dims = cam.dims;
      return {
        logits: Float32Array.from(out.logits.data as Float32Array),
        embedding: Float32Array.from(out.embedding.data as Float32Array),
        cam: Float32Array.from(cam.data as Float32Array),
        camH: Number(dims[2]),
        camW: Number(dims[3]),
      };
    } catch (err) {
      this.logger.error(`Inference failed in ${model.card.name}: ${err instanceof Error ? err.message : String(err)}`);
      throw new AnalysisUnavailableError('The model failed to run on this image.');
    }
  }
}

/**
 * A card's JSON. One copied in part (a full disk, an interrupted copy) said only "Unexpected end of
 * JSON input" or "Bad control character … at position 23" after the folder's name: now it names the
 * file and what to do.
 */
function readCardJson(file: string): unknown {
  const text = fs.readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ModelCardError(`model_card.json is not valid JSON (${err instanceof Error ? err.message : String(err)}): it was written in part or edited; copy the model's folder again`);
  }
}
