import * as ort from 'onnxruntime-node';
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { renderHeatmap } from '../explainability/heatmap';
import type { InferenceWorkerRequest, InferenceWorkerResponse, WorkerImage, WorkerModel } from './inference-workers';
import type { ImageRun } from './model-provider';
import { displayFromLuma, inputsFromLuma } from './prepare';
import { toLuma } from './preprocess';

/**
 * Worker thread: owns one onnxruntime session per model and runs them off the main thread,
 * together with the pixel work around them (contract preprocessing, heat map).
 */
const sessions = new Map<string, { session: ort.InferenceSession; model: Omit<WorkerModel, 'bytes'> }>();

/**
 * The luma planes of the last few images. One analysis sends the same image up to three times
 * (triage, diagnosis, heat map); its luma is computed once. Only images up to 4 megapixels are
 * kept (≤ 16 MB each), so a huge upload cannot pin memory.
 */
const lumaCache = new Map<number, Float32Array>();
const LUMA_CACHE_ENTRIES = 4;
const LUMA_CACHE_MAX_PIXELS = 4_000_000;

function lumaOf(image: WorkerImage): Float32Array {
  const hit = lumaCache.get(image.key);
  if (hit) return hit;
  const luma = toLuma(image);
  if (image.width * image.height <= LUMA_CACHE_MAX_PIXELS) {
    lumaCache.set(image.key, luma);
    if (lumaCache.size > LUMA_CACHE_ENTRIES) lumaCache.delete(lumaCache.keys().next().value as number);
  }
  return luma;
}

async function load(req: Extract<InferenceWorkerRequest, { kind: 'load' }>): Promise<void> {
  try {
    for (const m of req.models) {
      const session = await ort.InferenceSession.create(m.bytes, {
        intraOpNumThreads: req.intraOpThreads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
      // keep the metadata only: the model bytes are garbage once the session exists
      const { bytes: _bytes, ...model } = m;
      sessions.set(m.name, { session, model });
    }
    post({ kind: 'loaded', ok: true });
  } catch (err) {
    post({ kind: 'loaded', ok: false, error: err instanceof Error ? err.message : String(err) });
  }
}

async function run(req: Extract<InferenceWorkerRequest, { kind: 'run' }>): Promise<void> {
  const entry = sessions.get(req.model);
  if (!entry) throw new Error(`model ${req.model} is not loaded in this worker`);
  const { image } = req;
  const { size, normalization, inputName } = entry.model;
  const t = performance.now();
  const [input] = inputsFromLuma(lumaOf(image), image.width, image.height, [{ size, normalization }]);
  const preprocessMs = performance.now() - t;
  const out = await entry.session.run({ [inputName]: new ort.Tensor('float32', input.tensor, [1, 3, size, size]) });
  const result: ImageRun = {
    logits: Float32Array.from(out.logits.data as Float32Array),
    embedding: Float32Array.from(out.embedding.data as Float32Array),
    cam: Float32Array.from(out.cam.data as Float32Array),
    camH: Number(out.cam.dims[2]),
    camW: Number(out.cam.dims[3]),
    geometry: input.geometry,
    preprocessMs,
  };
  post({ kind: 'run', id: req.id, ok: true, run: result }, [result.logits.buffer, result.embedding.buffer, result.cam.buffer] as ArrayBuffer[]);
}

function heatmap(req: Extract<InferenceWorkerRequest, { kind: 'heatmap' }>): void {
  const { image, source } = req;
  const display = displayFromLuma(lumaOf(image), image.width, image.height);
  const heat = renderHeatmap({ ...source, classIndex: 0, luma: display.luma, width: display.width, height: display.height });
  post({ kind: 'heatmap', id: req.id, ok: true, heat }, [heat.data.buffer as ArrayBuffer]);
}

async function handle(req: InferenceWorkerRequest): Promise<void> {
  if (req.kind === 'load') return load(req);
  try {
    if (req.kind === 'run') await run(req);
    else heatmap(req);
  } catch (err) {
    post({ kind: 'failed', id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
}

function post(res: InferenceWorkerResponse, transfer: ArrayBuffer[] = []): void {
  parentPort?.postMessage(res, transfer);
}

parentPort?.on('message', (req: InferenceWorkerRequest) => void handle(req));
