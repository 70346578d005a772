import request from 'supertest';
import { ModelRegistry } from '../../src/inference/model-registry.service';
import { wedgeableApp, WORKER_SERIES } from '../support/wedgeable-app';
import { outcome, SPIN } from '../support/wedging-workers';

/**
 * The whole app (fake models, one inference worker, one model slot) with its workers behind
 * wedgeable.worker.ts: the real worker scripts, one job of which can be made to loop for ever.
 * Before INFERENCE_JOB_TIMEOUT_MS such a job held its model slot (and a study's upload bytes)
 * for ever: the request answered only at its own timeout, and every later one waited for the
 * slot (504) or for upload room (503). Now the wedged job's request answers 504 with the worker's
 * reason, and the next request runs on a fresh worker. No speed asserted: `outcome` tells a hang
 * from an answer, far above the deadlines set here.
 */
const JOB_MS = 3000; // above a real job's first run under ts-node; the replacement's load is not under it
const SERIES_BYTES = WORKER_SERIES.reduce((n, b) => n + b.length, 0);

describe('a wedged inference worker (INFERENCE_JOB_TIMEOUT_MS)', () => {
  const h = wedgeableApp({
    INFERENCE_JOB_TIMEOUT_MS: String(JOB_MS),
    ANALYSIS_TIMEOUT_MS: '20000',
    STUDY_TIMEOUT_MS: '20000',
    // room for one study's upload: a study whose bytes were never given back shuts the next out (503)
    STUDY_MAX_INFLIGHT_BYTES: String(Math.floor(SERIES_BYTES * 1.5)),
  });
  const { wedge, spawned, errors, analyse, study } = h;
  const workerReason = `A worker thread did not finish a model run within ${JOB_MS} ms; it was restarted. Please try again.`;

  it('an analysis whose model run hangs: 504 with the reason, its model slot back, and the next analysis completes on a fresh worker', async () => {
    expect((await analyse()).status).toBe(200);
    const before = spawned.length;
    errors.mockClear();
    wedge.next(SPIN);
    const res = await outcome(analyse());
    expect(res).toMatchObject({ status: 504, body: { statusCode: 504, code: 'ANALYSIS_TIMEOUT', message: workerReason } });
    expect(h.app.get(ModelRegistry).modelSlots()).toEqual({ inUse: 0, queued: 0 });
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
    expect(h.app.get(ModelRegistry).modelSlots()).toEqual({ inUse: 0, queued: 0 });
  });

  // last: it leaves this app with a worker that never opens its models
  it('a replacement worker that never opens its models: its requests 504, and /readyz turns 503 MODELS_UNAVAILABLE so a balancer routes around the replica', async () => {
    const readyz = () => request(h.app.getHttpServer()).get('/readyz');
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
