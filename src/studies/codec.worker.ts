import { parentPort } from 'node:worker_threads';
import type { CodecRequest, CodecResponse } from './codec-thread';
import { decodeWasm, WasmDecodeError } from './wasm-codecs';

/** Worker thread: JPEG-LS, JPEG 2000 and HTJ2K frames decoded by the WebAssembly codecs (wasm-codecs.ts), off the main event loop. */
parentPort?.on('message', (req: CodecRequest) => {
  decodeWasm(req.codec, req.bytes).then(
    (frame) => parentPort?.postMessage({ id: req.id, ok: true, frame } satisfies CodecResponse, [frame.data.buffer as ArrayBuffer]),
    (err: unknown) =>
      parentPort?.postMessage({
        id: req.id,
        ok: false,
        corrupt: err instanceof WasmDecodeError,
        restart: !(err instanceof WasmDecodeError) || err.trap,
        error: err instanceof Error ? err.message : String(err),
      } satisfies CodecResponse),
  );
});
