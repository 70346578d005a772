import { Injectable, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { RequestHandler } from 'express';
import { MethodNotAllowedError } from '../common/errors';
import { allowedMethods, routesAtPath } from '../common/route-methods';
import { refuseAnonymous } from './access.guard';
import { PUBLIC_KEY } from './decorators';
import { authState } from './request-user';

/** `@Controller('a')` + `@Get('b/:id')` → `/a/b/:id`: how Nest joins them (no prefix, versions or RouterModule here). */
function joinPath(base: string, path: string): string {
  return `/${[base, path].map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;
}

const paths = (metadata: unknown): string[] => ([] as unknown[]).concat(metadata ?? '/').map(String);

/**
 * Which Nest routes are @Public(), as `METHOD /path` — the path as Nest registered it with the
 * router — read once from the controllers Nest discovered, with the very Reflector call the
 * AccessGuard makes (handler, then class). A route missing from the table counts as not public.
 */
@Injectable()
export class PublicRoutes {
  private table?: ReadonlyMap<string, boolean>;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  /** Every controller route, `METHOD /path` → public (built on first use: the controllers exist by then). */
  routes(): ReadonlyMap<string, boolean> {
    if (this.table) return this.table;
    const table = new Map<string, boolean>();
    const scanner = new MetadataScanner();
    for (const { metatype, instance } of this.discovery.getControllers()) {
      if (!metatype || !instance) continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_KEY, [handler, metatype]) === true;
        for (const base of paths(Reflect.getMetadata(PATH_METADATA, metatype))) {
          for (const path of paths(Reflect.getMetadata(PATH_METADATA, handler))) table.set(`${RequestMethod[method]} ${joinPath(base, path)}`, isPublic);
        }
      }
    }
    return (this.table = table);
  }

  isPublic(method: string, path: string): boolean {
    const table = this.routes();
    return table.get(`${method} ${path}`) === true || table.get(`ALL ${path}`) === true;
  }
}

/**
 * For a request no route took, mounted just before Nest's 404 handler (FallThroughExpressAdapter):
 * a path that the router has, but not for this method, is a 405 METHOD_NOT_ALLOWED with `Allow`
 * (RFC 9110 §15.5.6) instead of a 404; an unknown path goes on to the 404. Nothing of the route runs
 * either way (no guard, pipe or handler), so a 405 opens nothing. The login wall still comes first:
 * a caller without a login, on a path none of whose routes is @Public(), gets the wall's 401 (or a
 * browser's redirect to /login), as that path's own methods would give it — so the methods of a
 * login-only path are only told to someone logged in.
 */
export function methodNotAllowed(publicRoutes: PublicRoutes): RequestHandler {
  return (req, res, next) => {
    const routes = routesAtPath(req, req.path);
    const allowed = allowedMethods(routes);
    // no route here (a 404), or one that takes this method and still passed it on: Nest's 404
    if (!routes.length || !allowed || allowed.includes(req.method)) return next();
    const open = routes.some((r) => r.methods.some((m) => publicRoutes.isPublic(m, r.path)));
    if (!open && !authState(req).user) return next(refuseAnonymous(req, res));
    res.setHeader('Allow', allowed.join(', '));
    next(new MethodNotAllowedError(req.method, allowed));
  };
}
