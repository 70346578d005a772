/**
 * The audit log's line format: one JSON object per event, on one line, for an operator's grep and
 * a log shipper alike. Pure (no Nest, no request): the service (audit-log.service.ts) fills the
 * fields, this decides what of them may be written and how.
 */

/** Every event the service writes (README "Audit log"). */
export type AuditEventName =
  | 'login.success'
  | 'login.failure'
  | 'logout'
  // a logout / token revocation the database refused (the session or token stays valid until it expires)
  | 'logout.failure'
  | 'password.change'
  | 'password.change.failure'
  | 'token.revoke'
  | 'token.revoke.failure'
  | 'admin.user.create'
  | 'admin.user.update'
  | 'admin.user.password_reset'
  | 'admin.user.refused'
  | 'csrf.failure'
  | 'access.denied'
  | 'rate_limited'
  | 'http.request';

/**
 * Why a login, a password change or an admin's change failed, or access was refused. Only the log says it: the client's answer is the same
 * for all of them (naming which would tell a guesser which accounts exist).
 */
export type AuditReason =
  | 'unknown_user'
  | 'wrong_password'
  | 'account_disabled'
  // the right password, changed or reset (or the account disabled) before the login's session was stored
  | 'password_changed'
  | 'rate_limited'
  | 'invalid_new_password'
  | 'role'
  | 'password_change_required'
  | 'last_admin'
  | 'self_disable'
  | 'own_password'
  // the admin "New password" form sent again after the password it was shown against changed (409)
  | 'stale_form'
  // a non-admin's history filter naming another user (src/history/history.controller.ts)
  | 'user_filter'
  // an admin's CSV export cut mid-stream: demoted, disabled or deleted, or the session or token revoked, since it began
  | 'access_ended'
  // a logout or token revocation the database did not take (503 DATABASE_UNAVAILABLE)
  | 'database_unavailable';

/**
 * The fields an event may carry, and nothing else: no password, token, cookie, CSRF token, image
 * or file name has a field here, so none can be written even when an object holding one is passed.
 */
export interface AuditFields {
  reason?: AuditReason;
  /**
   * How the user is (or was to be) signed in: 'session', a browser's cookie (the login form);
   * 'token', a bearer token (POST /api/v1/auth/token: a login.success via token is a token created).
   */
  via?: 'session' | 'token';
  /** the rate limit that refused the attempt (rate-limit.guard.ts names) */
  limit?: string;
  /** who acted (the logged-in user), or whose account the failed login named */
  userId?: string;
  /** the account's email; for a failed login the email as typed */
  username?: string;
  /** admin actions: the account acted on */
  targetUserId?: string;
  targetUsername?: string;
  /** admin actions: the role set (create, update) and whether the account is now disabled; refused: the change asked for */
  role?: string;
  disabled?: boolean;
  /** the client IP as Express determines it (TRUST_PROXY) */
  ip?: string;
  method?: string;
  /** the request path, never its query string */
  path?: string;
  /** the request's X-Request-Id (src/common/request-id.ts): ties the lines of one request to its answer */
  requestId?: string;
  /** access log */
  status?: number;
  durationMs?: number;
  bytes?: number;
  /** access log: the client hung up before the answer was complete */
  aborted?: boolean;
  /** rate_limited: refusals of this limit and key not written one by one since its last line (src/rate-limit/refusal-digest.ts) */
  suppressed?: number;
}

export interface AuditEvent extends AuditFields {
  event: AuditEventName;
}

/** Longest text of a field; an email is at most 254 characters, anything longer is no address. */
export const MAX_TEXT_LENGTH = 128;
export const MAX_PATH_LENGTH = 256;

const TEXT_FIELDS = ['reason', 'via', 'limit', 'userId', 'username', 'targetUserId', 'targetUsername', 'role', 'ip', 'method', 'path', 'requestId'] as const;
const NUMBER_FIELDS = ['status', 'durationMs', 'bytes', 'suppressed'] as const;
const BOOLEAN_FIELDS = ['disabled', 'aborted'] as const;
/** The order fields are written in: the event first, then who, from where, what. */
const ORDER: readonly (keyof AuditFields)[] = [
  'reason', 'via', 'limit', 'userId', 'username', 'targetUserId', 'targetUsername', 'role', 'disabled',
  'ip', 'method', 'path', 'requestId', 'status', 'durationMs', 'bytes', 'aborted', 'suppressed',
];

/**
 * Characters JSON.stringify leaves raw that still break a line or a terminal: DEL and the C1
 * controls (U+0085 is a newline to some readers), U+2028/2029 (line and paragraph separators) and
 * the bidirectional overrides (a username that reads backwards in a log viewer). JSON.stringify
 * already writes U+0000–U+001F (\n, \r, ESC of ANSI codes) as escapes, and lone surrogates too.
 */
const UNSAFE_AFTER_JSON = /[\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** At most `max` characters (code points, so a surrogate pair is never split), '…' marking a cut. */
export function truncate(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : s;
}

function text(field: (typeof TEXT_FIELDS)[number], v: string): string {
  if (field === 'path') return truncate(v.split(/[?#]/, 1)[0], MAX_PATH_LENGTH);
  return truncate(v, MAX_TEXT_LENGTH);
}

/**
 * The event as one line of JSON: `time` (ISO 8601, UTC) and `event` first, then the known fields
 * that hold a value of their type; anything else on the object is not written. Every control
 * character is an escape in the line (JSON.parse gives the text back as typed), so no value can
 * start a line of its own or send codes to a terminal.
 */
export function formatAuditEvent(e: AuditEvent, at: Date = new Date()): string {
  const out: Record<string, string | number | boolean> = { time: at.toISOString(), event: String(e.event) };
  const fields = e as unknown as Record<string, unknown>;
  for (const key of ORDER) {
    const v = fields[key];
    if ((TEXT_FIELDS as readonly string[]).includes(key)) {
      if (typeof v === 'string') out[key] = text(key as (typeof TEXT_FIELDS)[number], v);
    } else if ((NUMBER_FIELDS as readonly string[]).includes(key)) {
      if (typeof v === 'number' && Number.isFinite(v)) out[key] = v;
    } else if ((BOOLEAN_FIELDS as readonly string[]).includes(key)) {
      if (typeof v === 'boolean') out[key] = v;
    }
  }
  return JSON.stringify(out).replace(UNSAFE_AFTER_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
