import * as ort from 'onnxruntime-node';
import { performance } from 'node:perf_hooks';
import request from 'supertest';
import { ModelRegistry } from '../../src/inference/model-registry.service';
import { eventually } from '../helpers/eventually';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import { solidPng } from '../support/images';

/**
 * INFERENCE_WORKERS=0 (the low-memory profile): onnxruntime-node's run() is synchronous on the
 * event loop, so nothing can interrupt it — no timer, no request. What the service promises there
 * (README "Low-memory profile"): an analysis whose deadline passes during a run is answered 504
 * ANALYSIS_TIMEOUT as soon as that run returns, its model slot is given back, and the next
 * analysis is answered as usual; nothing is left wedged.
 */
describe('models on the main thread (INFERENCE_WORKERS=0): a run that outlasts the deadline', () => {
  const TIMEOUT_MS = 300;
  // before useApp's own afterAll (they run in the order declared): the mocks go, then the app closes
  afterAll(() => jest.restoreAllMocks());
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0', INFERENCE_POOL_SIZE: '2', ANALYSIS_TIMEOUT_MS: String(TIMEOUT_MS) }, sessions: { auth: {} } });
  const { auth } = h.sessions;
  const post = (png: Buffer) => request(h.server).post('/api/v1/analyses').set(auth.bearer).attach('image', png, 'x.png');

  it('answers 504 once the run returns, gives the slot back, and serves the next analysis', async () => {
    const png = await solidPng(256, 256, 255);
    expect((await post(png).expect(200)).body.status).toBe('completed');

    // the next model run holds the thread past the analysis deadline, as a slow native run would
    // onnxruntime-common types InferenceSession as a factory interface; at run time it is the class
    const proto = (ort.InferenceSession as unknown as { prototype: ort.InferenceSession }).prototype;
    const run = proto.run;
    let blocked = 0;
    jest.spyOn(proto, 'run').mockImplementationOnce(function (this: ort.InferenceSession, ...args: Parameters<typeof run>) {
      const until = performance.now() + 2 * TIMEOUT_MS;
      while (performance.now() < until) blocked++;
      return run.apply(this, args);
    });
    const late = await post(png);
    expect(blocked).toBeGreaterThan(0);
    expect(late.status).toBe(504);
    expect(late.body.code).toBe('ANALYSIS_TIMEOUT');

    // nothing wedged: the answer leaves at the abort and the work stops at its next check (the
    // stage already started, e.g. the diagnosis run, finishes first), then its slot comes back
    const registry = h.get(ModelRegistry);
    expect(await eventually(() => registry.modelSlots(), (s) => s.inUse === 0)).toEqual({ inUse: 0, queued: 0 });
    await request(h.server).get('/readyz').expect(200);
    expect((await post(png).expect(200)).body.status).toBe('completed');
  });
});
