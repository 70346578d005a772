/**
 * A stand-in for an Express request and its response, just enough for the study upload storage
 * (memoryStudyStorage) and clientGone: the response's 'close' is emitted by the test, as Node
 * emits it when the answer is sent or the client hangs up.
 */
import type { Request } from 'express';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { StudyStorage } from '../../src/studies/memory-study-storage';

export interface FakeRequest {
  req: Request;
  res: EventEmitter & { writableFinished: boolean; destroyed: boolean; closed: boolean };
}

export function fakeRequest(): FakeRequest {
  const res = Object.assign(new EventEmitter(), { writableFinished: false, destroyed: false, closed: false });
  // headersDistinct: Node's per-line view, which the Idempotency-Key check counts
  return { req: { res, headers: {}, headersDistinct: {} } as unknown as Request, res };
}

/** Streams `bytes` (or that many zero bytes) into the storage as one uploaded file of `req`; resolves with the file's buffer. */
export function upload(storage: StudyStorage, req: Request, bytes: number | Uint8Array): Promise<Buffer> {
  const stream = new PassThrough();
  const done = new Promise<Buffer>((resolve, reject) =>
    storage._handleFile(req, { stream } as unknown as Express.Multer.File, (err, info) => (err ? reject(err) : resolve(info?.buffer ?? Buffer.alloc(0)))),
  );
  stream.end(typeof bytes === 'number' ? Buffer.alloc(bytes) : Buffer.from(bytes));
  return done;
}
