import { Logger } from '@nestjs/common';
import * as ort from 'onnxruntime-node';
import { toErrorBody } from '../../src/common/app-exception.filter';
import { AnalysisUnavailableError } from '../../src/common/errors';
import { ModelRegistry } from '../../src/inference/model-registry.service';
import { PreparePool } from '../../src/inference/prepare-pool';
import type { RawImage } from '../../src/inference/preprocess';
import { FAKE_MODELS_DIR, testConfig } from '../support/app';
import { endAll, fakeSpawn, outcome, SILENT, WedgeSwitch } from '../support/wedging-workers';

/**
 * README: "INFERENCE_QUEUE_LIMIT (64): queued runs beyond this are refused at once with 503".
 * The registry's model pool is the one place that reads it; the Semaphore's own tests pass the
 * limit by hand, so a registry that ignored the setting (or passed the pool size twice) went
 * unnoticed. Fake workers (no model): the first run is never answered, so it holds the one slot
 * while the next calls queue or are refused.
 */
const image = (): RawImage => ({ width: 16, height: 16, channels: 1, data: new Uint8Array(256) });

describe('the model registry with inference workers: INFERENCE_QUEUE_LIMIT, and no session on the main thread', () => {
  const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  let registry: ModelRegistry | undefined;
  afterEach(async () => {
    await registry?.onModuleDestroy();
    registry = undefined;
    await endAll();
  });
  afterAll(() => log.mockRestore());

  async function withLimit(queueLimit: string): Promise<ModelRegistry> {
    const wedge = new WedgeSwitch();
    const { spawn } = fakeSpawn(wedge);
    const config = testConfig({
      MODELS_DIR: FAKE_MODELS_DIR,
      INFERENCE_WORKERS: '1',
      INFERENCE_POOL_SIZE: '1',
      INFERENCE_QUEUE_LIMIT: queueLimit,
      INFERENCE_JOB_TIMEOUT_MS: '600000',
    });
    registry = new ModelRegistry(config, new PreparePool(config, spawn), spawn);
    await registry.load();
    expect(registry.isReady()).toBe(true);
    wedge.next(SILENT); // the first job is never answered: it keeps the pool's one slot
    return registry;
  }

  it.each([
    ['0', 0],
    ['2', 2],
  ])('INFERENCE_QUEUE_LIMIT=%s: %i run(s) wait for the slot, the next is refused at once (503)', async (limit, queued) => {
    const r = await withLimit(limit);
    void r.runImage('triage', image()).catch(() => undefined); // holds the slot until close()
    const waiting = Array.from({ length: queued }, () => r.runImage('triage', image()));
    waiting.forEach((w) => void w.catch(() => undefined));
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.modelSlots()).toEqual({ inUse: 1, queued });
    const refused = await outcome(r.runImage('triage', image()), 5_000);
    expect(refused).toBeInstanceOf(AnalysisUnavailableError);
    expect(toErrorBody(refused)).toMatchObject({ statusCode: 503, code: 'ANALYSIS_UNAVAILABLE', message: expect.stringMatching(/busy/) });
    expect(r.modelSlots()).toEqual({ inUse: 1, queued });
  });

  // docs/performance.md: "with workers the main thread no longer opens one" (a session opened and released on the
  // main thread kept ~110 MB of its RSS): the models are opened in the workers only
  it('with inference workers the main thread opens no onnxruntime session', async () => {
    const create = jest.spyOn(ort.InferenceSession, 'create');
    try {
      await withLimit('64');
      expect(create).not.toHaveBeenCalled();
    } finally {
      create.mockRestore();
    }
  });
});
