import { Global, Logger, Module } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { ModelRegistry } from '../../src/inference/model-registry.service';
import { SPAWN_WORKER } from '../../src/inference/spawn-worker';
import { loginAs, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';
import { solidPng } from '../support/images';
import { dicomSeries, syntheticSlice } from '../support/study-fixtures';
import { endAll, outcome, SPIN, WedgeSwitch, wedgeableSpawn } from '../support/wedging-workers';

/**
 * The whole app (fake models, one inference worker, one model slot) with its workers behind
 * wedgeable.worker.ts: the real worker scripts, one job of which can be made to loop for ever.
 * Before INFERENCE_JOB_TIMEOUT_MS such a job held its model slot (and a study's upload bytes)
 * for ever: the request answered only at its own timeout, and every later one waited for the
 * slot (504) or for upload room (503). Now the wedged job's request answers 504 with the worker's
 * reason, and the next request runs on a fresh worker. No speed asserted: `outcome` tells a hang
 * from an answer, far above the deadlines set here.
 */
const wedge = new WedgeSwitch();
const { spawn, spawned } = wedgeableSpawn(wedge);

@Global()
@Module({ providers: [{ provide: SPAWN_WORKER, useValue: spawn }], exports: [SPAWN_WORKER] })
class WedgeableWorkers {}

const JOB_MS = 3000; // above a real job's first run under ts-node; the replacement's load is not under it
const SERIES = dicomSeries(Array.from({ length: 4 }, (_, k) => syntheticSlice(96, 96, (x, y) => ((x + y + k) % 89 === 0 ? 250 : 255))));
const SERIES_BYTES = SERIES.reduce((n, b) => n + b.length, 0);

describe('a wedged inference worker (INFERENCE_JOB_TIMEOUT_MS)', () => {
  let app: NestExpressApplication;
  let user: TestSession;
  const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);

  beforeAll(async () => {
    const config = testConfig({
      MODELS_DIR: FAKE_MODELS_DIR,
      INFERENCE_WORKERS: '1',
      INFERENCE_POOL_SIZE: '1',
      INFERENCE_JOB_TIMEOUT_MS: String(JOB_MS),
      ANALYSIS_TIMEOUT_MS: '20000',
      STUDY_TIMEOUT_MS: '20000',
      // room for one study's upload: a study whose bytes were never given back shuts the next out (503)
      STUDY_MAX_INFLIGHT_BYTES: String(Math.floor(SERIES_BYTES * 1.5)),
      RATE_LIMIT_ANALYSES_PER_MINUTE: '1000',
    });
    app = await startApp(config, [WedgeableWorkers]);
    user = await loginAs(app);
  });
  afterAll(async () => {
    await app?.close();
    await endAll(); // the replacement left loading (close() never ends one mid-load)
    errors.mockRestore();
  });

  const analyse = async () =>
    request(app.getHttpServer()).post('/api/v1/analyses').set(user.bearer).attach('image', await solidPng(256, 256, 255), 'x.png');
  const study = () => {
    let r = request(app.getHttpServer()).post('/api/v1/studies').set(user.bearer);
    SERIES.forEach((f, i) => (r = r.attach('files', f, `f${i}.dcm`)));
    return r;
  };
  const workerReason = `A worker thread did not finish a model run within ${JOB_MS} ms; it was restarted. Please try again.`;

  it('an analysis whose model run hangs: 504 with the reason, its model slot back, and the next analysis completes on a fresh worker', async () => {
    expect((await analyse()).status).toBe(200);
    const before = spawned.length;
    errors.mockClear();
    wedge.next(SPIN);
    const res = await outcome(analyse());
    expect(res).toMatchObject({ status: 504, body: { statusCode: 504, code: 'ANALYSIS_TIMEOUT', message: workerReason } });
    expect(app.get(ModelRegistry).modelSlots()).toEqual({ inUse: 0, queued: 0 });
    const next = await outcome(analyse());
    expect(next).toMatchObject({ status: 200, body: { status: 'completed' } });
    expect(spawned.length).toBe(before + 1);
    expect(errors.mock.calls.filter(([m]) => /wedged/.test(String(m)))).toHaveLength(1);
  });

  it('a study whose slice hangs: 504 with the reason, its upload bytes given back (the next study is not refused for room) and it completes', async () => {
    expect((await study()).status).toBe(200);
    wedge.next(SPIN);
    const res = await outcome(study());
    expect(res).toMatchObject({ status: 504, body: { code: 'ANALYSIS_TIMEOUT', message: workerReason } });
    const next = await outcome(study());
    expect(next).toMatchObject({ status: 200, body: { study: { sliceCount: 4 } } });
    expect(app.get(ModelRegistry).modelSlots()).toEqual({ inUse: 0, queued: 0 });
  });

  // last: it leaves this app with a worker that never opens its models
  it('a replacement worker that never opens its models: its requests 504, and /readyz turns 503 MODELS_UNAVAILABLE so a balancer routes around the replica', async () => {
    const readyz = () => request(app.getHttpServer()).get('/readyz');
    expect((await readyz()).status).toBe(200);
    wedge.next(SPIN);
    expect(await outcome(analyse())).toMatchObject({ status: 504 });
    wedge.loadsHang(true);
    expect(await outcome(analyse())).toMatchObject({ status: 504, body: { code: 'ANALYSIS_TIMEOUT' } }); // waited one deadline for the load
    await new Promise((r) => setTimeout(r, 100)); // past the deadline since the worker started, whatever the timer's rounding
    const res = await readyz();
    expect(res.status).toBe(503);
    expect(res.body.checks.models).toEqual({ ok: false, code: 'MODELS_UNAVAILABLE' });
    wedge.loadsHang(false);
  });
});
