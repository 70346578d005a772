import { Global, Logger, Module } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { ModelRegistry } from '../../src/inference/model-registry.service';
import { SPAWN_WORKER } from '../../src/inference/spawn-worker';
import { loginAs, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';
import { solidPng } from '../support/images';
import { dicomSeries, syntheticSlice } from '../support/study-fixtures';
import { endAll, EXIT_CLEAN, outcome, THROW, WedgeSwitch, wedgeableSpawn } from '../support/wedging-workers';

/**
 * An inference worker thread that dies under a request (not one that hangs: wedged-worker.e2e):
 * an uncaught exception in it, or a thread that ends with exit code 0 with the job unanswered.
 * The request must get a named error at once (not wait for INFERENCE_JOB_TIMEOUT_MS, set far
 * above the guard of `outcome` here so that a wait shows as 'still pending'), the model slot must
 * come back (one slot, so a leaked one would refuse or hold every later request), and the next
 * requests run on a fresh worker — twenty at once all answered.
 */
const wedge = new WedgeSwitch();
const { spawn, spawned } = wedgeableSpawn(wedge);

@Global()
@Module({ providers: [{ provide: SPAWN_WORKER, useValue: spawn }], exports: [SPAWN_WORKER] })
class CrashableWorkers {}

const SERIES = dicomSeries(Array.from({ length: 4 }, (_, k) => syntheticSlice(96, 96, (x, y) => ((x + y + k) % 89 === 0 ? 250 : 255))));

describe('an inference worker that dies mid-request', () => {
  let app: NestExpressApplication;
  let user: TestSession;
  const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);

  beforeAll(async () => {
    const config = testConfig({
      MODELS_DIR: FAKE_MODELS_DIR,
      INFERENCE_WORKERS: '1',
      INFERENCE_POOL_SIZE: '1',
      INFERENCE_JOB_TIMEOUT_MS: '600000',
      ANALYSIS_TIMEOUT_MS: '600000',
      STUDY_TIMEOUT_MS: '600000',
      RATE_LIMIT_ANALYSES_PER_MINUTE: '1000',
    });
    app = await startApp(config, [CrashableWorkers]);
    user = await loginAs(app);
  });
  afterAll(async () => {
    await app?.close();
    await endAll();
    errors.mockRestore();
  });

  const analyse = async () =>
    request(app.getHttpServer()).post('/api/v1/analyses').set(user.bearer).attach('image', await solidPng(256, 256, 255), 'x.png');
  const study = () => {
    let r = request(app.getHttpServer()).post('/api/v1/studies').set(user.bearer);
    SERIES.forEach((f, i) => (r = r.attach('files', f, `f${i}.dcm`)));
    return r;
  };
  const history = async () => (await request(app.getHttpServer()).get('/api/v1/history/summary').set(user.bearer)).body.total as number;

  it.each([
    ['an uncaught exception', THROW],
    ['exit code 0', EXIT_CLEAN],
  ] as const)('%s in the worker: the analysis answers 503 ANALYSIS_UNAVAILABLE, nothing recorded, its slot back, and 20 analyses after it are all served', async (_name, mode) => {
    expect((await analyse()).status).toBe(200);
    const before = { spawned: spawned.length, rows: await history() };
    wedge.next(mode);
    const res = await outcome(analyse());
    expect(res).toMatchObject({ status: 503, body: { statusCode: 503, code: 'ANALYSIS_UNAVAILABLE' } });
    expect(await history()).toBe(before.rows);
    expect(app.get(ModelRegistry).modelSlots()).toEqual({ inUse: 0, queued: 0 });
    const next = await Promise.all(Array.from({ length: 20 }, () => outcome(analyse())));
    expect(next.map((r) => (r instanceof Error || r === 'still pending' ? r : r.status))).toEqual(Array(20).fill(200));
    expect(spawned.length).toBe(before.spawned + 1);
    expect(app.get(ModelRegistry).modelSlots()).toEqual({ inUse: 0, queued: 0 });
  });

  it('a study whose worker dies: 503 ANALYSIS_UNAVAILABLE, nothing recorded, and the next study completes', async () => {
    expect((await study()).status).toBe(200);
    const rows = await history();
    wedge.next(THROW);
    expect(await outcome(study())).toMatchObject({ status: 503, body: { code: 'ANALYSIS_UNAVAILABLE' } });
    expect(await history()).toBe(rows);
    expect(await outcome(study())).toMatchObject({ status: 200, body: { study: { sliceCount: 4 } } });
    expect(app.get(ModelRegistry).modelSlots()).toEqual({ inUse: 0, queued: 0 });
  });
});
