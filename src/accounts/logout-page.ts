import type { Request, Response } from 'express';
import { retryAfterFor } from '../common/app-exception.filter';
import { DISCLAIMER } from '../common/disclaimer';
import { DatabaseFileMovedError } from '../common/errors';
import { requestIdOf } from '../common/request-id';

/**
 * What a browser's logout says when the database refused to delete its session row (503
 * DATABASE_UNAVAILABLE: a write lock held too long, a read-only or full disk, the SQLite file moved
 * away). The caller has cleared the cookies: this browser is out, but anyone holding a copy of the
 * cookie (a stolen one, a device it was copied to) stays in until the session expires or a password
 * change ends every session. The page says so rather than "logged out", and what to do.
 */
const STILL_VALID =
  'so the session is still valid on the server until it expires. This browser no longer holds it. ' +
  'If you think someone else could have a copy of it, change your password once the service is back: that ends every session.';

/**
 * `cause`: the database's refusal. A moved database file waits for an administrator (no Retry-After,
 * as the exception filter answers it); any other may clear within seconds (Retry-After as every 503).
 */
export function renderNotRevoked(req: Request, res: Response, cause: unknown): void {
  const retryAfter = retryAfterFor(cause, 503);
  if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
  const why =
    cause instanceof DatabaseFileMovedError
      ? 'The database is not accepting changes until an administrator restarts the service, '
      : 'The database is not accepting changes right now, ';
  res.status(503).render('error', {
    title: 'Logged out of this browser only',
    error: { statusCode: 503, code: 'DATABASE_UNAVAILABLE', message: 'You are logged out of this browser, but the server could not end the session.' },
    detail: why + STILL_VALID,
    requestId: requestIdOf(req),
    disclaimer: DISCLAIMER,
    // the page is for someone logged out: no account link or logout button in its header
    currentUser: null,
    isAdmin: false,
  });
}
