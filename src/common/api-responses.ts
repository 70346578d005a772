import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';
import { ERROR_CODES, ErrorCode } from './errors';

/**
 * OpenAPI declarations of the answers every route shares, so that each controller declares what
 * the guards and the one exception filter really send instead of a copy that drifts. The shapes
 * are those of AppExceptionFilter (`toErrorBody`); the statuses those of the global guards
 * (RateLimitGuard, then AccessGuard). test/e2e/openapi-contract*.e2e.spec.ts provokes each.
 */
export class ErrorBodyDto {
  @ApiProperty({ example: 415 }) statusCode!: number;
  @ApiProperty({
    enum: ERROR_CODES,
    enumName: 'ErrorCode',
    example: 'UNSUPPORTED_TYPE',
    description: 'stable machine code (README, "API"); every code an error answer carries is one of these (src/common/errors.ts, ERROR_CODES)',
  })
  code!: ErrorCode;
  @ApiProperty() message!: string;
}

/** One error answer with the app's error body. */
export const ApiError = (status: number, description: string) => ApiResponse({ status, type: ErrorBodyDto, description });

/**
 * 429 of RateLimitGuard: every route but the health probes counts against the per-IP limit, so
 * every one of them can answer it. `also` names the route's own limits (analyses, logins).
 */
export const ApiRateLimited = (also = '') =>
  ApiResponse({
    status: 429,
    type: ErrorBodyDto,
    description: `TOO_MANY_REQUESTS: over the requests-per-IP limit${also ? ` or ${also}` : ''}`,
    headers: { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } } },
  });

/** 401 of AccessGuard's login wall (API callers get it with WWW-Authenticate, never a redirect). */
export const ApiLoginRequired = () =>
  ApiResponse({
    status: 401,
    type: ErrorBodyDto,
    description: 'UNAUTHORIZED: no valid session or bearer token',
    headers: { 'WWW-Authenticate': { description: '`Bearer`, or `Bearer error="invalid_token"` for a token that is invalid or expired', schema: { type: 'string' } } },
  });

/** 403 PASSWORD_CHANGE_REQUIRED: a user whose password an admin set reaches only the password change, "me" and logout. */
export const ApiPasswordChangeGate = () => ApiError(403, 'PASSWORD_CHANGE_REQUIRED: choose your own password first (POST /api/v1/auth/password)');

/** 403 of the CSRF check: an unsafe method authenticated by the browser cookie without the page's X-CSRF-Token. */
export const ApiCsrfChecked = () => ApiError(403, 'FORBIDDEN: a cookie-authenticated call without a valid X-CSRF-Token (bearer calls need none)');

/**
 * 413 PAYLOAD_TOO_LARGE of the JSON / urlencoded body parsers: they run before routing, on every
 * request that declares such a body, so every route answers it — /healthz included — to a body
 * over their 100 kB limit (a multipart upload is multer's, FILE_TOO_LARGE). Declared on each
 * controller; the upload routes declare both codes on their own 413.
 */
export const BODY_TOO_LARGE = 'PAYLOAD_TOO_LARGE: a JSON or form body over the body parser\'s 100 kB limit';
export const ApiBodyTooLarge = () => ApiError(413, BODY_TOO_LARGE);

/**
 * 503 DATABASE_UNAVAILABLE of the exception filter: the route writes to the database on every
 * success (a session, a user, an analysis record) and the database refused the write (read-only
 * file or mount, full disk, lock held past the busy timeout, I/O error), or was not asked: the SQLite
 * file was removed or replaced under the process, which only a restart cures (PrismaService.movedAway),
 * so that answer carries no Retry-After (retryAfterFor).
 */
export const DATABASE_UNAVAILABLE =
  'DATABASE_UNAVAILABLE: the database refused the write (read-only, full, locked or an I/O error): retry after Retry-After; or its SQLite file was removed ' +
  'or replaced since start-up: no Retry-After, refused until an administrator restarts the service';
export const ApiDatabaseUnavailable = () => ApiError(503, DATABASE_UNAVAILABLE);

/** 403 of @Roles('admin'). */
export const ApiAdminOnly = () => ApiError(403, 'FORBIDDEN: for administrators only');

/**
 * What any login-only route can answer before its handler runs: 401, 429, and — unless the route
 * stays open to a user with a pending password change — 403 PASSWORD_CHANGE_REQUIRED.
 */
export const ApiAuthenticated = (opts: { openBeforePasswordChange?: boolean; rateLimits?: string } = {}) =>
  applyDecorators(ApiLoginRequired(), ApiRateLimited(opts.rateLimits), ...(opts.openBeforePasswordChange ? [] : [ApiPasswordChangeGate()]));
