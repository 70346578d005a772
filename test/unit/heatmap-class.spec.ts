/**
 * The heat map is of the answer shown, from the model that gave it: the pipeline (AnalysisService,
 * for real) asks for the diagnosis run's cam plane of the class it answers (heatmapSource: the plane
 * the registry renders), and for none for a result that answers nothing. A fake model whose cam is W·A (as the fixture models' and the real
 * ones': the classifier's weights over the feature maps) with per-class weights: randomising the
 * weights (Adebayo et al. 2018) must change the map, and each class's map must be that class's.
 */
import { AnalysisService } from '../../src/classifier/analysis.service';
import { parseEnv } from '../../src/config/config.schema';
import { AppConfig } from '../../src/config/config.service';
import { normaliseCam } from '../../src/explainability/heatmap';
import type { ImageDecodeService } from '../../src/inference/image-decode.service';
import { heatmapSource } from '../../src/inference/inference-protocol';
import type { ImageRun, ModelProvider } from '../../src/inference/model-provider';
import type { RawImage } from '../../src/inference/preprocess';
import { fakeBrainModels } from '../support/fake-brain-models';
import { logitsFor } from '../support/cards';

const GRID = 7;
const PLANE = GRID * GRID;
const FEATURES = 3;

/** Three feature maps over a 7 × 7 grid: a blob on the left, one on the right, one at the top. */
const A = Array.from({ length: FEATURES }, (_, k) => Float32Array.from({ length: PLANE }, (_, i) => {
  const [x, y] = [i % GRID, Math.floor(i / GRID)];
  const [cx, cy] = [[1, 3], [5, 3], [3, 0]][k];
  return Math.exp(-((x - cx) ** 2 + (y - cy) ** 2));
}));

/** cam[c] = Σ_k W[c][k] · A_k, no bias: the contract's (docs/model-contract.md). */
function camOf(w: number[][]): Float32Array {
  const cam = new Float32Array(w.length * PLANE);
  w.forEach((row, c) => row.forEach((wk, k) => A[k].forEach((a, i) => (cam[c * PLANE + i] += wk * a))));
  return cam;
}

/** glioma looks at the left blob, meningioma the right, notumor the top, pituitary a mix */
const TRAINED = [[1, -0.5, 0], [-0.5, 1, 0], [0, 0, 1], [0.3, 0.3, -1]];
/** seeded noise of the same spread */
const RANDOMISED = [[0.21, 0.93, -0.48], [-0.77, 0.12, 0.64], [0.55, -0.9, 0.08], [-0.3, 0.44, 0.71]];

interface Rendered {
  model: string;
  classIndex: number;
  plane: Float32Array;
}

function service(weights: number[][], probs: number[], cam = camOf(weights)) {
  const rendered: Rendered[] = [];
  const base = fakeBrainModels({ diagnosis: () => probs });
  const models: ModelProvider = {
    ...base,
    runImage: async (model, image, signal) => {
      const run = await base.runImage(model, image, signal);
      // the triage run's cam is constant: a map made from it (or from the wrong plane) shows
      return model === 'triage'
        ? { ...run, cam: new Float32Array(run.cam.length).fill(1) }
        : { ...run, logits: Float32Array.from(logitsFor(probs)), cam, camH: GRID, camW: GRID, model };
    },
    // the registry's own choice of plane (heatmapSource, as model-registry.service.ts renders it)
    heatmap: async (_image, run: ImageRun & { model?: string }, classIndex) => {
      rendered.push({ model: run.model ?? 'triage', classIndex, plane: normaliseCam(heatmapSource(run, classIndex).cam) });
      return { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3) };
    },
  };
  const config = new AppConfig(parseEnv({}));
  return { analysis: new AnalysisService(config, models, {} as ImageDecodeService), rendered };
}

const image: RawImage = { width: 64, height: 64, channels: 1, data: new Uint8Array(64 * 64).fill(200) };
const argmax = (p: Float32Array) => p.indexOf(Math.max(...p));

describe('the heat map is of the answer shown, from the model that gave it', () => {
  it.each([
    ['glioma', 0, [0.9, 0.04, 0.03, 0.03], A[0]],
    ['meningioma', 1, [0.04, 0.9, 0.03, 0.03], A[1]],
    ['notumor', 2, [0.03, 0.04, 0.9, 0.03], A[2]],
  ] as const)('an answer %s: its own class plane of the diagnosis run, hot where that class looks', async (label, index, probs, blob) => {
    const { analysis, rendered } = service(TRAINED, [...probs]);
    const r = await analysis.analyzePixels(image);
    expect(r).toMatchObject({ status: 'completed', label });
    // the answer names the class its map is for (a study's slice map can be for another than the slice's answer)
    expect(r.explanation).toMatchObject({ label, method: 'cam', focus: 'region' });
    expect(rendered.map(({ model, classIndex }) => ({ model, classIndex }))).toEqual([{ model: 'brain_tumor', classIndex: index }]);
    expect(argmax(rendered[0].plane)).toBe(argmax(blob));
  });

  it('randomising the weights changes the map: it is made from the run\'s cam, not from the image alone', async () => {
    const trained = service(TRAINED, [0.9, 0.04, 0.03, 0.03]);
    const randomised = service(RANDOMISED, [0.9, 0.04, 0.03, 0.03]);
    await trained.analysis.analyzePixels(image);
    await randomised.analysis.analyzePixels(image);
    const [a, b] = [trained.rendered[0].plane, randomised.rendered[0].plane];
    const diff = a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / PLANE;
    expect(diff).toBeGreaterThan(0.1);
  });

  it.each([
    ['flat (3 everywhere)', 3],
    ['all zero', 0],
    ['below 0 everywhere', -1],
  ] as const)('a confident answer whose map is %s: focus none, so every surface says no region stands out', async (_name, value) => {
    const cam = camOf(TRAINED);
    cam.fill(value, 0, PLANE); // glioma's plane
    const { analysis, rendered } = service(TRAINED, [0.9, 0.04, 0.03, 0.03], cam);
    const r = await analysis.analyzePixels(image);
    expect(r).toMatchObject({ status: 'completed', label: 'glioma', explanation: { label: 'glioma', method: 'cam', focus: 'none' } });
    expect(rendered.map((x) => x.classIndex)).toEqual([0]);
  });

  it.each([
    ['below the threshold', [0.5, 0.2, 0.2, 0.1], 'inconclusive'],
    ['explain=false', [0.9, 0.04, 0.03, 0.03], 'completed'],
  ] as const)('%s: no heat map', async (name, probs, status) => {
    const { analysis, rendered } = service(TRAINED, [...probs]);
    const r = await analysis.analyzePixels(image, name === 'explain=false' ? { explain: false } : {});
    expect(r.status).toBe(status);
    expect(r.explanation).toBeNull();
    expect(rendered).toEqual([]);
  });
});
