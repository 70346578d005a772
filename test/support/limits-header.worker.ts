import { parentPort, resourceLimits } from 'node:worker_threads';
import type { WireRequest, WireResponse } from '../../src/studies/header-pool';

/**
 * A header worker that parses nothing: it answers each request with an error whose message is the
 * heap limits it was started with (worker_threads.resourceLimits), so header-pool.spec.ts can check
 * what a pool's workers really run under.
 */
parentPort?.on('message', (req: WireRequest) => {
  const res: WireResponse = { id: req.id, ok: false, error: { className: 'Error', message: JSON.stringify(resourceLimits), fields: {} } };
  parentPort?.postMessage(res);
});
parentPort?.postMessage({ ready: true } satisfies WireResponse);
