import type { Request } from 'express';

/** The part of an Express 5 (router 2) route layer read here. */
interface RouteLayer {
  route?: { path: string | string[]; methods: Record<string, boolean | undefined> };
  /** router 2.3: returns the match without storing request state on the layer */
  match(path: string): unknown;
}

/** One route of the live router whose path matches a request's. */
export interface RouteAtPath {
  /** the path as registered (`/history/:id`), which is also how Nest names it */
  path: string;
  /** upper case, as registered (no HEAD unless registered) */
  methods: string[];
}

/**
 * The routes whose path matches `path`, read from the application's live router — the routes Nest
 * registered (and Swagger's), matched by the router's own matchers, so case-insensitivity, trailing
 * slashes and parameters are exactly as routing saw them and no hand-kept list can drift from it.
 * A route registered for every method (`all`) is reported with the method `*`.
 */
export function routesAtPath(req: Request, path: string): RouteAtPath[] {
  const stack = (req.app.router as unknown as { stack: RouteLayer[] }).stack;
  const out: RouteAtPath[] = [];
  for (const layer of stack) {
    if (!layer.route || !layer.match(path)) continue;
    const methods = Object.entries(layer.route.methods)
      .filter(([, on]) => on)
      .map(([m]) => (m === '_all' ? '*' : m.toUpperCase()));
    for (const p of ([] as string[]).concat(layer.route.path)) out.push({ path: p, methods });
  }
  return out;
}

/**
 * What an `Allow` header lists for these routes: their methods, HEAD wherever GET is (the router
 * answers HEAD from a GET route) and OPTIONS wherever any method is (answered before the 404:
 * methodNotAllowed), sorted. Empty when the routes take no method; null when a route takes every
 * method.
 */
export function allowedMethods(routes: readonly RouteAtPath[]): string[] | null {
  const methods = new Set(routes.flatMap((r) => r.methods));
  if (methods.has('*')) return null;
  if (methods.has('GET')) methods.add('HEAD');
  if (methods.size) methods.add('OPTIONS');
  return [...methods].sort();
}
