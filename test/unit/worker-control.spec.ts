import { WorkerControl } from '../../src/inference/worker-control';

/**
 * The handshake that keeps the pool from terminating an inference worker inside session.run()
 * (which aborts the whole process: test/e2e/wedged-worker-native.e2e.spec.ts). Both sides see
 * the same shared memory; here one thread plays both, in the orders the two threads can take.
 */
describe('WorkerControl', () => {
  const pair = () => {
    const pool = new WorkerControl();
    return { pool, worker: new WorkerControl(pool.buffer) };
  };

  it('a worker outside any native call may be terminated at once, and enters none after the stop', () => {
    const { pool, worker } = pair();
    expect(pool.requestStop()).toBe(true);
    expect(worker.enterNative()).toBe(false);
    expect(pool.requestStop()).toBe(true); // the refused entry left no count behind
  });

  it('a worker inside a native call is not terminated; it learns of the stop when the call returns', () => {
    const { pool, worker } = pair();
    expect(worker.enterNative()).toBe(true);
    expect(pool.requestStop()).toBe(false);
    expect(worker.leaveNative()).toBe(true);
    expect(pool.requestStop()).toBe(true);
  });

  it('without a stop, leaving a call says go on', () => {
    const { worker } = pair();
    expect(worker.enterNative()).toBe(true);
    expect(worker.leaveNative()).toBe(false);
  });

  // session.run() is a promise: a worker takes its next message while one run is pending, so a
  // second run can start before the first ends. With a flag the first one's end cleared it while
  // the second was still native, and the pool terminated the worker inside it (the server aborted).
  it('counts overlapping calls: one of two ending does not make the worker safe to terminate', () => {
    const { pool, worker } = pair();
    expect(worker.enterNative()).toBe(true);
    expect(worker.enterNative()).toBe(true);
    worker.leaveNative();
    expect(pool.requestStop()).toBe(false);
    expect(worker.leaveNative()).toBe(true);
    expect(pool.requestStop()).toBe(true);
  });
});
