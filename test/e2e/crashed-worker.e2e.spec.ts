import request from 'supertest';
import { ModelRegistry } from '../../src/inference/model-registry.service';
import { wedgeableApp } from '../support/wedgeable-app';
import { EXIT_CLEAN, outcome, THROW } from '../support/wedging-workers';

/**
 * An inference worker thread that dies under a request (not one that hangs: wedged-worker.e2e):
 * an uncaught exception in it, or a thread that ends with exit code 0 with the job unanswered.
 * The request must get a named error at once (not wait for INFERENCE_JOB_TIMEOUT_MS, set far
 * above the guard of `outcome` here so that a wait shows as 'still pending'), the model slot must
 * come back (one slot, so a leaked one would refuse or hold every later request), and the next
 * requests run on a fresh worker — twenty at once all answered.
 */
describe('an inference worker that dies mid-request', () => {
  const h = wedgeableApp({
    INFERENCE_JOB_TIMEOUT_MS: '600000',
    ANALYSIS_TIMEOUT_MS: '600000',
    STUDY_TIMEOUT_MS: '600000',
  });
  const { wedge, spawned, analyse, study } = h;
  const history = async () => (await request(h.app.getHttpServer()).get('/api/v1/history/summary').set(h.user.bearer)).body.total as number;

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
    expect(h.app.get(ModelRegistry).modelSlots()).toEqual({ inUse: 0, queued: 0 });
    const next = await Promise.all(Array.from({ length: 20 }, () => outcome(analyse())));
    expect(next.map((r) => (r instanceof Error || r === 'still pending' ? r : r.status))).toEqual(Array(20).fill(200));
    expect(spawned.length).toBe(before.spawned + 1);
    expect(h.app.get(ModelRegistry).modelSlots()).toEqual({ inUse: 0, queued: 0 });
  });

  it('a study whose worker dies: 503 ANALYSIS_UNAVAILABLE, nothing recorded, and the next study completes', async () => {
    expect((await study()).status).toBe(200);
    const rows = await history();
    wedge.next(THROW);
    expect(await outcome(study())).toMatchObject({ status: 503, body: { code: 'ANALYSIS_UNAVAILABLE' } });
    expect(await history()).toBe(rows);
    expect(await outcome(study())).toMatchObject({ status: 200, body: { study: { sliceCount: 4 } } });
    expect(h.app.get(ModelRegistry).modelSlots()).toEqual({ inUse: 0, queued: 0 });
  });
});
