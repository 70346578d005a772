import { Logger } from '@nestjs/common';
import { Worker } from 'node:worker_threads';
import { untilAborted } from '../../src/common/abort';
import { toErrorBody } from '../../src/common/app-exception.filter';
import { AnalysisUnavailableError, BadRequestError, WorkerTimeoutError } from '../../src/common/errors';
import { ConfigValidationError, parseEnv } from '../../src/config/config.schema';
import { InferenceWorkers, type WorkerModel } from '../../src/inference/inference-workers';
import type { RawImage } from '../../src/inference/preprocess';
import { Semaphore } from '../../src/inference/semaphore';
import { endAll, fakeSpawn, outcome, SILENT, SPIN, WedgeSwitch } from '../support/wedging-workers';

/**
 * INFERENCE_JOB_TIMEOUT_MS: a worker that wedges on a job (a loop, a native call that never
 * returns) used to keep that request, every job queued behind it and their model slots for ever.
 * Now each job fails at its deadline with WorkerTimeoutError (504), the worker is ended and
 * replaced, and the slots come back once. Fake workers (test/support/wedging-workers.ts); no
 * speed is asserted — `outcome` only tells a hang (still pending after a generous 15 s) from an answer.
 */
const MS = 200;

const model = { name: 'm', triage: true, bytes: new Uint8Array(0), inputName: 'x', size: 8, backgroundBand: null } as unknown as WorkerModel;
const image = (): RawImage => ({ width: 64, height: 64, channels: 1, data: new Uint8Array(64 * 64) });
const source = { cam: new Float32Array(4), camH: 2, camW: 2, geometry: { size: 8, nw: 8, nh: 8, x0: 0, y0: 0 } };

describe('INFERENCE_JOB_TIMEOUT_MS (config)', () => {
  it('defaults to 30 s and refuses values outside 100 ms – 10 min', () => {
    expect(parseEnv({}).INFERENCE_JOB_TIMEOUT_MS).toBe(30_000);
    expect(parseEnv({ INFERENCE_JOB_TIMEOUT_MS: '200' }).INFERENCE_JOB_TIMEOUT_MS).toBe(200);
    for (const bad of ['99', '600001', '1.5', 'soon']) expect(() => parseEnv({ INFERENCE_JOB_TIMEOUT_MS: bad })).toThrow(ConfigValidationError);
  });
});

describe('inference workers: a wedged worker is ended and replaced at the job deadline', () => {
  const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  let workers: InferenceWorkers | undefined;
  afterEach(async () => {
    await workers?.close();
    await endAll();
    errors.mockClear();
  });
  afterAll(() => errors.mockRestore());

  async function setUp() {
    const wedge = new WedgeSwitch();
    const { spawn, spawned } = fakeSpawn(wedge);
    workers = new InferenceWorkers([model], 1, 1, { jobTimeoutMs: MS, spawn });
    await workers.start();
    return { wedge, spawned, workers };
  }

  it('a worker spinning in a loop: its job and the one queued behind it fail with 504, slots free, the next call runs on a fresh worker, one error line', async () => {
    const { wedge, spawned, workers } = await setUp();
    const sem = new Semaphore(4, 4);
    wedge.next(SPIN);
    const img = image();
    const run = sem.use(() => workers.run('m', img));
    const heat = sem.use(() => workers.heatmap(img, source)); // queued behind it in the same worker
    const [a, b] = [await outcome(run), await outcome(heat)];
    expect(a).toBeInstanceOf(WorkerTimeoutError);
    expect(b).toBeInstanceOf(WorkerTimeoutError);
    expect(toErrorBody(a)).toEqual({ statusCode: 504, code: 'ANALYSIS_TIMEOUT', message: `A worker thread did not finish a model run within ${MS} ms; it was restarted. Please try again.` });
    expect(sem.inUse).toBe(0);
    expect(await outcome(spawned[0].exited)).toBe(1); // terminate() stopped the loop
    const next = await outcome(sem.use(() => workers.run('m', img)));
    expect(next).toMatchObject({ camH: 2, camW: 2 });
    expect(spawned).toHaveLength(2);
    expect(sem.inUse).toBe(0);
    expect(errors).toHaveBeenCalledTimes(1); // the hang, not also the exit it caused
    expect(String(errors.mock.calls[0][0])).toMatch(/wedged.*run.*2 job\(s\) failed/);
  });

  it('a job never answered while the thread stays alive: that job fails at its deadline even though the worker answers others', async () => {
    const { wedge, spawned, workers } = await setUp();
    wedge.next(SILENT);
    const img = image();
    const lost = workers.run('m', img);
    const answered = await outcome(workers.heatmap(img, source));
    expect(answered).toMatchObject({ width: 1, height: 1 });
    expect(await outcome(lost)).toBeInstanceOf(WorkerTimeoutError);
    expect(await outcome(spawned[0].exited)).toBe(1);
    expect(await outcome(workers.run('m', img))).toMatchObject({ camH: 2 });
    expect(spawned).toHaveLength(2);
    expect(errors).toHaveBeenCalledTimes(1);
  });

  it('a client abort, then the deadline: the caller is answered once with the abort, the slot comes back once (never below zero)', async () => {
    const { wedge, workers } = await setUp();
    const sem = new Semaphore(1, 4);
    wedge.next(SPIN);
    const img = image();
    const ac = new AbortController();
    const job = sem.use(() => workers.run('m', img), ac.signal);
    const client = untilAborted(job, ac.signal); // what AnalysisService awaits
    const waiting = sem.use(() => workers.run('m', img), ac.signal); // queued for the one slot
    const gone = new BadRequestError('The client closed the connection.');
    ac.abort(gone);
    expect(await outcome(client)).toBe(gone);
    expect(await outcome(waiting)).toBe(gone);
    expect([sem.inUse, sem.queued]).toEqual([1, 0]); // the wedged run still holds its slot…
    expect(await outcome(job)).toBeInstanceOf(WorkerTimeoutError); // …until its deadline
    expect([sem.inUse, sem.queued]).toEqual([0, 0]);
    expect(await outcome(sem.use(() => workers.run('m', img)))).toMatchObject({ camH: 2 });
    expect(await outcome(sem.use(() => workers.run('m', img)))).toMatchObject({ camH: 2 });
    expect([sem.inUse, sem.queued]).toEqual([0, 0]);
    expect(errors).toHaveBeenCalledTimes(1);
  });

  it('a replacement worker that never opens its models: the request waiting for it fails at the deadline, its slot back, and that worker is not ended (ending it mid-load aborts the process)', async () => {
    const { wedge, spawned, workers } = await setUp();
    const sem = new Semaphore(1, 4);
    wedge.next(SPIN);
    const img = image();
    expect(await outcome(sem.use(() => workers.run('m', img)))).toBeInstanceOf(WorkerTimeoutError);
    expect(workers.loadTrouble()).toBeNull();
    wedge.loadsHang(true);
    const waiting = await outcome(sem.use(() => workers.run('m', img)));
    expect(waiting).toBeInstanceOf(WorkerTimeoutError);
    expect((waiting as Error).message).toMatch(/did not finish opening the models within 200 ms/);
    expect([sem.inUse, sem.queued]).toEqual([0, 0]);
    expect(spawned).toHaveLength(2);
    const terminate = jest.spyOn(spawned[1].worker, 'terminate');
    expect(await outcome(sem.use(() => workers.run('m', img)))).toBeInstanceOf(WorkerTimeoutError); // the same loading worker, not a third
    expect(spawned).toHaveLength(2);
    expect(terminate).not.toHaveBeenCalled();
    expect(errors).toHaveBeenCalledTimes(1); // the hang only
    // /readyz reports it (ModelRegistry.check): the replica cannot answer for those models any more
    expect(workers.loadTrouble()).toBe(`1 inference worker(s) still opening their models after ${MS} ms`);
  });

  it('a replacement worker that fails to open its models: 503 ANALYSIS_UNAVAILABLE (not the raw error, a 500), it leaves the pool, /readyz is told, and another is tried a deadline later (not by every request)', async () => {
    const { wedge, spawned, workers } = await setUp();
    const sem = new Semaphore(1, 4);
    const img = image();
    wedge.next(SPIN);
    expect(await outcome(sem.use(() => workers.run('m', img)))).toBeInstanceOf(WorkerTimeoutError);
    wedge.loadsFail(true);
    const failed = await outcome(sem.use(() => workers.run('m', img)));
    expect(toErrorBody(failed)).toMatchObject({ statusCode: 503, code: 'ANALYSIS_UNAVAILABLE' });
    expect(await outcome(spawned[1].exited)).toBe(1); // ended: its load was over
    expect(workers.loadTrouble()).toMatch(/^an inference worker failed to open its models \d+ ms ago; retried after 200 ms$/);
    // within the deadline: refused at once, no new worker (a load that keeps failing is not retried per request)
    expect(toErrorBody(await outcome(sem.use(() => workers.run('m', img))))).toMatchObject({ statusCode: 503 });
    expect(spawned).toHaveLength(2);
    wedge.loadsFail(false);
    await new Promise((r) => setTimeout(r, MS + 50));
    expect(workers.loadTrouble()).toBeNull();
    expect(await outcome(sem.use(() => workers.run('m', img)))).toMatchObject({ camH: 2 });
    expect(spawned).toHaveLength(3);
    expect([sem.inUse, sem.queued]).toEqual([0, 0]);
    expect(String(errors.mock.calls[1][0])).toMatch(/could not open its models: out of memory \(fake\)/);
  });

  it('a wedged worker\'s late answer is dropped, and terminate() rejecting does not crash anything', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const { wedge, spawned, workers } = await setUp();
    wedge.next(SILENT);
    const img = image();
    const lost = workers.run('m', img);
    spawned[0].worker.terminate = () => Promise.reject(new Error('cannot stop this thread'));
    expect(await outcome(lost)).toBeInstanceOf(WorkerTimeoutError);
    await new Promise((resolve) => setImmediate(resolve));
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
    // the old thread (never stopped) answers a job it was never sent: ignored
    spawned[0].worker.emit('message', { kind: 'run', id: 1, ok: true, run: {} });
    expect(await outcome(workers.run('m', img))).toMatchObject({ camH: 2 });
    expect(spawned).toHaveLength(2);
    expect(errors).toHaveBeenCalledTimes(1);
    await Worker.prototype.terminate.call(spawned[0].worker);
  });

  // a replacement still loading, and shutdown while one loads
  it('a replacement still opening its models does not take requests an opened worker with the model can answer (its inFlight stays 0 while it loads)', async () => {
    const wedge = new WedgeSwitch();
    const { spawn, spawned } = fakeSpawn(wedge);
    workers = new InferenceWorkers([model], 2, 1, { jobTimeoutMs: 60_000, spawn }); // both workers open 'm'
    await workers.start();
    const turns = async (n: number) => {
      for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
    };
    await spawned[0].worker.terminate(); // a crash: the next call starts a replacement
    await turns(1);
    wedge.loadsHang(true);
    // the second worker holds its jobs (busy) until told
    const held: unknown[] = [];
    let holding = true;
    const post = spawned[1].worker.postMessage.bind(spawned[1].worker);
    spawned[1].worker.postMessage = (m: unknown) => (holding ? void held.push(m) : post(m));
    const first = workers.run('m', image()); // starts the replacement (never opens), runs on the second worker
    while (held.length < 1) await turns(1);
    const second = workers.run('m', image()); // the second worker is busier than the loading one
    await turns(10);
    holding = false;
    held.splice(0).forEach((m) => post(m));
    expect(await outcome(first)).toMatchObject({ camH: 2 });
    expect(await outcome(second)).toMatchObject({ camH: 2 }); // before: waited a deadline for the load, then 504
    expect(spawned).toHaveLength(3);
  });

  it('close() while a request waits for a replacement to open its models: 503 at once, no deadline timer left to fire after it', async () => {
    const wedge = new WedgeSwitch();
    const { spawn, spawned } = fakeSpawn(wedge);
    workers = new InferenceWorkers([model], 1, 1, { jobTimeoutMs: 60_000, spawn });
    await workers.start();
    const img = image();
    await spawned[0].worker.terminate(); // a crash: the next call starts a replacement
    await new Promise((r) => setImmediate(r));
    wedge.loadsHang(true);
    const waiting = outcome(workers.run('m', img));
    await new Promise((r) => setImmediate(r));
    expect(spawned).toHaveLength(2);
    const terminate = jest.spyOn(spawned[1].worker, 'terminate');
    await workers.close();
    expect(await waiting).toBeInstanceOf(AnalysisUnavailableError); // not a 504 a deadline after shutdown
    // never ended mid-load (with onnxruntime that aborts the process: exit 134 instead of a clean shutdown)
    expect(terminate).not.toHaveBeenCalled();
    terminate.mockRestore();
  });
});
