import type { RgbImage } from '../explainability/heatmap';
import type { ImageRun } from './model-provider';
import type { ContractShape } from './model-outputs';
import type { ImageRef } from './pixel-cache';
import type { LetterboxGeometry, Normalization } from './preprocess';

/** The messages between InferenceWorkers (inference-workers.ts) and its threads (inference.worker.ts). */

/** What a worker needs to open one model and prepare its input: the verified bytes, the card's input. */
export interface WorkerModel {
  name: string;
  /** the triage model (placed in a worker of its own when there are several) */
  triage: boolean;
  bytes: Uint8Array;
  inputName: string;
  size: number;
  normalization: Normalization;
  /** the card's background-gate ring width (fraction), when it has the gate */
  backgroundBand: number | null;
  /** what the card says the graph's tensors are; checked when the session opens */
  contract: ContractShape;
}


/** One class plane of a run's cam and where the image sat in that model's input. */
export interface HeatmapSource {
  cam: Float32Array;
  camH: number;
  camW: number;
  geometry: LetterboxGeometry;
}

/** The plane of `run`'s cam ([classes, camH, camW]) for `classIndex`: the one class the map is drawn for. */
export function heatmapSource(run: Pick<ImageRun, 'cam' | 'camH' | 'camW' | 'geometry'>, classIndex: number): HeatmapSource {
  const plane = run.camH * run.camW;
  return { cam: run.cam.slice(classIndex * plane, (classIndex + 1) * plane), camH: run.camH, camW: run.camW, geometry: run.geometry };
}

export type InferenceWorkerRequest =
  /** `control`: a WorkerControl's buffer (worker-control.ts): the span of each native call, the pool's stop */
  | { kind: 'load'; models: WorkerModel[]; intraOpThreads: number; control: SharedArrayBuffer }
  | { kind: 'run'; id: number; model: string; image: ImageRef }
  | { kind: 'heatmap'; id: number; image: ImageRef; source: HeatmapSource };

export type InferenceWorkerResponse =
  | { kind: 'loaded'; ok: true }
  | { kind: 'loaded'; ok: false; error: string }
  | { kind: 'run'; id: number; ok: true; run: ImageRun }
  | { kind: 'heatmap'; id: number; ok: true; heat: RgbImage }
  | { kind: 'failed'; id: number; ok: false; error: string }
  /** the image was sent without pixels and the worker no longer has it: send them */
  | { kind: 'resend'; id: number; ok: false };
