import * as ort from 'onnxruntime-node';
import { parentPort } from 'node:worker_threads';
import type { InferenceWorkerRequest, InferenceWorkerResponse, WorkerModel } from './inference-workers';

/** Worker thread: owns one onnxruntime session per model and runs them off the main thread. */
const sessions = new Map<string, { session: ort.InferenceSession; model: Omit<WorkerModel, 'bytes'> }>();

async function handle(req: InferenceWorkerRequest): Promise<void> {
  if (req.kind === 'load') {
    try {
      for (const m of req.models) {
        const session = await ort.InferenceSession.create(m.bytes, {
          intraOpNumThreads: req.intraOpThreads,
          interOpNumThreads: 1,
          executionMode: 'sequential',
          graphOptimizationLevel: 'all',
        });
        // keep the metadata only: the model bytes are garbage once the session exists
        sessions.set(m.name, { session, model: { name: m.name, inputName: m.inputName, size: m.size } });
      }
      post({ kind: 'loaded', ok: true });
    } catch (err) {
      post({ kind: 'loaded', ok: false, error: err instanceof Error ? err.message : String(err) });
    }
    return;
  }
  try {
    const entry = sessions.get(req.model);
    if (!entry) throw new Error(`model ${req.model} is not loaded in this worker`);
    const s = entry.model.size;
    const out = await entry.session.run({ [entry.model.inputName]: new ort.Tensor('float32', req.tensor, [1, 3, s, s]) });
    const outputs = {
      logits: Float32Array.from(out.logits.data as Float32Array),
      embedding: Float32Array.from(out.embedding.data as Float32Array),
      cam: Float32Array.from(out.cam.data as Float32Array),
      camH: Number(out.cam.dims[2]),
      camW: Number(out.cam.dims[3]),
    };
    parentPort?.postMessage({ kind: 'result', id: req.id, ok: true, outputs } satisfies InferenceWorkerResponse, [
      outputs.logits.buffer,
      outputs.embedding.buffer,
      outputs.cam.buffer,
    ] as ArrayBuffer[]);
  } catch (err) {
    post({ kind: 'result', id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
}

function post(res: InferenceWorkerResponse): void {
  parentPort?.postMessage(res);
}

parentPort?.on('message', (req: InferenceWorkerRequest) => void handle(req));
