import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { UNTHROTTLED_KEY } from '../accounts/decorators';
import { TooManyRequestsError } from '../accounts/errors';
import type { AuditLog } from '../audit/audit-log.service';
import { canonicalPath } from '../common/paths';
import { clientKey, throttlerKey } from './keys';
import type { RefusalDigestService } from './refusal-digest';
import { waitWords } from '../presentation/wait-words';

/** The per-IP request limit's name: its storage key prefix, its audit `limit`, its header suffix. */
export const REQUEST_LIMIT = 'ip';
/**
 * The bucket of the static files (/static/: CSS, scripts, fonts, icons), per IP, with the same
 * per-minute figure: counted apart so that loading pages does not spend the count of the pages and
 * the API (a cold visit is 8–30 requests, mostly these), and so that a client refused there still
 * gets the stylesheet of the 429 page that tells it to wait (it was a 429 too: an unstyled page).
 * Still counted: a flood of file requests is refused like any other.
 */
export const STATIC_LIMIT = 'static';
const STATIC_PREFIX = '/static/';

/** Its window, and how long a client that went over it is refused. */
export const REQUEST_WINDOW_MS = 60_000;

/**
 * What an over-the-limit client is told, with the wait in words — waitWords' ("15 min", "1 min 15 s"), the
 * rule the page's countdown under it uses: rounded up to whole minutes here, a page said "Please wait 15
 * minutes" over "You can try again in 14 min 59 s", and "75 seconds" over "1 min 15 s".
 */
export function requestLimitMessage(wait: string): string {
  return `Too many requests from your network. Please wait ${wait} and try again.`;
}

export interface RequestLimitDeps {
  store: ThrottlerStorage;
  perMinute: number;
  refusals: Pick<RefusalDigestService, 'refused'>;
  audit: Pick<AuditLog, 'event'>;
  /** `GET /healthz`-style keys of the routes marked @Unthrottled() (unthrottledRoutes). */
  unthrottled: ReadonlySet<string>;
}

/**
 * The per-IP request limit (RATE_LIMIT_REQUESTS_PER_MINUTE), as Express middleware installed before
 * the login lookup and the router: every request counts — an unknown path (404), a method the path
 * does not take (405), Swagger's /api/docs, a path with a bad %-escape (400), a static file — and an
 * over-the-limit one is answered 429 without a database read. As a Nest guard it saw only requests
 * that reached a controller, after the session/token lookup: a client already refused went on being
 * answered on all of those, and each refused request with a random token or cookie cost a lookup.
 * Same store (memory, or Redis across replicas), same key, headers, 429 (through the one filter:
 * JSON or page by Accept) and rate_limited digest as the guard's other limits; the digest line
 * names no user, as none has been looked up.
 */
export function requestLimit(deps: RequestLimitDeps): RequestHandler {
  const { store, perMinute, refusals, audit, unthrottled } = deps;
  return (req: Request, res: Response, next: NextFunction) => {
    if (unthrottled.has(routeKey(req.method, req.path))) return next();
    const limit = canonicalPath(req.path).startsWith(STATIC_PREFIX) ? STATIC_LIMIT : REQUEST_LIMIT;
    const key = throttlerKey(limit, clientKey(req.ip));
    store.increment(key, REQUEST_WINDOW_MS, perMinute, REQUEST_WINDOW_MS, limit).then((hit) => {
      if (hit.isBlocked) {
        const seconds = Math.max(1, Math.ceil(hit.timeToBlockExpire));
        refusals.refused(key, REQUEST_WINDOW_MS, audit.event(req, 'rate_limited', { limit }));
        // as @nestjs/throttler writes them for the guard's limits, plus the standard one
        res.setHeader(`Retry-After-${limit}`, String(hit.timeToBlockExpire));
        res.setHeader('Retry-After', String(seconds));
        return next(new TooManyRequestsError(seconds, requestLimitMessage(waitWords(seconds))));
      }
      res.setHeader(`X-RateLimit-Limit-${limit}`, String(perMinute));
      res.setHeader(`X-RateLimit-Remaining-${limit}`, String(Math.max(0, perMinute - hit.totalHits)));
      res.setHeader(`X-RateLimit-Reset-${limit}`, String(hit.timeToExpire));
      next();
    }, next);
  };
}

/** `METHOD /path` as Express routes it: case-insensitive, a trailing slash ignored, HEAD served by GET. */
function routeKey(method: string, path: string): string {
  const p = canonicalPath(path).replace(/(.)\/+$/, '$1');
  return `${method === 'HEAD' ? 'GET' : method} ${p}`;
}

const paths = (metadata: unknown): string[] => ([] as unknown[]).concat(metadata ?? '/').map(String);

/**
 * The routes @Unthrottled() marks (the load balancers' probes), read once from the controllers Nest
 * discovered: the decorator stays the one place that says which routes the limit leaves alone,
 * while the middleware, running before the router, matches them by method and path.
 */
export function unthrottledRoutes(discovery: DiscoveryService): Set<string> {
  const out = new Set<string>();
  const scanner = new MetadataScanner();
  for (const { metatype, instance } of discovery.getControllers()) {
    if (!metatype || !instance) continue;
    const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
    const wholeClass = Reflect.getMetadata(UNTHROTTLED_KEY, metatype) === true;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name];
      if (typeof handler !== 'function') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined || !(wholeClass || Reflect.getMetadata(UNTHROTTLED_KEY, handler) === true)) continue;
      for (const base of paths(Reflect.getMetadata(PATH_METADATA, metatype))) {
        for (const path of paths(Reflect.getMetadata(PATH_METADATA, handler))) {
          const full = `/${[base, path].map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;
          // matched as a fixed string before routing: a parameter would silently exempt nothing
          if (/[:*?(]/.test(full)) throw new Error(`@Unthrottled() needs a fixed path: ${full}`);
          out.add(routeKey(RequestMethod[method], full));
        }
      }
    }
  }
  return out;
}
