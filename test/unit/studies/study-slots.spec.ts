import type { AnalysisResult } from '../../../src/classifier/analysis-result';
import type { AnalysisService } from '../../../src/classifier/analysis.service';
import { toErrorBody } from '../../../src/common/app-exception.filter';
import { parseEnv } from '../../../src/config/config.schema';
import { AppConfig } from '../../../src/config/config.service';
import type { ModelProvider } from '../../../src/inference/model-provider';
import { PixelBudget } from '../../../src/inference/pixel-budget';
import { StudyService } from '../../../src/studies/study.service';
import { dicomSeries, syntheticSlice } from '../../support/study-fixtures';

/**
 * README, STUDY_CONCURRENCY / STUDY_QUEUE_LIMIT: studies are worked on a few at a time and the
 * others wait their turn. Each study keeps INFERENCE_POOL_SIZE slice runs in flight, so without
 * the line ten studies at once put 80 runs on the model queue, past INFERENCE_QUEUE_LIMIT, and one
 * of them failed with 503 halfway (bench:study, 10 clients). The fake model answers only when the
 * test says so; no wall clock is asserted.
 */
const files = (k: number) => dicomSeries(Array.from({ length: 6 }, (_, i) => syntheticSlice(64, 64, (x, y) => (x * 3 + y * 5 + i * 11 + k) % 251)), { window: false }).map((b) => new Uint8Array(b));

const turns = async (k = 20) => {
  for (let i = 0; i < k; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

function setUp(env: Record<string, string>) {
  const config = new AppConfig(parseEnv({ INFERENCE_POOL_SIZE: '2', ...env }));
  const held: (() => void)[] = [];
  const runs = { inFlight: 0, most: 0, calls: 0 };
  const analyzePixels = async (): Promise<AnalysisResult> => {
    runs.calls++;
    runs.most = Math.max(runs.most, ++runs.inFlight);
    await new Promise<void>((resolve) => held.push(resolve));
    runs.inFlight--;
    return {} as AnalysisResult;
  };
  const models = { triageCard: () => ({}), cards: () => [], diagnosisCardFor: () => undefined } as unknown as ModelProvider;
  const service = new StudyService(config, { analyzePixels } as unknown as AnalysisService, models, { budget: new PixelBudget(config.pixelBudget, config.pixelQueueLimit) });
  /** answers every held run, again and again, until `until` settles */
  const drain = async (until: Promise<unknown>) => {
    let done = false;
    void until.finally(() => (done = true)).catch(() => undefined);
    while (!done) {
      held.splice(0).forEach((go) => go());
      await turns(2);
    }
  };
  return { service, runs, drain };
}

describe('studies take turns (STUDY_CONCURRENCY, STUDY_QUEUE_LIMIT)', () => {
  it('three studies at once, one at a time: never more slice runs in flight than one study keeps, and every study is answered', async () => {
    const { service, runs, drain } = setUp({ STUDY_CONCURRENCY: '1' });
    const studies = [0, 1, 2].map((k) => service.analyze(files(k)));
    await turns();
    expect(service.studySlots()).toEqual({ inUse: 1, queued: 2 });
    expect(runs.inFlight).toBe(2); // the first study's two (INFERENCE_POOL_SIZE), nobody else's
    const all = Promise.all(studies);
    await drain(all);
    const answers = await all;
    expect(answers).toHaveLength(3);
    expect(runs.most).toBe(2);
    expect(runs.calls).toBe(18);
    // the later studies say how long they waited
    expect(answers.map((a) => typeof a.timingsMs.queue)).toEqual(['number', 'number', 'number']);
    expect(service.studySlots()).toEqual({ inUse: 0, queued: 0 });
  });

  it('STUDY_CONCURRENCY 2: two studies run side by side, the third waits', async () => {
    const { service, runs, drain } = setUp({ STUDY_CONCURRENCY: '2' });
    const studies = [0, 1, 2].map((k) => service.analyze(files(k)));
    await turns();
    expect(service.studySlots()).toEqual({ inUse: 2, queued: 1 });
    expect(runs.inFlight).toBe(4);
    const all = Promise.all(studies);
    await drain(all);
    expect(runs.most).toBe(4);
  });

  it('a study past STUDY_QUEUE_LIMIT waiting is refused at once with 503, before any of its slices is run', async () => {
    const { service, runs, drain } = setUp({ STUDY_CONCURRENCY: '1', STUDY_QUEUE_LIMIT: '1' });
    const first = service.analyze(files(0));
    const second = service.analyze(files(1));
    await turns();
    const calls = runs.calls;
    const third: unknown = await service.analyze(files(2)).catch((e: unknown) => e);
    expect(toErrorBody(third)).toMatchObject({ statusCode: 503, code: 'ANALYSIS_UNAVAILABLE', message: expect.stringMatching(/busy/) });
    expect(runs.calls).toBe(calls);
    const both = Promise.all([first, second]);
    await drain(both);
    expect(await both).toHaveLength(2);
  });

  it('a waiting study whose client hangs up leaves the line at once; the running one is answered', async () => {
    const { service, drain } = setUp({ STUDY_CONCURRENCY: '1' });
    const first = service.analyze(files(0));
    const gone = new AbortController();
    const waiting = service.analyze(files(1), {}, { signal: gone.signal });
    await turns();
    expect(service.studySlots()).toEqual({ inUse: 1, queued: 1 });
    gone.abort(new Error('client gone'));
    await expect(waiting).rejects.toThrow('client gone');
    expect(service.studySlots()).toEqual({ inUse: 1, queued: 0 });
    await drain(first);
    await expect(first).resolves.toMatchObject({ status: expect.any(String) });
  });
});
