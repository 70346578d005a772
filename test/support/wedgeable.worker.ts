import { parentPort, workerData } from 'node:worker_threads';
import { EXIT_CLEAN, SILENT, SPIN, THROW } from './wedging-workers';

/**
 * Test-only worker: runs a real worker script (workerData.script) but sees its messages first.
 * When the shared switch is set (WedgeSwitch), the next job (any message but 'load') wedges the
 * thread: SPIN loops for ever, SILENT never hands it on, THROW / EXIT_CLEAN end the thread; with loadsHang a 'load' is never handed
 * on. Every other message reaches the script.
 */
const { script, flag } = workerData as { script: string; flag: SharedArrayBuffer };
const mode = new Int32Array(flag);
const port = parentPort!;
type Listener = (msg: { kind?: string }) => void;
const on = port.on.bind(port) as (event: string, listener: Listener) => typeof port;
const patched = (event: string, listener: Listener) =>
  on(event, event !== 'message' ? listener : (msg) => {
    if (msg.kind !== 'load') {
      const wedge = Atomics.exchange(mode, 0, 0);
      if (wedge === SPIN) for (;;);
      if (wedge === SILENT) return;
      if (wedge === THROW) throw new Error('worker crashed (test)');
      if (wedge === EXIT_CLEAN) process.exit(0);
    } else if (Atomics.load(mode, 1) === 1) return; // WedgeSwitch.loadsHang: never opens its models
    listener(msg);
  });
port.on = patched as unknown as typeof port.on;
// after the patch: the script registers its listener when it is loaded
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(script);
