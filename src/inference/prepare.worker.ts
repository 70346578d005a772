import { parentPort } from 'node:worker_threads';
import { displayFromLuma, inputsFromLuma } from './prepare';
import type { PrepareRequest, PrepareResponse } from './prepare-pool';
import { toLuma } from './preprocess';

/** Worker thread: the pixel work of prepare-pool.ts off the main event loop. */
parentPort?.on('message', (req: PrepareRequest) => {
  let res: PrepareResponse;
  const transfer = new Set<ArrayBuffer>();
  try {
    const { image } = req;
    const luma = toLuma(image);
    if (req.op === 'inputs') {
      const inputs = inputsFromLuma(luma, image.width, image.height, req.specs);
      // Each tensor's buffer is its own allocation; transfer instead of copying back. Identical
      // specs share a Preprocessed object, so collect distinct buffers only.
      for (const p of inputs) {
        transfer.add(p.tensor.buffer as ArrayBuffer);
        transfer.add(p.canvas.buffer as ArrayBuffer);
      }
      res = { id: req.id, ok: true, op: 'inputs', inputs };
    } else {
      const display = displayFromLuma(luma, image.width, image.height, req.maxSide);
      transfer.add(display.luma.buffer as ArrayBuffer);
      res = { id: req.id, ok: true, op: 'display', display };
    }
  } catch (err) {
    res = { id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort?.postMessage(res, [...transfer]);
});
