import type { RgbImage } from '../../../src/explainability/heatmap';
import type { HeatmapRun, ModelProvider } from '../../../src/inference/model-provider';
import type { RawImage } from '../../../src/inference/preprocess';
import { Semaphore } from '../../../src/inference/semaphore';
import { AnalysisService } from '../../../src/classifier/analysis.service';
import { parseEnv } from '../../../src/config/config.schema';
import { AppConfig } from '../../../src/config/config.service';
import type { ImageDecodeService } from '../../../src/inference/image-decode.service';
import { PixelBudget } from '../../../src/inference/pixel-budget';
import { StudyService } from '../../../src/studies/study.service';
import { logitsFor, makeCard, TRIAGE_LABELS } from '../../support/cards';
import { BRAIN_TUMOR_LABELS, TUMOUR_FREE } from '../../support/fake-brain-models';
import { dicomSeries, syntheticSlice } from '../../support/study-fixtures';

/**
 * A study's heat maps come from each decisive slice's own diagnosis run, kept from the slice pass:
 * the slice is no longer run through both models a second time. The maps must be exactly those the
 * second run rendered (AnalysisService.analyzePixels with the study's label), so the fake models
 * here answer from the pixels (a slice's cam is a function of its pixels and the class) and the map
 * is drawn from the run's cam: a kept run of the wrong slice or class shows. Model runs wait in one
 * real Semaphore of one slot, honouring ranks, so the order in which studies are served is seen.
 */
const GLIOMA = [0.85, 0.05, 0.05, 0.05];

function pixelSum(image: RawImage): number {
  let s = 0;
  for (let i = 0; i < image.data.length; i += 7) s += image.data[i];
  return s;
}

/**
 * `perSlice(k)`: the diagnosis of the k-th image the models see (slices are sent in series order);
 * `camOf(k)`, when given: that image's cam (4 planes of 7×7), instead of one from its pixels
 */
function setUp(perSlice: (k: number) => number[], hold = false, camOf?: (k: number) => Float32Array) {
  /** with `hold`, each model run waits here until the test lets it finish */
  const held: (() => void)[] = [];
  const triage = makeCard({ name: 'triage', kind: 'triage', labels: TRIAGE_LABELS });
  const brain = makeCard({ name: 'brain_tumor', kind: 'diagnosis', body_part: 'brain', labels: BRAIN_TUMOR_LABELS });
  const geometry = { size: 224, nw: 224, nh: 224, x0: 0, y0: 0 };
  const pool = new Semaphore(1, 1000);
  const runs: { model: string; rank: number | undefined; image: RawImage }[] = [];
  const seen = new Map<RawImage, number>();
  const models: ModelProvider = {
    isReady: () => true,
    triageCard: () => triage,
    diagnosisCardFor: (part) => (part === 'brain' ? brain : undefined),
    cards: () => [triage, brain],
    versions: () => ({ triage: triage.version, brain_tumor: brain.version }),
    runImage: (model, image, signal, rank) => {
      if (!seen.has(image)) seen.set(image, seen.size);
      return pool.use(
        async () => {
          runs.push({ model, rank, image });
          if (hold) await new Promise<void>((resolve) => held.push(resolve));
          const sum = pixelSum(image);
          const p = model === 'triage' ? [0.96, 0.01, 0.01, 0.01, 0.01] : perSlice(seen.get(image)!);
          const cam = camOf && model !== 'triage' ? camOf(seen.get(image)!) : Float32Array.from({ length: p.length * 49 }, (_, i) => ((sum * 31 + i * 17) % 1000) / 1000);
          return { logits: Float32Array.from(logitsFor(p)), embedding: new Float32Array(2), cam, camH: 7, camW: 7, geometry, preprocessMs: 0, borderMean: null };
        },
        signal,
        rank,
      );
    },
    heatmap: (image: RawImage, run: HeatmapRun, classIndex: number, signal?: AbortSignal, rank?: number): Promise<RgbImage> =>
      pool.use(
        async () => {
          const plane = run.cam.subarray(classIndex * 49, (classIndex + 1) * 49);
          return { width: 7, height: 7, data: Uint8Array.from({ length: 49 * 3 }, (_, i) => Math.round(plane[Math.floor(i / 3)] * 255)) };
        },
        signal,
        rank,
      ),
  };
  const config = new AppConfig(parseEnv({ INFERENCE_POOL_SIZE: '2' }));
  const analysis = new AnalysisService(config, models, {} as ImageDecodeService);
  const service = new StudyService(config, analysis, models, { budget: new PixelBudget(config.pixelBudget, config.pixelQueueLimit) });
  return { service, analysis, runs, seen, pool, held };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** lets every held model run finish, turn after turn, until `until` settles */
async function drain(until: Promise<unknown>, held: (() => void)[]): Promise<void> {
  let finished = false;
  void until.finally(() => (finished = true)).catch(() => undefined);
  while (!finished) {
    held.splice(0).forEach((go) => go());
    await turn();
  }
  await until;
}

const series = (n: number, k = 0) =>
  dicomSeries(Array.from({ length: n }, (_, i) => syntheticSlice(64, 64, (x, y) => (x * 3 + y * 5 + i * 11 + k * 7) % 251)), { window: false }).map((b) => new Uint8Array(b));

describe("a study's heat maps from the slices' kept diagnosis runs", () => {
  it('each decisive slice is run once per model, and its map is the one a second run would have drawn', async () => {
    const { service, analysis, runs, seen } = setUp((k) => (k === 3 || k === 5 || k === 6 ? GLIOMA : TUMOUR_FREE));
    const r = await service.analyze(series(8));
    expect(seen.size).toBe(8);
    expect(r).toMatchObject({ status: 'completed', label: 'glioma' });
    const decisive = r.study.aggregation!.decisiveSlices;
    expect(decisive).toHaveLength(2);
    for (const i of decisive) expect([3, 5, 6]).toContain(i);
    // one triage and one diagnosis run per slice, none again for the heat maps
    expect(runs.filter((x) => x.model === 'triage')).toHaveLength(8);
    expect(runs.filter((x) => x.model === 'brain_tumor')).toHaveLength(8);
    expect(r.explanation!.slices.map((s) => s.index)).toEqual(decisive);
    // what the second run rendered, slice by slice (that run is made here, afterwards)
    for (const s of r.explanation!.slices) {
      const image = [...seen].find(([, k]) => k === s.index)![0];
      const again = await analysis.analyzePixels(image, { explain: true, explainLabel: s.label });
      expect(s.heatmap).toBe(again.explanation!.heatmap);
      expect(r.slices[s.index].heatmap).toBe(again.explanation!.heatmap);
    }
    // and the maps differ between the decisive slices (each is its own slice's)
    expect(r.explanation!.slices[0].heatmap).not.toBe(r.explanation!.slices[1].heatmap);
  });

  it('two studies at once are served in the order they came: the first one\'s runs go first and end first', async () => {
    const { service, runs, held } = setUp(() => TUMOUR_FREE, true);
    const order: string[] = [];
    const first = service.analyze(series(6, 1)).then((r) => (order.push('first'), r));
    // the second comes once the first is loaded and running: how long the loading (sharp's threads)
    // takes is not what is tested here, and it let the second overtake the first in ~1 run of 4
    for (let i = 0; i < 500 && runs.length === 0; i++) await turn();
    expect(runs).toHaveLength(1);
    const second = service.analyze(series(6, 2)).then((r) => (order.push('second'), r));
    await drain(Promise.all([first, second]), held);
    expect(order.sort()).toEqual(['first', 'second']);
    const ranks = runs.map((x) => x.rank!);
    expect(new Set(ranks).size).toBe(2);
    const [a, b] = [Math.min(...ranks), Math.max(...ranks)];
    // the first study's model runs end before the second's (what comes after them — thumbnails in
    // sharp's threads — may finish in either order, so the answers' order is not asserted)
    expect(ranks.lastIndexOf(a)).toBeLessThan(ranks.lastIndexOf(b));
    // every run of the first study before the second's last ones: at most the runs that were
    // granted a free slot while the first study had none waiting slip in between
    const lastOfFirst = ranks.lastIndexOf(a);
    expect(ranks.slice(0, lastOfFirst).filter((x) => x === b).length).toBeLessThanOrEqual(2);
    expect(runs).toHaveLength(24);
  });

  it('a single image arriving while studies queue is run before their waiting runs (rank 0)', async () => {
    const { service, analysis, runs, pool, held } = setUp(() => TUMOUR_FREE, true);
    const study = service.analyze(series(6, 3));
    // the study's first run holds the one slot, its next slice's run waits
    for (let i = 0; i < 500 && pool.queued === 0; i++) await turn();
    expect(runs).toHaveLength(1);
    expect(pool.queued).toBeGreaterThan(0);
    const image = { width: 64, height: 64, channels: 1 as const, data: new Uint8Array(64 * 64).fill(90) };
    let done = false;
    const single = analysis.analyzePixels(image).finally(() => (done = true));
    await drain(Promise.all([study, single]), held);
    expect(done).toBe(true);
    const mine = runs.map((x, i) => [x, i] as const).filter(([x]) => x.image === image);
    expect(mine.map(([x]) => x.rank ?? 0)).toEqual([0, 0]); // its triage and diagnosis
    // right behind the run that held the slot (and its own triage → diagnosis hand-over), not behind the study's queue
    expect(mine[0][1]).toBe(1);
    expect(mine[1][1]).toBeLessThanOrEqual(3);
  });

  it('a study cancelled while its runs wait in the model queue: they leave it, the next study takes the slots, and every slot comes back', async () => {
    const { service, runs, pool, held } = setUp(() => TUMOUR_FREE, true);
    const ac = new AbortController();
    const first = service.analyze(series(6, 4), {}, { signal: ac.signal }).catch((e: unknown) => e);
    const second = service.analyze(series(6, 5));
    for (let i = 0; i < 500 && !(runs.length === 1 && pool.queued >= 2); i++) await turn();
    const firstRank = runs[0].rank;
    ac.abort(new Error('client gone'));
    await turn();
    await drain(Promise.all([first, second]), held);
    expect(await first).toEqual(new Error('client gone'));
    expect((await second).slices).toHaveLength(6);
    // after the run that held the slot, nothing more of the cancelled study ran
    expect(runs.slice(1).filter((x) => x.rank === firstRank)).toHaveLength(0);
    expect(runs.filter((x) => x.rank !== firstRank)).toHaveLength(12);
    expect({ inUse: pool.inUse, queued: pool.queued }).toEqual({ inUse: 0, queued: 0 });
    expect(service.studySlots()).toEqual({ inUse: 0, queued: 0 });
  });
});

/**
 * A decisive slice's map where no region stands out (camFocus 'none': a flat plane, scaled to its
 * own peak, is hot everywhere) says so, as an image answer's does: the study page showed such a
 * slice's plain image under "Slice 5 · Glioma" among the heat maps.
 */
describe("a study slice's heat map where no region stands out", () => {
  const glioma = (k: number) => (k === 3 || k === 5 || k === 6 ? GLIOMA : TUMOUR_FREE);
  /** every class plane flat at 0.4 on the glioma slices (peaked elsewhere, which is not decisive) */
  const flat = (k: number) => Float32Array.from({ length: 4 * 49 }, (_, i) => (glioma(k) === GLIOMA ? 0.4 : i % 49 === 24 ? 1 : 0));
  /** one hot cell in each class plane: a region stands out */
  const peaked = () => Float32Array.from({ length: 4 * 49 }, (_, i) => (i % 49 === 24 ? 1 : 0.1));

  it("has focus 'none' on the study's slice maps and on each slice, as the image answer of that slice has", async () => {
    const { service, analysis, seen } = setUp(glioma, false, flat);
    const r = await service.analyze(series(8, 6));
    expect(r).toMatchObject({ status: 'completed', label: 'glioma' });
    const decisive = r.study.aggregation!.decisiveSlices;
    expect(decisive).toHaveLength(2);
    expect(r.explanation!.slices.map((s) => [s.index, s.focus])).toEqual(decisive.map((i) => [i, 'none']));
    expect(r.explanation!.focus).toBe('none');
    for (const s of r.slices) expect(s.heatmapFocus).toBe(decisive.includes(s.index) ? 'none' : null);
    // the single-image answer for the same slice and class says the same
    const image = [...seen].find(([, k]) => k === decisive[0])![0];
    expect((await analysis.analyzePixels(image, { explain: true, explainLabel: 'glioma' })).explanation!.focus).toBe('none');
  });

  it("has focus 'region' where one cell stands out", async () => {
    const { service } = setUp(glioma, false, peaked);
    const r = await service.analyze(series(8, 7));
    const decisive = r.study.aggregation!.decisiveSlices;
    expect(r.explanation!.slices.map((s) => s.focus)).toEqual(decisive.map(() => 'region'));
    expect(r.explanation!.focus).toBe('region');
    for (const i of decisive) expect(r.slices[i].heatmapFocus).toBe('region');
  });
});
