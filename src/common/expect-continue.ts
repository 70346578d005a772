import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ErrorBody } from './app-exception.filter';
import { oversizedDeclaration, UploadBound } from './declared-length';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id';

/**
 * `Expect: 100-continue` (curl sends it for any body over 1 MB, as do .NET and Java clients):
 * Node answered 100 Continue to every such request, so a 50 MB file sent to a 5 MB route was
 * uploaded whole before its 413. Here a Content-Length no upload of that route can reach is
 * refused with the final 413 instead of the 100, so the client never sends the body; the
 * connection is closed after it (the body, if a client sends it anyway, is never read). Every other
 * request gets its 100 Continue and goes on to the app as before (where a request without the
 * header is refused alike: refuseOversizedUploads).
 */
export function refuseOversizedContinue(server: Server, bounds: readonly UploadBound[]): void {
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const refusal = oversizedDeclaration(bounds, req.url ?? '/', req.headers['content-length']);
    if (refusal) {
      const body = JSON.stringify({ statusCode: refusal.statusCode, code: refusal.code, message: refusal.message } satisfies ErrorBody);
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
