import { parentPort } from 'node:worker_threads';

/**
 * The header worker (src/studies/header.worker.ts), except that a file holding the bytes
 * CRASH-HEADER makes it run out of its heap, as a hostile file the entry count let through would:
 * header-worker.spec.ts and header-worker-crash.e2e.spec.ts (the whole app, over HTTP) check that only
 * that read fails, with a named error, and that the next one is read.
 */
parentPort?.on('message', (req: { bytes: Uint8Array }) => {
  if (!Buffer.from(req.bytes.buffer, req.bytes.byteOffset, req.bytes.byteLength).includes('CRASH-HEADER')) return;
  const hoard: number[][] = [];
  for (;;) hoard.push(new Array<number>(1 << 20).fill(hoard.length));
});
// required after the listener above (an import would be hoisted before it): the crash comes before the parse
require('../../src/studies/header.worker');
