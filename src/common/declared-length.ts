import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { humanBytes } from '../presentation/labels';
import { DomainError } from './errors';
import { canonicalPath } from './paths';

/** An upload route and the most file bytes it takes in one request. */
export interface UploadBound {
  path: string;
  fileBytes: number;
  files: number;
}

/**
 * Multipart framing beside the file bytes: boundaries and part headers (busboy allows ~80 KB of
 * headers a part, real clients send a few hundred bytes) and the few text fields. Generous on
 * purpose: only a body that cannot fit whatever its framing is refused on its Content-Length; a
 * closer call is left to multer's own count of the file bytes, which names the file limit.
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

/** A request whose Content-Length is over its route's declaredBodyLimit, or null. */
export function oversizedDeclaration(bounds: readonly UploadBound[], url: string, contentLength: string | undefined): DeclaredTooLargeError | null {
  const bound = uploadBoundFor(bounds, url);
  const declared = Number(contentLength);
  if (!bound || !Number.isSafeInteger(declared) || declared <= declaredBodyLimit(bound)) return null;
  return new DeclaredTooLargeError(declared, bound.fileBytes);
}

export class DeclaredTooLargeError extends DomainError {
  readonly code = 'FILE_TOO_LARGE';
  readonly statusCode = 413;
  constructor(declared: number, fileBytes: number) {
    super(`The request declares ${humanBytes(declared)} (Content-Length), more than this route takes (at most ${humanBytes(fileBytes)} of files); nothing was uploaded.`);
  }
}

/** A body sent without a Content-Length (chunked) that has passed its route's declaredBodyLimit. */
export class UndeclaredTooLargeError extends DomainError {
  readonly code = 'FILE_TOO_LARGE';
  readonly statusCode = 413;
  constructor(fileBytes: number) {
    super(`The upload (sent without a Content-Length) is larger than this route takes (at most ${humanBytes(fileBytes)} of files); the rest of it was not read, and nothing was uploaded.`);
  }
}

/** How an error is answered outside the route's own handling: the one filter (app.setup.ts). */
export type AnswerError = (error: DomainError, req: Request, res: Response) => void;

/**
 * A declared-oversized upload refused from its headers, sent with `Expect: 100-continue` or not
 * (expect-continue.ts withholds the 100 from the former, so its body never comes): before, a body
 * sent without it was read in full before the 413 — multer drains a refused body to its
 * end (so that the client is not cut off mid-send), 60 MB declared to a 5 MB route was 60 MB read.
 * Here it is refused from its headers, through the one filter (JSON, or the error page for the
 * form), which closes the connection instead of reading the body (AppExceptionFilter).
 *
 * Installed after the per-IP request limit, so that these requests count, and before the login
 * lookup: the answer depends on the route and a header alone, the same whoever asks (valid, wrong
 * or no credentials), so it tells an anonymous caller nothing about accounts — only the route's
 * upload limit, which the README documents — and costs no database read.
 *
 * A body without a Content-Length (Transfer-Encoding: chunked) declares nothing: its bytes are
 * counted as they arrive instead (refuseWhenPast).
 */
export function refuseOversizedUploads(bounds: readonly UploadBound[], answer: AnswerError): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const bound = uploadBoundFor(bounds, req.originalUrl);
    if (bound && req.headers['content-length'] === undefined) refuseWhenPast(req, res, bound, answer);
    next(oversizedDeclaration(bounds, req.originalUrl, req.headers['content-length']) ?? undefined);
  };
}

/**
 * A chunked upload is answered 413 as soon as its body passes the limit a Content-Length would have
 * been held to, whatever part of the route has it then. Before, it was read to its end: multer, once
 * the file passed its limit, drains the body before it calls back with its 413 (31.5 MB read of a
 * 30 MB chunked upload to a 5 MB route, bounded only by the 300-s request timeout).
 *
 * The bytes are counted where Node hands them to the request (its `push`), so counting takes
 * nothing from the stream multer reads later. The answer is the one filter's, given from here (the
 * route's own error arrives only once multer has drained the body); the filter closes the
 * connection after it (closeIfBodyUnread). multer then calls back with its own error (the closed
 * connection, or the file limit) to a response already sent, which the filter leaves as it is; the
 * route's handler never runs, and the uploads' storage gives back what it held when the response
 * closes, as for any upload cut off.
 */
function refuseWhenPast(req: Request, res: Response, bound: UploadBound, answer: AnswerError): void {
  const limit = declaredBodyLimit(bound);
  const push = req.push;
  let received = 0;
  req.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (received <= limit && Buffer.isBuffer(chunk)) {
      received += chunk.length;
      // after the parser's callback has returned: the answer reads from the request (closeIfBodyUnread)
      if (received > limit) setImmediate(() => res.headersSent || answeredEarly.has(req) || answer(new UndeclaredTooLargeError(bound.fileBytes), req, res));
    }
    return push.call(req, chunk, encoding);
  };
}

/** Requests whose error answer began before their body had arrived (closeIfBodyUnread). */
const answeredEarly = new WeakSet<Request>();

/**
 * Whether an error answer to `req` began before its body had arrived. Such an answer may still be
 * rendering (the error page) when the upload's own error arrives (multer's, once the body ends or
 * the connection is cut, or the chunked refusal above): that one is not answered too — a second
 * answer to one response throws ERR_HTTP_HEADERS_SENT where no one catches it.
 */
export function answeredBeforeBody(req: Request): boolean {
  return answeredEarly.has(req);
}

/** What a refused upload's connection still reads, and how long it waits, before it is cut. */
const LINGER_BYTES = 256 * 1024;
const LINGER_MS = 2000;

/**
 * An error answered before the request's body has arrived (a 401, 403 or 429 to an upload, the 413
 * above, the form's CSRF refusal mid-body) ends the connection after the answer. Kept open, Node
 * reads and drops the rest of the body after the answer, so that the connection can carry another
 * request: a caller without a login had the server read all 60 MB it declared after its 401 (a
 * chunked body, until the 300-s request timeout).
 *
 * With `Connection: close` alone Node closes the socket as soon as the answer is written, with the
 * client's body still arriving: the kernel then resets the connection, and a client still writing
 * (Node's own http client) failed with EPIPE without reading the answer that had reached it. So the
 * close lingers, as nginx's does: the answer and a FIN are sent, what the client still sends is read
 * and dropped up to LINGER_BYTES or LINGER_MS — time for it to read the answer and stop — then the
 * socket is closed.
 */
export function closeIfBodyUnread(req: Request, res: Response): void {
  if (req.complete) return;
  answeredEarly.add(req);
  res.setHeader('Connection', 'close');
  // the body now has a reader (without a byte taken): Node does not start its own drop of it
  req.read(0);
  res.once('finish', () => {
    const socket = req.socket;
    // Node's close after a `Connection: close` answer (destroySoon: end, then destroy once the end
    // is written) keeps its end (the FIN) and leaves the destroy to the linger below
    socket.removeListener('finish', socket.destroy);
    if (socket.destroyed) return;
    let taken = 0;
    const cut = () => socket.destroy();
    const timer = setTimeout(cut, LINGER_MS).unref();
    socket.once('close', () => clearTimeout(timer));
    req.on('data', (chunk: Buffer) => {
      taken += chunk.length;
      if (taken > LINGER_BYTES) cut();
    });
    req.once('end', cut);
    req.resume();
  });
}
