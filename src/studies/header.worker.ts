import { parentPort } from 'node:worker_threads';
import { countHeaderEntries, parseDicomHeader } from './dicom-header';
import { wireError, WireRequest, WireResponse } from './header-pool';

/**
 * Worker thread: one large DICOM header at a time counted and parsed (dicom-header.ts), off the main
 * event loop (header-pool.ts). The answer holds no view of the file; the file itself goes back only
 * when it was the read's own (an inflated file).
 */
parentPort?.on('message', (req: WireRequest) => {
  const room = { left: req.roomLeft };
  let res: WireResponse;
  try {
    // counted in full here: the main thread stopped at its inline bound (dicom.ts INLINE_HEADER_ENTRIES)
    const entries = countHeaderEntries(req.bytes, req.pos, req.frameRoom, room, req.deflatedAt !== undefined) ?? 0;
    const fields = parseDicomHeader(req.bytes, req.pos, req.frameRoom, room, entries, req.deflatedAt);
    res = { id: req.id, ok: true, fields, roomLeft: room.left, bytes: req.giveBack ? req.bytes : undefined };
  } catch (err) {
    res = { id: req.id, ok: false, error: wireError(err) };
  }
  parentPort?.postMessage(res, res.ok && res.bytes ? [res.bytes.buffer as ArrayBuffer] : []);
});
parentPort?.postMessage({ ready: true } satisfies WireResponse);
