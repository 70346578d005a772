import { Injectable, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { RequestHandler } from 'express';
import type { AuditLog } from '../audit/audit-log.service';
import { MethodNotAllowedError } from '../common/errors';
import { allowedMethods, RouteAtPath, routesAtPath } from '../common/route-methods';
import { accessVerdict, AccessVerdict, refuseAnonymous, refusePendingPasswordChange, refuseRole } from './access.guard';
import { OPEN_BEFORE_PASSWORD_CHANGE_KEY, PUBLIC_KEY, ROLES_KEY } from './decorators';
import { authState } from './request-user';
import type { AuthUser, Role } from './roles';

/** `@Controller('a')` + `@Get('b/:id')` → `/a/b/:id`: how Nest joins them (no prefix, versions or RouterModule here). */
function joinPath(base: string, path: string): string {
  return `/${[base, path].map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;
}

const paths = (metadata: unknown): string[] => ([] as unknown[]).concat(metadata ?? '/').map(String);

/** What the AccessGuard reads of one route: @Public(), @Roles() and @OpenBeforePasswordChange(), handler then class. */
export interface RouteAccessRule {
  isPublic: boolean;
  roles: readonly Role[] | undefined;
  openBeforePasswordChange: boolean;
}

/** A route missing from the table (Swagger's, behind the login wall of accounts.setup.ts): login-only, any role. */
const LOGIN_ONLY: RouteAccessRule = { isPublic: false, roles: undefined, openBeforePasswordChange: false };

/**
 * Who may use which Nest route, as `METHOD /path` → rule — the path as Nest registered it with the
 * router — read once from the controllers Nest discovered, with the very Reflector calls the
 * AccessGuard makes (handler, then class).
 */
@Injectable()
export class RouteAccess {
  private table?: ReadonlyMap<string, RouteAccessRule>;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  /** Every controller route, `METHOD /path` → its rule (built on first use: the controllers exist by then). */
  routes(): ReadonlyMap<string, RouteAccessRule> {
    if (this.table) return this.table;
    const table = new Map<string, RouteAccessRule>();
    const scanner = new MetadataScanner();
    for (const { metatype, instance } of this.discovery.getControllers()) {
      if (!metatype || !instance) continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        const targets = [handler, metatype];
        const rule: RouteAccessRule = {
          isPublic: this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_KEY, targets) === true,
          roles: this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets),
          openBeforePasswordChange: this.reflector.getAllAndOverride<boolean | undefined>(OPEN_BEFORE_PASSWORD_CHANGE_KEY, targets) === true,
        };
        for (const base of paths(Reflect.getMetadata(PATH_METADATA, metatype))) {
          for (const path of paths(Reflect.getMetadata(PATH_METADATA, handler))) table.set(`${RequestMethod[method]} ${joinPath(base, path)}`, rule);
        }
      }
    }
    return (this.table = table);
  }

  rule(method: string, path: string): RouteAccessRule {
    const table = this.routes();
    return table.get(`${method} ${path}`) ?? table.get(`ALL ${path}`) ?? LOGIN_ONLY;
  }
}

/**
 * For each method the path takes, what the guard would say to this caller: the route that method
 * reaches is the first one in the router's order (`/history/export.csv` before `/history/:id`).
 */
function verdicts(access: RouteAccess, routes: readonly RouteAtPath[], user: AuthUser | undefined): Map<string, AccessVerdict> {
  const out = new Map<string, AccessVerdict>();
  for (const r of routes) {
    for (const m of r.methods) {
      if (out.has(m)) continue;
      const { isPublic, roles, openBeforePasswordChange } = access.rule(m, r.path);
      out.set(m, accessVerdict(isPublic, roles, user, openBeforePasswordChange));
    }
  }
  return out;
}

/**
 * For a request no route took, mounted just before Nest's 404 handler (FallThroughExpressAdapter):
 * a path that the router has, but not for this method, is a 405 METHOD_NOT_ALLOWED with `Allow`
 * (RFC 9110 §15.5.6) instead of a 404, and OPTIONS on it a 204 with that `Allow` (it was a 405 whose
 * Allow left OPTIONS out); an unknown path goes on to the 404. Nothing of the route runs either way
 * (no guard, pipe or handler), so a 405 opens nothing.
 *
 * The guards still come first, from the routes' own metadata: `Allow` lists only the methods this
 * caller could use, and a caller who could use none gets what those methods would answer them — the
 * login wall's 401 (a browser's GET: the redirect to /login), the pending password change's 403 (a
 * browser's GET: the redirect to /account) or the role check's 403 — so the methods of an admin-only
 * path are told to admins only, those of a login-only path to someone logged in, and none but the
 * password change's to a user who must first choose their own password. Those refusals are written
 * to the audit log as the guard writes them (access.denied).
 */
export function methodNotAllowed(access: RouteAccess, audit: AuditLog): RequestHandler {
  return (req, res, next) => {
    const routes = routesAtPath(req, req.path);
    const all = allowedMethods(routes);
    // no route here (a 404), or one that takes this method and still passed it on: Nest's 404.
    // OPTIONS is in `all` for every path, but no route registers it: it is answered here
    const options = req.method === 'OPTIONS';
    if (!routes.length || !all || (!options && all.includes(req.method))) return next();
    const verdict = verdicts(access, routes, authState(req).user);
    const usable = routes.map((r) => ({ path: r.path, methods: r.methods.filter((m) => verdict.get(m) === 'ok') }));
    const allowed = allowedMethods(usable) ?? []; // never null: no route here takes every method
    if (!allowed.length) {
      // as the guard decides: the login wall, then the pending password change, then the role check
      const refused = [...verdict.values()];
      if (refused.includes('login')) return next(refuseAnonymous(req, res));
      return next(refused.includes('password') ? refusePendingPasswordChange(req, res, audit) : refuseRole(req, audit));
    }
    res.setHeader('Allow', allowed.join(', '));
    // OPTIONS asks what the path supports (RFC 9110 §9.3.7): the Allow header is the answer, no body.
    // No Access-Control-* header: a CORS preflight still fails (README, "No CORS")
    if (options) return void res.status(204).end();
    next(new MethodNotAllowedError(req.method, allowed));
  };
}
