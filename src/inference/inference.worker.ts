import './ort-telemetry';
import * as ort from 'onnxruntime-node';
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { renderHeatmap } from '../explainability/heatmap';
import type { InferenceWorkerRequest, InferenceWorkerResponse, WorkerModel } from './inference-workers';
import type { ImageRun } from './model-provider';
import { contractMismatch } from './model-outputs';
import { PixelCache } from './pixel-cache';
import { borderMean, normalize } from './preprocess';
import { WorkerControl } from './worker-control';

/**
 * Worker thread: owns one onnxruntime session per model and runs them off the main thread,
 * together with the pixel work around them (contract preprocessing, heat map).
 */
const sessions = new Map<string, { session: ort.InferenceSession; model: Omit<WorkerModel, 'bytes'> }>();

/**
 * The images of the analyses in progress (one analysis sends the same image up to three times:
 * triage, diagnosis, heat map). 8 MB holds the luma of 32 images of 256² — the analyses in
 * flight at 16–32 clients — and above 1 megapixel only the model inputs and the display image
 * (~1 MB) are kept: at 32 MB and 4 MP the cache sat full and the 5-minute soak peaked at 694 MB.
 * A miss only costs sending the pixels again. Unused for 10 s, an entry goes at the next insertion.
 */
const cache = new PixelCache(8 * 2 ** 20, 10_000, 1_000_000);

/** Set by the 'load' message: the pool must not terminate this thread inside session.run() (worker-control.ts). */
let control: WorkerControl | null = null;

function modelSizes(): number[] {
  return [...new Set([...sessions.values()].map((s) => s.model.size))];
}

async function load(req: Extract<InferenceWorkerRequest, { kind: 'load' }>): Promise<void> {
  control = new WorkerControl(req.control);
  try {
    for (const m of req.models) {
      const session = await ort.InferenceSession.create(m.bytes, {
        intraOpNumThreads: req.intraOpThreads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
      const mismatch = contractMismatch(session, m.contract);
      if (mismatch) throw new Error(`${m.name}: ${mismatch}`);
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
  const { size, normalization, inputName, backgroundBand } = entry.model;
  const t = performance.now();
  const box = cache.letterbox(req.image, size, modelSizes());
  if (!box) return post({ kind: 'resend', id: req.id, ok: false });
  const tensor = normalize(box.canvas, size, normalization);
  const preprocessMs = performance.now() - t;
  const out = await nativeRun(entry.session, { [inputName]: new ort.Tensor('float32', tensor, [1, 3, size, size]) });
  const result: ImageRun = {
    logits: Float32Array.from(out.logits.data as Float32Array),
    embedding: Float32Array.from(out.embedding.data as Float32Array),
    cam: Float32Array.from(out.cam.data as Float32Array),
    camH: Number(out.cam.dims[2]),
    camW: Number(out.cam.dims[3]),
    geometry: box.geometry,
    preprocessMs,
    borderMean: backgroundBand === null ? null : borderMean(box.canvas, box.geometry, backgroundBand),
  };
  post({ kind: 'run', id: req.id, ok: true, run: result }, [result.logits.buffer, result.embedding.buffer, result.cam.buffer] as ArrayBuffer[]);
}

/**
 * session.run() inside the control's native span. The pool gave up on this thread (its job passed
 * the deadline) before or during the call: the thread ends itself here, outside onnxruntime, where
 * ending it cannot abort the process; the jobs it still had were already failed by the pool.
 */
async function nativeRun(session: ort.InferenceSession, feeds: ort.InferenceSession.FeedsType): Promise<ort.InferenceSession.ReturnType> {
  if (control && !control.enterNative()) process.exit(0);
  try {
    return await session.run(feeds);
  } finally {
    if (control?.leaveNative()) process.exit(0);
  }
}

function heatmap(req: Extract<InferenceWorkerRequest, { kind: 'heatmap' }>): void {
  const display = cache.display(req.image, modelSizes());
  if (!display) return post({ kind: 'resend', id: req.id, ok: false });
  const heat = renderHeatmap({ ...req.source, classIndex: 0, luma: display.luma, width: display.width, height: display.height });
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
