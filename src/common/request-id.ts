import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/**
 * A proxy's or client's own id is kept only as a plain token: at most 64 of [A-Za-z0-9._-]. Anything
 * else (spaces, quotes, markup, control codes, a 1 MB header) could forge or bloat a log line or an
 * HTML page, so it is replaced rather than cleaned up — a half-kept id would match nothing anyway.
 */
const SANE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The id of a request: the one it brought, if a sane token, else a fresh random UUID. */
export function requestIdFrom(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
}

interface WithRequestId {
  requestId?: string;
}

/** The id `assignRequestId` gave this request (undefined only for a request it never saw). */
export function requestIdOf(req: Request): string | undefined {
  return (req as Request & WithRequestId).requestId;
}

/**
 * First middleware of the app (configureApp): names the request and says its name on the answer
 * before anything else can answer — so errors, 404s, 405s, the body parser's 413 and static files
 * all carry it. Kept on the request object itself, the request's own scope: no global state.
 */
export function assignRequestId(req: Request, res: Response, next: NextFunction): void {
  const id = requestIdFrom(req.headers);
  (req as Request & WithRequestId).requestId = id;
  res.setHeader(REQUEST_ID_HEADER, id);
  next();
}
