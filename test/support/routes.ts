import { NestExpressApplication } from '@nestjs/platform-express';

export interface Route {
  method: string;
  path: string;
}

/**
 * Every route the Express app knows (Nest controllers and Swagger), read from the live router so
 * a route added later is covered by the route-walking specs without touching them.
 */
export function routes(app: NestExpressApplication): Route[] {
  const instance = app.getHttpAdapter().getInstance() as { router?: { stack: unknown[] }; _router?: { stack: unknown[] } };
  const stack = (instance.router ?? instance._router)!.stack as { route?: { path: string | string[]; methods: Record<string, boolean> } }[];
  const out: Route[] = [];
  for (const layer of stack) {
    if (!layer.route) continue;
    for (const p of ([] as string[]).concat(layer.route.path)) {
      for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') out.push({ method: m.toUpperCase(), path: p });
    }
  }
  return out;
}

/** Routes reachable without logging in: login, logout (one with no session is out already), health, the token endpoint. Anything else must refuse anonymous callers. */
export const PUBLIC = new Set(['GET /login', 'POST /login', 'POST /logout', 'GET /healthz', 'GET /readyz', 'POST /api/v1/auth/token']);
