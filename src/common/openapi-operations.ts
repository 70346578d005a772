import type { OpenAPIObject } from '@nestjs/swagger';
import type { OperationObject, PathItemObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const satisfies readonly (keyof PathItemObject)[];

/**
 * Every operation of the OpenAPI document with its key `METHOD /express/:path` — how `req.route.path`
 * names the route a request matched — so a rule read from the document (json-body.ts,
 * undeclared-query.ts) is looked up per request by the route, not by the request's own path.
 */
export function* documentOperations(doc: OpenAPIObject): Generator<{ key: string; path: string; op: OperationObject }> {
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op: OperationObject | undefined = item[method];
      if (op) yield { key: `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`, path, op };
    }
  }
}
