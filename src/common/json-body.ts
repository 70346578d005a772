import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { ReferenceObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { DomainError } from './errors';
import { documentOperations } from './openapi-operations';

/** A body of another media type sent to an operation the OpenAPI document says reads JSON only. */
export class JsonBodyRequiredError extends DomainError {
  readonly code = 'UNSUPPORTED_TYPE';
  readonly statusCode = 415;
}

/** What the OpenAPI document says a refused body is (api-headers.ts declares it on those operations). */
export const JSON_ONLY_415 = 'UNSUPPORTED_TYPE: a body that is not Content-Type: application/json (a form, text, XML): this operation reads JSON only';

/**
 * The operations whose request body the document gives as application/json and nothing else, keyed
 * `METHOD /express/:path` (as req.route.path names them), each with the example body its refusal
 * shows: the required fields (all fields where none is required), `{"email":"…","password":"…"}`.
 */
export function jsonOnlyOperations(doc: OpenAPIObject): Map<string, string> {
  const schemas = doc.components?.schemas ?? {};
  const resolve = (s: SchemaObject | ReferenceObject | undefined): SchemaObject | undefined =>
    s && '$ref' in s ? (schemas[s.$ref.split('/').pop() ?? ''] as SchemaObject | undefined) : s;
  const out = new Map<string, string>();
  for (const { key, op } of documentOperations(doc)) {
    const body = op.requestBody && !('$ref' in op.requestBody) ? op.requestBody : undefined;
    const types = Object.keys(body?.content ?? {});
    if (types.length !== 1 || types[0] !== 'application/json') continue;
    const schema = resolve(body?.content['application/json'].schema);
    const fields = schema?.required?.length ? schema.required : Object.keys(schema?.properties ?? {});
    out.set(key, `{${fields.map((f) => `"${f}":"…"`).join(',')}}`);
  }
  return out;
}

/**
 * The API's JSON operations took a urlencoded or multipart body too: Express's parsers read every
 * body they know, so `curl -d email=…&password=…` (no Content-Type: application/json) got a token,
 * an account was created from a form, while the document — and so every generated client — says
 * JSON only; text and XML were a 400 that blamed a missing field. A body of another media type is
 * now refused with 415 before the handler's schema sees it, naming the type and the body to send.
 * After the guards (a caller without a login is told that first); a request with no body at all
 * is left to the route's own 400, which says what the body needs. The browser's forms post to
 * routes of their own (/login, /account/password, /admin/users…), which the document leaves out.
 */
@Injectable()
export class JsonBodyInterceptor implements NestInterceptor {
  constructor(private readonly operations: ReadonlyMap<string, string>) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const req = context.switchToHttp().getRequest<Request>();
      const route = (req.route as { path?: unknown } | undefined)?.path;
      const example = typeof route === 'string' ? this.operations.get(`${req.method} ${route}`) : undefined;
      // an empty body (none, or Content-Length: 0, which type-is counts as a body) is left to the route's
      // 400, which says what the body needs; any other body must be JSON
      const empty = req.headers['transfer-encoding'] === undefined && !(Number(req.headers['content-length']) > 0);
      if (example !== undefined && !empty && !req.is('application/json')) {
        const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
        // the sender's own text is named only when it is a plain media type (as zod-dto.ts names fields)
        const sent = !type ? 'without a Content-Type' : /^[a-z0-9.+-]{1,40}\/[a-z0-9.+-]{1,60}$/.test(type) ? `as ${type}` : 'as another type';
        throw new JsonBodyRequiredError(
          `This operation reads JSON only; the body was sent ${sent}: send it with Content-Type: application/json (curl: -H 'Content-Type: application/json' -d '${example}').`,
        );
      }
    }
    return next.handle();
  }
}
