import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { z } from 'zod';
import { BadRequestError } from './errors';
import { documentOperations } from './openapi-operations';
import { describeIssues } from './zod-dto';

/** What the OpenAPI document says of the rule (its description, and each such operation's 400). */
export const UNDECLARED_QUERY_RULE = 'A query parameter an /api/v1 operation does not declare is a 400 BAD_REQUEST ("Invalid query string: unexpected field …"), never ignored.';

const NONE = z.strictObject({});

/** `METHOD /express/:path` of the /api/v1 operations that declare no query parameter at all (uploads aside). */
export function queryFreeOperations(doc: OpenAPIObject): Set<string> {
  const out = new Set<string>();
  for (const { key, path, op } of documentOperations(doc)) {
    if (!path.startsWith('/api/v1/')) continue;
    // an upload's closedFields schema reads its query string too, and says what the route takes
    const multipart = op.requestBody && !('$ref' in op.requestBody) && 'multipart/form-data' in op.requestBody.content;
    if (!multipart && !(op.parameters ?? []).some((p) => 'in' in p && p.in === 'query')) out.add(key);
  }
  return out;
}

/**
 * An /api/v1 operation with query parameters refuses one it does not know (its schema is strict:
 * zod-dto.ts), but those with none read no query string at all, so anything there was ignored:
 * `PATCH /api/v1/users/{id}?disabled=true` was a 200 that changed nothing, `GET /api/v1/history/{id}?explain=false`
 * a 200 with the map, while `GET /api/v1/history?zz=1` was a 400. A client's typo or a field sent in
 * the wrong place is now a 400 on every /api/v1 operation alike, before the handler runs (after the
 * guards: a caller without a login is told that first). The health probes (/healthz, /readyz) are
 * not /api/v1 and keep ignoring theirs: a load balancer's cache-buster must not fail a probe.
 */
@Injectable()
export class UndeclaredQueryInterceptor implements NestInterceptor {
  constructor(private readonly queryFree: ReadonlySet<string>) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const req = context.switchToHttp().getRequest<Request>();
      const route = (req.route as { path?: unknown } | undefined)?.path;
      if (typeof route === 'string' && this.queryFree.has(`${req.method} ${route}`)) {
        const parsed = NONE.safeParse(req.query ?? {});
        // `__proto__` is an own key of the parsed query that zod does not see as one (zod-dto.ts)
        const issues = parsed.success ? (Object.hasOwn(req.query ?? {}, '__proto__') ? 'unexpected field "__proto__"' : '') : describeIssues(parsed.error);
        if (issues) throw new BadRequestError(`Invalid query string: ${issues}; this operation takes no query parameters.`);
      }
    }
    return next.handle();
  }
}
