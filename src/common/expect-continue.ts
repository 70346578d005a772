import type { NextFunction, Request, Response } from 'express';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { oversizedDeclaration, UploadBound } from './declared-length';
import { ExpectationFailedError } from './errors';

/** Requests whose `Expect` names something other than 100-continue (Node's 'checkExpectation'). */
const unmetExpectations = new WeakSet<IncomingMessage>();

/**
 * `Expect: 100-continue` (curl sends it for any body over 1 MB, as do .NET and Java clients):
 * Node answered 100 Continue to every such request, so a 50 MB file sent to a 5 MB route was
 * uploaded whole before its 413. Here a Content-Length no upload of that route can reach gets no
 * 100: the request goes on to the app without it, where the per-IP request limit counts it (a 429
 * once over) and refuseOversizedUploads answers the 413 from its headers — the client never sends
 * the body, and Node closes the connection after a final answer to an expectation it did not meet.
 * Every other request gets its 100 Continue and goes on to the app as before.
 *
 * Another expectation (`Expect: something-else`) was Node's own bare 417, with no body, no request
 * id — and, like the 413 answered here before, never counted by the request limit, so a client
 * could probe without ever being limited. It goes on to the app too, marked for
 * refuseUnmetExpectations.
 */
export function answerExpectations(server: Server, bounds: readonly UploadBound[]): void {
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!oversizedDeclaration(bounds, req.url ?? '/', req.headers['content-length'])) res.writeContinue();
    server.emit('request', req, res);
  });
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    unmetExpectations.add(req);
    server.emit('request', req, res);
  });
}

/**
 * The 417 for an expectation marked by answerExpectations, through the one filter: installed after
 * the per-IP request limit, so that it is counted, and before anything reads the body or the login.
 */
export function refuseUnmetExpectations(req: Request, _res: Response, next: NextFunction): void {
  next(unmetExpectations.has(req) ? new ExpectationFailedError(String(req.headers.expect ?? '')) : undefined);
}
