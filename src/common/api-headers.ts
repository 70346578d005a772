import type { OpenAPIObject } from '@nestjs/swagger';
import { JSON_ONLY_415 } from './json-body';
import { documentOperations } from './openapi-operations';
import type { ParameterObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { REQUEST_ID_HEADER } from './request-id';
import { RETRY_AFTER_UNAVAILABLE_SECONDS } from './app-exception.filter';

type Header = { description: string; schema: { type: 'string' | 'integer' } };

const REQUEST_ID: Header = {
  description:
    "This request's id: the caller's own X-Request-Id when it is 1–64 of [A-Za-z0-9._-], else a fresh UUID. " +
    'Sent on every answer; the server log and audit lines of the request carry it.',
  schema: { type: 'string' },
};
/** The request header a client may send: without it here a generated client had no place to set it. */
const REQUEST_ID_PARAM: ParameterObject = {
  name: REQUEST_ID_HEADER,
  in: 'header',
  required: false,
  description: 'Your own id for this request (1–64 of A–Z a–z 0–9 . _ -): answered back in X-Request-Id and written in the log lines of the request; anything else is replaced by a fresh UUID.',
  schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
};
const RETRY_AFTER_503: Header = {
  description:
    `seconds to wait (${RETRY_AFTER_UNAVAILABLE_SECONDS} unless the answer says otherwise). Absent from an error answer that waiting cannot cure: ` +
    'DATABASE_UNAVAILABLE because the SQLite file was moved or replaced under the running service, refused until an administrator restarts it ' +
    '(/readyz keeps it: a probe polls on its own schedule)',
  schema: { type: 'integer' },
};

/**
 * The JSON / urlencoded body parsers' refusals besides their 413 (ApiBodyTooLarge): they run before
 * routing, on every request that declares such a body, so every route answers them — /healthz
 * included. A route declaring its own 400 or 415 (the uploads) keeps its words.
 */
const BODY_PARSER_ANSWERS: Record<string, string> = {
  '400': 'BAD_REQUEST: a JSON body that does not parse',
  '415': 'UNSUPPORTED_TYPE: a JSON or form body in a charset other than UTF-8, or with a Content-Encoding other than gzip, deflate or br',
  // an Expect header Node does not meet: answered by the app, after the request limit (common/expect-continue.ts)
  '417': 'EXPECTATION_FAILED: an Expect header other than 100-continue',
  // Node's HTTP parser, before the app: answered in this shape by common/client-error.ts
  '431': 'REQUEST_HEADERS_TOO_LARGE: the request line and headers over 16 KB together (a very long URL, a large Cookie); the connection is closed',
};
const ERROR_BODY = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBodyDto' } } };

/**
 * The headers every answer of a kind carries, declared on every operation's answers of that kind
 * after Nest builds the document (and X-Request-Id as a header every request may send):
 * assignRequestId sends X-Request-Id on every answer, and the exception filter Retry-After on
 * every 503 — middleware and a filter that no route's decorators see, so a per-controller copy
 * would miss routes (and drift). A response already naming the header keeps its own words. The
 * body parsers' 400 and 415, answered on every route, are declared here for the same reason.
 */
export function declareSharedHeaders(doc: OpenAPIObject): OpenAPIObject {
  for (const { path, op } of documentOperations(doc)) {
    if (!(op.parameters ?? []).some((p) => !('$ref' in p) && p.in === 'header' && p.name.toLowerCase() === REQUEST_ID_HEADER.toLowerCase())) {
      op.parameters = [...(op.parameters ?? []), REQUEST_ID_PARAM];
    }
    // an operation that reads JSON only refuses any other body (json-body.ts): its 415 says so first
    const content = op.requestBody && !('$ref' in op.requestBody) ? Object.keys(op.requestBody.content) : [];
    if (content.length === 1 && content[0] === 'application/json') op.responses['415'] ??= { description: `${JSON_ONLY_415}; ${BODY_PARSER_ANSWERS['415']}`, content: ERROR_BODY };
    for (const [status, description] of Object.entries(BODY_PARSER_ANSWERS)) op.responses[status] ??= { description, content: ERROR_BODY };
    // every /api/v1 operation refuses a query parameter it does not declare (zod-dto.ts, undeclared-query.ts)
    const bad = op.responses['400'];
    if (path.startsWith('/api/v1/') && bad && !('$ref' in bad)) bad.description = `${bad.description}; a query parameter the operation does not declare`;
    for (const [status, response] of Object.entries(op.responses ?? {})) {
      if (!response || '$ref' in response) continue;
      const headers = { ...(response.headers ?? {}) };
      headers[REQUEST_ID_HEADER] ??= REQUEST_ID;
      if (status === '503') headers['Retry-After'] ??= RETRY_AFTER_503;
      response.headers = headers;
    }
  }
  return doc;
}
