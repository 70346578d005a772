/**
 * Shared memory between an inference worker and its pool, so that a wedged worker is never
 * terminated inside an onnxruntime call. Worker.terminate() during session.run() does not stop the
 * native run; when the run returns, onnxruntime-node builds its output tensors in an environment
 * that is being torn down, throws Napi::Error out of C++ and aborts the WHOLE process ("terminate
 * called after throwing an instance of 'Napi::Error'", exit 134) — measured: 6 concurrent analyses
 * at INFERENCE_JOB_TIMEOUT_MS=100 killed the server. So the worker marks the span of each native
 * call, and a pool that gives up on it asks it to stop: it is terminated at once only when it is
 * outside a native call (a JavaScript loop can be terminated safely), and otherwise ends itself as
 * soon as the native call returns. The two flags are checked in opposite order on the two sides
 * (store mine, then load the other's; Atomics are sequentially consistent), so either the pool
 * sees the worker inside a call or the worker sees the stop before it enters one — never neither.
 */
const IN_NATIVE = 0;
const STOP = 1;

export class WorkerControl {
  readonly flags: Int32Array;

  /** A new control (the pool's side), or the worker's view of the pool's `buffer`. */
  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT)) {
    this.flags = new Int32Array(buffer);
  }

  get buffer(): SharedArrayBuffer {
    return this.flags.buffer as SharedArrayBuffer;
  }

  /**
   * The pool's side: asks the worker to stop. True when it may be terminated now (it is not inside
   * a native call and will not enter one); false when it is inside one and ends itself when it returns.
   */
  requestStop(): boolean {
    Atomics.store(this.flags, STOP, 1);
    return Atomics.load(this.flags, IN_NATIVE) === 0;
  }

  /**
   * The worker's side: before a native call. False when the pool asked it to stop (do not call).
   * A count, not a flag: session.run() returns a promise, and a worker takes its next message while
   * one is pending, so several runs may be in flight at once.
   */
  enterNative(): boolean {
    Atomics.add(this.flags, IN_NATIVE, 1);
    if (Atomics.load(this.flags, STOP) === 0) return true;
    Atomics.sub(this.flags, IN_NATIVE, 1);
    return false;
  }

  /** The worker's side: after the native call. True when the pool asked it to stop meanwhile. */
  leaveNative(): boolean {
    Atomics.sub(this.flags, IN_NATIVE, 1);
    return Atomics.load(this.flags, STOP) === 1;
  }
}
