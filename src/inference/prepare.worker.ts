import { parentPort } from 'node:worker_threads';
import { CorruptImageError } from '../common/errors';
import { decodePixels } from './image-decoder';
import { reportFigurePng } from './image-encoder';
import { displayFromLuma, inputsFromLuma, reduceImage } from './prepare';
import type { PrepareRequest, PrepareResponse } from './prepare-pool';
import { toLuma } from './preprocess';

/** Worker thread: the pixel work of prepare-pool.ts (large decodes, preparation) off the main event loop. */
async function handle(req: PrepareRequest): Promise<void> {
  let res: PrepareResponse;
  const transfer = new Set<ArrayBuffer>();
  try {
    if (req.op === 'figure') {
      const png = await reportFigurePng(req.bytes, req.maxPixels);
      if (png.byteOffset === 0 && png.byteLength === png.buffer.byteLength) transfer.add(png.buffer as ArrayBuffer);
      res = { id: req.id, ok: true, op: 'figure', png };
    } else if (req.op === 'decode') {
      const image = await decodePixels(req.bytes, req.header, req.limits);
      if (req.sizes) {
        // only the letterboxes and the display leave this worker: the pixels and their luma
        // (hundreds of MB for 40 MP) die here instead of being copied to the inference workers
        const prepared = reduceImage(image, req.sizes, req.colour);
        for (const b of prepared.boxes) transfer.add(b.canvas.buffer as ArrayBuffer);
        if (prepared.display.luma.buffer.byteLength < image.data.byteLength) transfer.add(prepared.display.luma.buffer as ArrayBuffer);
        res = { id: req.id, ok: true, op: 'decode', image: { ...image, data: new Uint8Array(0), prepared } };
      } else {
        const d = image.data;
        // hand the pixels over without a copy when they own their buffer
        if (d.byteOffset === 0 && d.byteLength === d.buffer.byteLength) transfer.add(d.buffer as ArrayBuffer);
        res = { id: req.id, ok: true, op: 'decode', image };
      }
    } else {
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
    }
  } catch (err) {
    res = { id: req.id, ok: false, error: err instanceof Error ? err.message : String(err), corrupt: err instanceof CorruptImageError };
  }
  parentPort?.postMessage(res, [...transfer]);
}

parentPort?.on('message', (req: PrepareRequest) => void handle(req));
