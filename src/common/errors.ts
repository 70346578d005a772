/**
 * Domain errors carry a stable machine code and the HTTP status they map to. Services throw
 * these; the single AppExceptionFilter turns them into JSON (API) or an error page (HTML).
 * A refusal by a model (not MRI, unsupported body part…) is NOT an error: it is a result.
 */
import { humanBytes } from '../presentation/labels';

/**
 * Every `code` an error answer can carry: the one list. DomainError subclasses are typed by it (a
 * code not here does not compile), the exception filter's framework codes too, and the OpenAPI
 * document's ErrorBodyDto.code enum is this array — so a client's generated enum cannot drift.
 */
export const ERROR_CODES = [
  'UNSUPPORTED_TYPE',
  'FILE_TOO_LARGE',
  'PAYLOAD_TOO_LARGE',
  'REQUEST_HEADERS_TOO_LARGE',
  'CORRUPT_IMAGE',
  'RESOLUTION_OUT_OF_RANGE',
  'PIXEL_SPACING_OUT_OF_RANGE',
  'MIXED_SERIES',
  'UNSUPPORTED_TRANSFER_SYNTAX',
  'TOO_MANY_SLICES',
  'TOO_MANY_FILES',
  'MISSING_FILE',
  'EMPTY_FILE',
  'BAD_REQUEST',
  'INVALID_CURSOR',
  'CURSOR_FILTERS_MISMATCH',
  'UNKNOWN_FILTER_VALUE',
  'CONFLICT',
  'INVALID_IDEMPOTENCY_KEY',
  'IDEMPOTENCY_KEY_REUSED',
  'IDEMPOTENCY_KEY_IN_USE',
  'ANALYSIS_UNAVAILABLE',
  'ANALYSIS_TIMEOUT',
  'NOT_FOUND',
  'STUDY_HAS_OWN_REPORT',
  'METHOD_NOT_ALLOWED',
  'EXPECTATION_FAILED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'PASSWORD_CHANGE_REQUIRED',
  'TOO_MANY_REQUESTS',
  'DATABASE_UNAVAILABLE',
  'INTERNAL_ERROR',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(v: unknown): v is ErrorCode {
  return typeof v === 'string' && (ERROR_CODES as readonly string[]).includes(v);
}

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  abstract readonly statusCode: number;
  /** sent as Retry-After (seconds) with the answer, when set: when the same request may succeed */
  readonly retryAfterSeconds?: number;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** File-check failures: the request cannot be analysed because of the uploaded bytes. */
export abstract class FileCheckError extends DomainError {}

export class UnsupportedTypeError extends FileCheckError {
  readonly code = 'UNSUPPORTED_TYPE';
  readonly statusCode = 415;
  constructor(message = 'Only JPEG and PNG images are accepted.') {
    super(message);
  }
}

/**
 * A file of 0 bytes: its type cannot be the problem (there is nothing to sniff), so it is not a 415
 * "Only JPEG and PNG". Usually a file chosen before it was written (a download or sync still running).
 */
export class EmptyFileError extends FileCheckError {
  readonly code = 'EMPTY_FILE';
  readonly statusCode = 400;
  constructor(what = 'The file') {
    super(`${what} is empty (0 bytes): there is nothing to analyse. Choose it again once it has been saved in full (a download or sync may still be running).`);
  }
}

export class FileTooLargeError extends FileCheckError {
  readonly code = 'FILE_TOO_LARGE';
  readonly statusCode = 413;
  constructor(limitBytes: number) {
    super(`The file exceeds the ${humanBytes(limitBytes)} limit.`);
  }
}

export class CorruptImageError extends FileCheckError {
  readonly code = 'CORRUPT_IMAGE';
  readonly statusCode = 422;
  constructor(message = 'The image could not be decoded (corrupt or truncated file).') {
    super(message);
  }
}

export class ResolutionOutOfRangeError extends FileCheckError {
  readonly code = 'RESOLUTION_OUT_OF_RANGE';
  readonly statusCode = 422;
}

export class MissingFileError extends DomainError {
  readonly code = 'MISSING_FILE';
  readonly statusCode = 400;
  constructor(field = 'image') {
    super(`No file was uploaded in the multipart field "${field}".`);
  }
}

export class BadRequestError extends DomainError {
  readonly code = 'BAD_REQUEST';
  readonly statusCode = 400;
}

/** A history `cursor` this server did not write as it stands: cut short, edited, or not one at all. */
export class InvalidCursorError extends DomainError {
  readonly code = 'INVALID_CURSOR';
  readonly statusCode = 400;
  constructor(message = 'The "cursor" is not one this server gave (cut short or changed): start again from the first page, without it.') {
    super(message);
  }
}

/**
 * A history `cursor` sent beside filters other than those of the request that made it: its
 * position is only "after" within that selection, so a page of another one would skip or repeat.
 */
export class CursorFiltersMismatchError extends DomainError {
  readonly code = 'CURSOR_FILTERS_MISMATCH';
  readonly statusCode = 400;
  constructor() {
    super('The "cursor" belongs to other filters than these: send it alone (it carries its own filters) or with the same ones, or start again without it.');
  }
}

/**
 * A history filter of a closed set (status, body part, label) given a value outside it: no row can
 * ever match, so the 200 with 0 rows it was answered read as "none yet" to a script with a typo
 * (`label=no_tumor` where the key is `notumor`). The message lists what is accepted.
 */
export class UnknownFilterValueError extends DomainError {
  readonly code = 'UNKNOWN_FILTER_VALUE';
  readonly statusCode = 400;
  constructor(
    readonly filter: string,
    /** the accepted values as they are to be read ("notumor (no tumour)") */
    accepted: readonly string[],
    /** echoed only when it is a plain token: never the sender's own text otherwise */
    typed: string,
  ) {
    const named = /^[A-Za-z0-9_.-]{1,64}$/.test(typed) ? `"${typed}"` : 'the value sent';
    super(`"${filter}" must be one of: ${accepted.join(', ')}; ${named} is none of them, so it could never match.`);
  }
}

export class AnalysisUnavailableError extends DomainError {
  readonly code = 'ANALYSIS_UNAVAILABLE';
  readonly statusCode = 503;
  constructor(message = 'The analysis models are not available right now. Please try again later.') {
    super(message);
  }
}

export class AnalysisTimeoutError extends DomainError {
  readonly code = 'ANALYSIS_TIMEOUT';
  readonly statusCode = 504;
  constructor(timeoutMs: number) {
    super(`The analysis did not finish within ${timeoutMs} ms.`);
  }
}

/**
 * A worker thread (a model run, a heat map, a decode) did not answer within INFERENCE_JOB_TIMEOUT_MS,
 * so it was taken to be wedged, ended, and is replaced on the next call. The same 504
 * ANALYSIS_TIMEOUT as an analysis past its own deadline: whichever of the two fires first, the
 * caller sees one status and code, and may retry; the message says which part did not finish.
 */
export class WorkerTimeoutError extends DomainError {
  readonly code = 'ANALYSIS_TIMEOUT';
  readonly statusCode = 504;
  constructor(timeoutMs: number, what = 'the analysis') {
    super(`A worker thread did not finish ${what} within ${timeoutMs} ms; it was restarted. Please try again.`);
  }
}

/**
 * The database did not take a write the answer depends on (e.g. the history row of an
 * analysis): a 503 the caller may retry — the same code the filter gives driver faults.
 */
export class DatabaseUnavailableError extends DomainError {
  readonly code = 'DATABASE_UNAVAILABLE';
  readonly statusCode = 503;
  constructor(message = 'The database is not accepting changes right now. Please try again later.') {
    super(message);
  }
}

/**
 * A write refused because the SQLite file at DATABASE_URL was removed or replaced under the running
 * process (PrismaService.movedAway): it would go into the file the process still has open, answered
 * 200/201 and gone at the next start. Thrown by the adapter before any write statement (sqlite-busy.ts),
 * so logins, password and user changes, Idempotency-Key reservations and history rows all refuse
 * alike; the exception filter answers it 503 DATABASE_UNAVAILABLE (isDatabaseUnavailable). Not a
 * DomainError on purpose: Prisma rethrows an adapter's error as it is only when it has no `code`
 * (with one, it became a PrismaClientKnownRequestError "DATABASE_UNAVAILABLE", a 500). `message`
 * names the file, for the log only; the answer does not.
 */
export class DatabaseFileMovedError extends Error {
  override readonly name = 'DatabaseFileMovedError';
}

/**
 * The caller's account row was deleted (README "Users and roles": removing an account for good)
 * while its request ran: the history row, which names its user by foreign key, could not be
 * written. It answered 503 DATABASE_UNAVAILABLE "try again later", logged as a database fault,
 * though the database was fine and a retry could only be a 401 (the sessions went with the row).
 */
export class AccountRemovedError extends DomainError {
  readonly code = 'UNAUTHORIZED';
  readonly statusCode = 401;
  constructor() {
    super('Your account no longer exists: nothing was recorded.');
  }
}

/** A write refused for a foreign key (Prisma P2003, SQLite and PostgreSQL alike): a history row's user is gone. */
export function isForeignKeyViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2003';
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  readonly statusCode = 404;
}

/**
 * A full report (POST /api/v1/reports) was asked for a study's record. A full report re-runs the
 * one re-sent JPEG or PNG; a study is a series or a volume, and its report is the metadata PDF of
 * its record. The request used to reach the image checks and answer 415 "Only JPEG and PNG images
 * are accepted", which blamed the file and did not say where the study's report is.
 */
export class StudyHasOwnReportError extends DomainError {
  readonly code = 'STUDY_HAS_OWN_REPORT';
  readonly statusCode = 422;
  constructor(readonly analysisId: string) {
    super(
      `Analysis ${analysisId} is a study (DICOM series or NIfTI volume). Full reports re-run a single JPEG or PNG image; ` +
        `a study's report is GET /api/v1/history/${analysisId}/report.pdf (metadata only, also on its history page).`,
    );
  }
}

/**
 * The path exists, but not with this method (DELETE on a POST-only route): 405, and the caller is
 * told the methods that path takes (the Allow header carries the same list).
 */
export class MethodNotAllowedError extends DomainError {
  readonly code = 'METHOD_NOT_ALLOWED';
  readonly statusCode = 405;
  constructor(
    method: string,
    readonly allowed: readonly string[],
  ) {
    super(`This path does not take ${method}; it takes ${allowed.join(', ')}.`);
  }
}

/** An `Expect` header naming something other than 100-continue (RFC 9110 §10.1.1). */
export class ExpectationFailedError extends DomainError {
  readonly code = 'EXPECTATION_FAILED';
  readonly statusCode = 417;
  constructor(expectation: string) {
    super(`The request's Expect header (${JSON.stringify(expectation.slice(0, 100))}) asks for something this server does not do; only "100-continue" is understood. Send the request without it.`);
  }
}

/** The error's name and driver code only: Prisma's message quotes the query. */
export function driverCode(err: unknown): string {
  const e = err as { name?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } } | null;
  const code = e?.meta?.driverAdapterError?.cause?.originalCode;
  return `${typeof e?.name === 'string' ? e.name : 'error'}${typeof code === 'string' ? ` ${code}` : ''}`;
}
