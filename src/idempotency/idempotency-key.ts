import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { DomainError } from '../common/errors';

/** The request header (draft-ietf-httpapi-idempotency-key-header; Stripe's name too). */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
/** Set to "true" on an answer that repeats a finished request's (Stripe's name). */
export const REPLAYED_HEADER = 'Idempotent-Replayed';
export const MAX_KEY_LENGTH = 255;
/**
 * The header value's own limits, as the OpenAPI document states them: the key's are on the key, and
 * the quoted form adds its quotes and escapes (a quoted 255-character key is 257 characters, one
 * of escapes only 512). The document said maxLength 255 of the value, refusing what this takes.
 */
export const MAX_HEADER_LENGTH = 2 * MAX_KEY_LENGTH + 2;
/**
 * The two forms idempotencyKey() takes, as one ECMA-262 pattern: quoted, 1–255 of a printable
 * character other than " and \ or the escapes \" \\; or bare, 1–255 printable characters without
 * a comma, not both opening and closing with " (that is the quoted form). test/unit/idempotency-key-doc
 * holds it to the parser value by value.
 */
export const KEY_HEADER_PATTERN = `^(?:"(?:[ !#-\\[\\]-~]|\\\\["\\\\]){1,${MAX_KEY_LENGTH}}"|(?!".*"$)[ -+\\--~]{1,${MAX_KEY_LENGTH}})$`;

export class InvalidIdempotencyKeyError extends DomainError {
  readonly code = 'INVALID_IDEMPOTENCY_KEY';
  readonly statusCode = 400;
  constructor(reason?: string) {
    super(
      reason ??
        `The ${IDEMPOTENCY_KEY_HEADER} header must be 1–${MAX_KEY_LENGTH} printable ASCII characters (a UUID will do), or a quoted string of them; a comma only inside the quotes.`,
    );
  }
}

/** The draft's 422: the key was first sent with another request (other files, parameters or route). */
export class IdempotencyKeyReusedError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  readonly statusCode = 422;
  constructor() {
    super(`This ${IDEMPOTENCY_KEY_HEADER} was first sent with another request (other files, parameters or route): use a new key for a new request.`);
  }
}

/** The draft's 409: the first request with this key is still being answered (here or on another replica). */
export class IdempotencyKeyInUseError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_IN_USE';
  readonly statusCode = 409;
  constructor(override readonly retryAfterSeconds: number) {
    super(`The first request with this ${IDEMPOTENCY_KEY_HEADER} is still being answered: retry after ${retryAfterSeconds} s to get its answer.`);
  }
}

const PRINTABLE = /^[\x20-\x7e]+$/;

/**
 * The key a request sent, undefined without the header. The draft makes the value a structured-field
 * string ("…", with \" and \\ escapes); most clients (Stripe's) send the bare token: both are taken,
 * and `"abc"` is the key `abc`. Anything else is refused by name — never silently ignored, which
 * would turn a client's retry into a second record.
 *
 * More than one header line is the draft's error: Node joins them into "a, b", which passed as the
 * one key `a, b` — so the lines are counted (headersDistinct). A comma is a key's own only inside
 * the quoted form, where the sf-string grammar allows it; a bare one is what a list of two members
 * — or two lines joined by a proxy (RFC 9110 §5.3) — looks like, not an Item, and is refused.
 */
export function idempotencyKey(req: Pick<Request, 'headers' | 'headersDistinct'>): string | undefined {
  const name = IDEMPOTENCY_KEY_HEADER.toLowerCase();
  const lines = req.headersDistinct[name];
  if (lines && lines.length > 1) throw new InvalidIdempotencyKeyError(`Send one ${IDEMPOTENCY_KEY_HEADER} header, not ${lines.length}: which of them would the retry be?`);
  const raw = req.headers[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw new InvalidIdempotencyKeyError();
  const quoted = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"');
  const key = quoted ? unquote(raw.slice(1, -1)) : raw.includes(',') ? null : raw;
  if (key === null || key.length < 1 || key.length > MAX_KEY_LENGTH || !PRINTABLE.test(key)) throw new InvalidIdempotencyKeyError();
  return key;
}

/** RFC 8941 sf-string body: `\"` and `\\` only; a bare quote or other escape is not a string. */
function unquote(s: string): string | null {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') return null;
    if (c === '\\') {
      const next = s[++i];
      if (next !== '"' && next !== '\\') return null;
      out += next;
    } else out += c;
  }
  return out;
}

/**
 * What makes two requests "the same" for a key: the route, the parameters that change the answer
 * and every file's sha256, in order. Stored instead of the request (no image is ever stored).
 */
export function requestFingerprint(route: string, params: Record<string, string | number | boolean>, files: Uint8Array[]): string {
  const sorted = Object.keys(params)
    .sort()
    .map((k) => [k, params[k]]);
  const hashes = files.map((f) => createHash('sha256').update(f).digest('hex'));
  return createHash('sha256').update(JSON.stringify([route, sorted, hashes])).digest('hex');
}

/** What the OpenAPI document says of the header (both routes). */
export const KEY_HEADER_DOC = {
  name: IDEMPOTENCY_KEY_HEADER,
  required: false,
  description:
    '1–255 printable ASCII characters (a UUID will do), bare or as a quoted structured-field string (a comma only inside the quotes; the quotes and escapes do not count against the 255); one header only, per user, remembered IDEMPOTENCY_KEY_TTL_HOURS (24 h). ' +
    'A retry with the same key and request after the answer is analysed again but recorded once: the same `analysisId`, ' +
    '`Idempotent-Replayed: true`. Same key, another request: 422 IDEMPOTENCY_KEY_REUSED; the first still running: 409 ' +
    'IDEMPOTENCY_KEY_IN_USE with Retry-After. A refused file (a 4xx with its rejected row recorded) is an answer too: its retry gets the same ' +
    'status and body, `Idempotent-Replayed: true`, and records nothing. A request that failed otherwise (503, 504) frees its key.',
  schema: {
    type: 'string',
    minLength: 1,
    maxLength: MAX_HEADER_LENGTH,
    pattern: KEY_HEADER_PATTERN,
    description:
      `the header value: a bare key of 1–${MAX_KEY_LENGTH} characters (no comma), or the same key quoted, where \\" and \\\\ count as one ` +
      `character of the key — so the value may be up to ${MAX_HEADER_LENGTH} characters (a quoted ${MAX_KEY_LENGTH}-character key is ${MAX_KEY_LENGTH + 2})`,
  },
} as const;

export const REPLAYED_HEADER_DOC: Record<string, { description: string; schema: { type: 'string'; enum: string[] } }> = {
  [REPLAYED_HEADER]: { description: '"true" when this answers a repeat of an Idempotency-Key already answered (nothing new recorded); absent otherwise', schema: { type: 'string', enum: ['true'] } },
};

export const KEY_IN_USE_DOC = 'IDEMPOTENCY_KEY_IN_USE: the first request with this Idempotency-Key is still being answered (Retry-After says when to ask again)';
export const KEY_IN_USE_HEADERS = { 'Retry-After': { description: 'seconds: a fifth of the route\'s deadline, 1–30', schema: { type: 'integer' as const } } };
