import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { canonicalPath } from './paths';
import { answeredBeforeBody, closeIfBodyUnread } from './declared-length';
import { requestIdOf } from './request-id';
import { DISCLAIMER } from './disclaimer';
import { errorPageHeading, errorPageTitle } from './error-page';
import { unquotedFrameworkMessage } from './framework-messages';
import { DatabaseFileMovedError, DomainError, ErrorCode, isErrorCode } from './errors';

export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
}

/** Status → code for framework exceptions (routing 404, multer's 413, throttler's 429…). */
const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'FILE_TOO_LARGE',
  415: 'UNSUPPORTED_TYPE',
  429: 'TOO_MANY_REQUESTS',
  503: 'ANALYSIS_UNAVAILABLE',
  504: 'ANALYSIS_TIMEOUT',
};

/**
 * SQLite conditions that mean "the database cannot take this now" (read-only file or mount,
 * I/O error, full disk, lock held too long, file gone): a 503 the caller may retry, never a 500.
 * Read from the driver adapter's error that Prisma attaches (meta.driverAdapterError.cause).
 */
const UNAVAILABLE_SQLITE = /^SQLITE_(READONLY|IOERR|FULL|BUSY|LOCKED|CANTOPEN|PERM|NOTADB|CORRUPT)/;

/**
 * PostgreSQL (@prisma/adapter-pg) conditions of the same kind: the server not running or not
 * reachable, the connection closed or timed out, too many connections, a login it refuses (a
 * rotated password) — the adapter's error kinds — and the SQLSTATE classes 08 (connection
 * exception), 53 (insufficient resources: disk full, out of memory), 57P0x (shutdown, restart,
 * starting up: what `pg_ctl restart` or pg_terminate_backend sends to open connections), 58 (I/O)
 * and 25006 (a read-only transaction: a standby after a failover). All answered 500 before.
 */
const UNAVAILABLE_PG_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TlsConnectionError',
  'AuthenticationFailed',
  'DatabaseAccessDenied',
  'DatabaseDoesNotExist',
]);
const UNAVAILABLE_PG_CODE = /^(08|53|57P0|58)|^(25006|57014)$/;
/**
 * node-postgres's own words for a connection lost without a server error; the adapter passes these
 * on as plain Errors. "Query read timeout": a query that got no answer within DB_QUERY_TIMEOUT_MS
 * (src/prisma/pg-pool.ts closes its connection with these words).
 */
const PG_CONNECTION_LOST = /^(Connection terminated( unexpectedly| due to connection timeout)?|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable|Query read timeout)$/;
/** 57014: statement_timeout (DB_QUERY_TIMEOUT_MS) cancelled the query on a server that answers. */
const PG_QUERY_CANCELLED = '57014';

interface DriverCause {
  originalCode?: unknown;
  kind?: unknown;
  code?: unknown;
}

function driverCause(exception: unknown): DriverCause | undefined {
  return (exception as { meta?: { driverAdapterError?: { cause?: DriverCause } } } | null)?.meta?.driverAdapterError?.cause;
}

export function isDatabaseUnavailable(exception: unknown): boolean {
  if (exception instanceof DatabaseFileMovedError) return true;
  const e = exception as { name?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object' || typeof e.name !== 'string') return false;
  if (e.name === 'Error' && typeof e.message === 'string' && PG_CONNECTION_LOST.test(e.message)) return true;
  if (!e.name.startsWith('PrismaClient')) return false;
  if (e.name === 'PrismaClientInitializationError') return true;
  if (isTransactionTimeout(exception)) return true;
  const cause = driverCause(exception);
  if (typeof cause?.originalCode === 'string' && UNAVAILABLE_SQLITE.test(cause.originalCode)) return true;
  if (typeof cause?.kind === 'string' && UNAVAILABLE_PG_KINDS.has(cause.kind)) return true;
  return cause?.kind === 'postgres' && typeof cause.code === 'string' && UNAVAILABLE_PG_CODE.test(cause.code);
}

/**
 * P2028: an interactive transaction that could not start within its maxWait, or ran past its
 * timeout (PrismaService.transaction) — on PostgreSQL a frozen server's BEGIN, or a pool with no
 * free connection; with DB_QUERY_TIMEOUT_MS the transaction's own statements end within that. It
 * answered 500 (seen: a transaction on a server frozen after login, maxWait 500 ms).
 */
function isTransactionTimeout(exception: unknown): boolean {
  const e = exception as { name?: unknown; code?: unknown } | null;
  return e?.name === 'PrismaClientKnownRequestError' && e.code === 'P2028';
}

/** The subset of those where the server itself is gone (down, restarting, frozen, cut off), not one refusing a write. */
const UNREACHABLE_PG_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TlsConnectionError']);

function isDatabaseUnreachable(exception: unknown): boolean {
  const e = exception as { name?: unknown; message?: unknown } | null;
  if (e?.name === 'Error' && typeof e.message === 'string') return PG_CONNECTION_LOST.test(e.message);
  const cause = driverCause(exception);
  if (typeof cause?.kind === 'string' && UNREACHABLE_PG_KINDS.has(cause.kind)) return true;
  return cause?.kind === 'postgres' && typeof cause.code === 'string' && /^(08|57P0)/.test(cause.code);
}

/**
 * Retry-After (seconds) on every 503: a saturated inference queue, models reloading, a database
 * write lock held past DB_LOCK_WAIT_MS (5 s by default) — each clears within seconds. Clients'
 * retry helpers (urllib3's Retry, httr's RETRY) wait for this header on 503 as they do on 429.
 */
export const RETRY_AFTER_UNAVAILABLE_SECONDS = 5;

/**
 * The SQLite file moved or replaced under the process (DatabaseFileMovedError): no wait cures it,
 * only an operator (a restart, or the opened file put back). It answered "Please try again later"
 * with Retry-After: 5, so a client's retry helper hammered every 5 s a server that could not
 * recover on its own. The path stays in the log line.
 */
export const DATABASE_FILE_MOVED_MESSAGE =
  'The database is not accepting changes until an administrator restarts the service (its database file was moved or replaced while it ran). Retrying before then will not help.';

/**
 * The Retry-After (seconds) an error answer carries, or undefined for none: the error's own
 * (a 409 IDEMPOTENCY_KEY_IN_USE), else RETRY_AFTER_UNAVAILABLE_SECONDS on a 503 — except one that
 * waiting cannot cure (the database file moved), which carries none (RFC 9110 §10.2.3: the header
 * is optional; its absence promises no time).
 */
export function retryAfterFor(exception: unknown, statusCode: number): number | undefined {
  if (exception instanceof DomainError && exception.retryAfterSeconds) return exception.retryAfterSeconds;
  if (statusCode !== 503 || exception instanceof DatabaseFileMovedError) return undefined;
  return RETRY_AFTER_UNAVAILABLE_SECONDS;
}

/** What the request was, for the words of a framework error: only whether it uploaded a file. */
export interface ErrorRequest {
  multipart: boolean;
}

/**
 * A client that hung up mid-upload (multer: "Request aborted"): nobody is left to answer, and it
 * is no server fault, so it is neither a 500 nor an error-level log line with a stack.
 */
export function isClientAbort(exception: unknown, req: Pick<Request, 'readableAborted' | 'destroyed'>): boolean {
  return exception instanceof Error && !(exception instanceof HttpException) && exception.message === 'Request aborted' && (req.readableAborted || req.destroyed);
}

export function toErrorBody(exception: unknown, req: ErrorRequest = { multipart: true }): ErrorBody {
  if (isDatabaseUnavailable(exception)) {
    // a page read while PostgreSQL is down said "not accepting changes": it was asked for none
    const message = isDatabaseUnreachable(exception)
      ? 'The database cannot be reached right now. Please try again later.'
      : exception instanceof DatabaseFileMovedError
        ? DATABASE_FILE_MOVED_MESSAGE
      : driverCause(exception)?.code === PG_QUERY_CANCELLED || isTransactionTimeout(exception)
        ? 'The database took too long to answer. Please try again later.'
        : 'The database is not accepting changes right now. Please try again later.';
    return { statusCode: 503, code: 'DATABASE_UNAVAILABLE', message };
  }
  if (exception instanceof DomainError) {
    return { statusCode: exception.statusCode, code: exception.code, message: exception.message };
  }
  if (exception instanceof HttpException) {
    const statusCode = exception.getStatus();
    const response = exception.getResponse();
    let message = exception.message;
    let code: ErrorCode | undefined;
    if (typeof response === 'object' && response !== null) {
      const r = response as { message?: unknown; code?: unknown };
      if (Array.isArray(r.message)) message = r.message.map(String).join('; ');
      else if (typeof r.message === 'string') message = r.message;
      // only a code of the list: the document's enum is every code an answer carries (errors.ts)
      if (isErrorCode(r.code)) code = r.code;
    }
    // multer names the client's own form field in its message: say what was wrong, not the name
    const cause = (exception as { cause?: unknown }).cause;
    if (cause instanceof Error && typeof (cause as { field?: unknown }).field === 'string') message = cause.message;
    message = unquotedFrameworkMessage(statusCode, cause) ?? message;
    if (statusCode === 413 && !req.multipart) {
      // a JSON or form body over the parser's limit: no file was sent, so do not say "file"
      return { statusCode, code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large.' };
    }
    if (statusCode === 413) message = 'The file is too large.';
    return {
      statusCode,
      code: code ?? CODE_BY_STATUS[statusCode] ?? (statusCode >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST'),
      message,
    };
  }
  return {
    statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
    code: 'INTERNAL_ERROR',
    message: 'An unexpected error occurred.',
  };
}

/** Whether a request should get an HTML error page rather than JSON. */
export function wantsHtml(req: Request): boolean {
  const path = canonicalPath(req.path);
  if (path.startsWith('/api') || path === '/healthz' || path === '/readyz') return false;
  return req.accepts(['json', 'html']) === 'html';
}

/**
 * The one place where errors become responses: `{statusCode, code, message}` for the API,
 * the error page for browsers. Unknown errors are logged (message and stack only — request
 * bodies are never logged, so no image byte reaches the logs) and answered with a bland 500.
 */
@Catch()
export class AppExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    // the request id in every line: what the error page shows a user as "Reference" finds it
    const where = `${req.method} ${req.path} (request ${requestIdOf(req) ?? '-'})`;
    if (isClientAbort(exception, req)) {
      this.logger.warn(`${where}: the client closed the connection during the upload`);
      if (!res.headersSent && !answeredBeforeBody(req)) res.status(400).json({ statusCode: 400, code: 'BAD_REQUEST', message: 'The upload was interrupted.' } satisfies ErrorBody);
      return;
    }
    const body = toErrorBody(exception, { multipart: Boolean(req.is('multipart/*')) });

    if (body.code === 'DATABASE_UNAVAILABLE') {
      // one line per request: the driver's code, not the query or its values
      const cause = driverCause(exception);
      const code =
        cause?.originalCode ??
        (cause?.kind === 'postgres' ? cause.code : cause?.kind) ??
        (isTransactionTimeout(exception) ? 'P2028' : undefined) ??
        (exception instanceof DatabaseFileMovedError ? exception.message : undefined) ??
        (exception instanceof Error && exception.name === 'Error' ? exception.message : undefined);
      this.logger.error(`${where}: database unavailable (${String(code ?? (exception instanceof DomainError ? 'a write failed' : 'initialisation'))})`);
    } else if (body.statusCode >= 500 && !(exception instanceof DomainError)) {
      const err = exception instanceof Error ? exception : new Error(String(exception));
      this.logger.error(`${where}: ${err.message}`, err.stack);
    }
    // an answer already given, or begun before the body arrived (declared-length.ts)
    if (res.headersSent || answeredBeforeBody(req)) return;
    // answered before the body has arrived: the rest is not read (declared-length.ts)
    closeIfBodyUnread(req, res);
    // the error's own wait replaces any; the 503 default does not replace one already set (the rate-limit guard's)
    const retryAfter = retryAfterFor(exception, body.statusCode);
    if (retryAfter !== undefined && ((exception instanceof DomainError && exception.retryAfterSeconds) || !res.getHeader('Retry-After'))) res.setHeader('Retry-After', String(retryAfter));

    if (wantsHtml(req)) {
      // a 429 keeps the user where they were: the login form stays, with the wait counting down
      const retryAfter = body.statusCode === 429 ? Number(res.getHeader('Retry-After')) || null : null;
      if (retryAfter && req.method === 'POST' && req.path === '/login') {
        const form = (req.body ?? {}) as Record<string, unknown>;
        res.status(429).render('login', {
          title: 'Log in',
          error: body.message,
          retryAfter,
          email: typeof form.email === 'string' ? form.email.slice(0, 200) : '',
          next: typeof form.next === 'string' && form.next.startsWith('/') && !form.next.startsWith('//') ? form.next : '',
          disclaimer: DISCLAIMER,
        });
        return;
      }
      res.status(body.statusCode).render('error', {
        title: errorPageTitle(body.statusCode),
        error: { ...body, message: errorPageHeading(body, req.path) },
        retryAfter,
        again: retryAfter && req.method === 'GET' ? req.originalUrl : null,
        // what a user quotes to the admin: it finds this request's lines in the log (request-id.ts)
        requestId: requestIdOf(req),
        disclaimer: DISCLAIMER,
      });
      return;
    }
    res.status(body.statusCode).json(body);
  }
}
