import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import hbs from 'hbs';
import { actor, AuditLog } from '../audit/audit-log.service';
import { ErrorBody, wantsHtml } from '../common/app-exception.filter';
import { canonicalPath } from '../common/paths';
import { AppConfig } from '../config/config.service';
import { clearCookie, CSRF_COOKIE, readCookie, SESSION_COOKIE, setCookie } from './cookies';
import { Csrf } from './csrf';
import { CHANGE_PASSWORD_PAGE, PasswordChangeRequiredError } from './errors';
import { authState } from './request-user';
import { SessionsService } from './sessions.service';

export const TRUST_PROXY_TRUE_WARNING =
  'TRUST_PROXY=true trusts every X-Forwarded-For entry, so a client can name its own address and escape the per-IP rate limits; set the number of proxies in front instead (TRUST_PROXY=1 behind one).';

/** Paths that never need to know the user: no database lookup for them. */
const ANONYMOUS_PATHS = new Set(['/healthz', '/readyz', '/favicon.ico']);

export function isApiPath(p: string): boolean {
  const n = canonicalPath(p);
  return n === '/api' || n.startsWith('/api/');
}


/**
 * Express-level part of accounts, installed by configureApp before Swagger and before the Nest
 * router: trust-proxy, who is calling (session cookie or, on /api, a bearer token), the CSRF
 * cookie and token for the views, and the login wall in front of /api/docs (Swagger's routes
 * are plain Express routes that Nest guards never see). Login required / roles / CSRF checks
 * are the global AccessGuard's job.
 */
export function configureAccounts(app: NestExpressApplication): void {
  const config = app.get(AppConfig);
  const sessions = app.get(SessionsService);
  const csrf = app.get(Csrf);
  const audit = app.get(AuditLog);
  const policy = { secure: config.accounts.cookieSecure };
  app.set('trust proxy', config.accounts.trustProxy);
  if (config.accounts.trustProxy === true) {
    // Express then takes the leftmost X-Forwarded-For entry, which the client writes itself: every
    // per-IP limit (logins, requests) counts whatever address the client names (10 guesses at a
    // limit of 3 all answered 401). A hop count takes the address the proxy added.
    new Logger('Accounts').warn(TRUST_PROXY_TRUE_WARNING);
  }
  hbs.registerHelper('isoDate', (v: unknown) => {
    const d = v instanceof Date ? v : typeof v === 'string' ? new Date(v) : null;
    return d && !Number.isNaN(d.getTime()) ? d.toISOString().replace('T', ' ').slice(0, 19) : '—';
  });

  app.use((req: Request, res: Response, next: NextFunction) => {
    const path = canonicalPath(req.path);
    if (ANONYMOUS_PATHS.has(path) || path.startsWith('/static/')) return next();
    // Every other answer is for one caller (their history, results, a CSRF token tied to their
    // login): never kept by the browser. Without it, Back after "Log out" showed the history
    // pages of whoever had logged out, from the browser's cache. A route may still set its own
    // (the demo sample images do: `private`, as they need a login).
    res.setHeader('Cache-Control', 'no-store');
    void (async () => {
      const state = authState(req);
      const api = isApiPath(req.path);
      const auth = req.headers.authorization;
      if (api && auth && /^bearer\s/i.test(auth)) {
        const token = auth.replace(/^bearer\s+/i, '').trim();
        const user = await sessions.resolve(token, 'api');
        if (user) Object.assign(state, { user, authMethod: 'bearer', authToken: token });
        else state.badToken = true;
      } else {
        const token = readCookie(req, policy, SESSION_COOKIE);
        if (token) {
          const user = await sessions.resolve(token, 'web');
          if (user) Object.assign(state, { user, authMethod: 'cookie', authToken: token });
          else {
            state.sessionEnded = true;
            clearCookie(req, res, policy, SESSION_COOKIE);
          }
        }
      }

      let csrfCookie = readCookie(req, policy, CSRF_COOKIE);
      // HEAD as GET: the same headers (RFC 9110 §9.3.2), and /login's form holds the token either way
      if (!csrfCookie && !api && (req.method === 'GET' || req.method === 'HEAD')) {
        csrfCookie = Csrf.newCookieValue();
        setCookie(req, res, policy, CSRF_COOKIE, csrfCookie);
      }
      state.csrfCookie = csrfCookie;
      res.locals.csrfToken = csrfCookie ? csrf.tokenFor(csrfCookie, state.authMethod === 'cookie' ? state.authToken : '') : '';
      res.locals.currentUser = state.user;
      res.locals.isAdmin = state.user?.role === 'admin';

      if (path.startsWith('/api/docs') && !state.user) {
        if (wantsHtml(req) || path === '/api/docs' || path === '/api/docs/') {
          res.redirect(302, `/login?next=${encodeURIComponent('/api/docs')}`);
        } else {
          res.status(401).json({ statusCode: 401, code: 'UNAUTHORIZED', message: 'Please log in.' } satisfies ErrorBody);
        }
        return;
      }
      // the AccessGuard's rule for Swagger's plain Express routes, which no guard sees
      if (path.startsWith('/api/docs') && state.user?.mustChangePassword) {
        if (wantsHtml(req) || path === '/api/docs' || path === '/api/docs/') {
          res.redirect(302, CHANGE_PASSWORD_PAGE);
        } else {
          // a refusal, written as the guard writes its own (refusePendingPasswordChange); the redirect above is not
          audit.record(req, 'access.denied', { reason: 'password_change_required', ...actor(state.user) });
          const e = new PasswordChangeRequiredError();
          res.status(e.statusCode).json({ statusCode: e.statusCode, code: e.code, message: e.message } satisfies ErrorBody);
        }
        return;
      }
      next();
    })().catch(next);
  });
}
