import { parentPort } from 'node:worker_threads';
import { prepareImage } from './prepare';
import type { PrepareRequest, PrepareResponse } from './prepare-pool';

/** Worker thread: runs prepareImage() off the main event loop. */
parentPort?.on('message', (req: PrepareRequest) => {
  let res: PrepareResponse;
  try {
    res = { id: req.id, ok: true, prepared: prepareImage(req.image, req.specs, req.displayMaxSide) };
  } catch (err) {
    res = { id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  // Each tensor's buffer is its own allocation; transfer instead of copying back. Identical specs
  // share a Preprocessed object, so collect distinct buffers only.
  const transfer = new Set<ArrayBuffer>();
  if (res.ok) {
    for (const p of res.prepared.inputs) {
      transfer.add(p.tensor.buffer as ArrayBuffer);
      transfer.add(p.canvas.buffer as ArrayBuffer);
    }
    transfer.add(res.prepared.display.luma.buffer as ArrayBuffer);
  }
  parentPort?.postMessage(res, [...transfer]);
});
