import type { NextFunction, Request, Response } from 'express';
import { authState } from '../accounts/request-user';
import { requestIdOf } from '../common/request-id';
import type { AuditLog } from './audit-log.service';

/**
 * ACCESS_LOG=true: one line per request once it is answered (or the client hung up): method,
 * path without its query string (`next`, filters and the like stay out of the log), status,
 * duration, bytes sent when the answer declared its length, and the user once the login
 * middleware has named one. Installed right after the request id, so the duration covers every other middleware.
 */
export function accessLog(audit: AuditLog): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    let written = false;
    const done = (aborted: boolean): void => {
      if (written) return;
      written = true;
      const length = Number(res.getHeader('content-length'));
      audit.write({
        event: 'http.request',
        ip: req.ip,
        method: req.method,
        path: req.originalUrl,
        requestId: requestIdOf(req),
        // a client that hung up before any answer got none: Express's default 200 would count it a success
        status: res.headersSent ? res.statusCode : undefined,
        // to 0.1 ms
        durationMs: Math.round(Number(process.hrtime.bigint() - start) / 1e5) / 10,
        // streamed answers (a PDF, a CSV export) declare none: left out rather than guessed
        bytes: res.getHeader('content-length') !== undefined && Number.isFinite(length) ? length : undefined,
        userId: authState(req).user?.id,
        aborted: aborted || undefined,
      });
    };
    res.once('finish', () => done(false));
    res.once('close', () => done(!res.writableFinished));
    next();
  };
}
