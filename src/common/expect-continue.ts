import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { humanBytes } from '../presentation/labels';
import type { ErrorBody } from './app-exception.filter';
import { canonicalPath } from './paths';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id';

/** An upload route and the most file bytes it takes in one request. */
export interface UploadBound {
  path: string;
  fileBytes: number;
  files: number;
}

/**
 * Multipart framing beside the file bytes: boundaries and part headers (busboy allows ~80 KB of
 * headers a part, real clients send a few hundred bytes) and the few text fields. Generous on
 * purpose: only a body that cannot fit whatever its framing is refused here; a closer call is
 * left to multer's own count of the file bytes, as before.
 */
const FRAMING_BYTES = 1024 * 1024;
const FRAMING_BYTES_PER_FILE = 96 * 1024;

/** The upload route `url` names (as Express matches it: any case, a trailing slash), or null. */
export function uploadBoundFor(bounds: readonly UploadBound[], url: string): UploadBound | null {
  const path = canonicalPath(url.split('?')[0] ?? '').replace(/(.)\/$/, '$1');
  return bounds.find((b) => b.path === path) ?? null;
}

/** The most bytes a request to that route can honestly declare. */
export function declaredBodyLimit(bound: UploadBound): number {
  return bound.fileBytes + FRAMING_BYTES + bound.files * FRAMING_BYTES_PER_FILE;
}

/**
 * `Expect: 100-continue` (curl sends it for any body over 1 MB, as do .NET and Java clients):
 * Node answered 100 Continue to every such request, so a 50 MB file sent to a 5 MB route was
 * uploaded whole before its 413. Here a Content-Length no upload of that route can reach is
 * refused with the final 413 instead of the 100, so the client never sends the body; the
 * connection is closed after it (the body, if a client sends it anyway, is never read). Every other
 * request gets its 100 Continue and goes on to the app as before.
 */
export function refuseOversizedContinue(server: Server, bounds: readonly UploadBound[]): void {
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const bound = uploadBoundFor(bounds, req.url ?? '/');
    const declared = Number(req.headers['content-length']);
    if (bound && Number.isSafeInteger(declared) && declared > declaredBodyLimit(bound)) {
      const body = JSON.stringify({
        statusCode: 413,
        code: 'FILE_TOO_LARGE',
        message: `The request declares ${humanBytes(declared)} (Content-Length), more than this route takes (at most ${humanBytes(bound.fileBytes)} of files); nothing was uploaded.`,
      } satisfies ErrorBody);
      res.writeHead(413, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        Connection: 'close',
        // answered before the app sees the request: its id is named here (request-id.ts)
        [REQUEST_ID_HEADER]: requestIdFrom(req.headers),
      });
      res.end(body);
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
  });
}
