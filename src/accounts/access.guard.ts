import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { actor, AuditLog } from '../audit/audit-log.service';
import { wantsHtml } from '../common/app-exception.filter';
import { canonicalPath } from '../common/paths';
import { CSRF_FIELD, CSRF_HEADER, Csrf } from './csrf';
import { CSRF_FOR_SESSIONS_ONLY_KEY, CSRF_IN_FORM_KEY, LOGIN_ROUTE_KEY, OPEN_BEFORE_PASSWORD_CHANGE_KEY, PasswordAccount, PUBLIC_KEY, ROLES_KEY, SKIP_CSRF_KEY } from './decorators';
import { LOGIN_ACCOUNT, LOGIN_FAILURES, loginAccountKey, loginFailuresKey } from '../rate-limit/keys';
import { RateLimitStore } from '../rate-limit/rate-limit.storage';
import { CHANGE_PASSWORD_PAGE, CsrfError, ForbiddenError, PasswordChangeRequiredError, UnauthorizedError } from './errors';
import { authState } from './request-user';
import type { AuthUser, Role } from './roles';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A page request as a browser's: GET, or HEAD, which must answer as GET would (RFC 9110 §9.3.2) —
 * it was the 401/403 where GET is the redirect (a link checker's or `curl -I`'s HEAD /history).
 */
const isPageRead = (req: Request) => (req.method === 'GET' || req.method === 'HEAD') && wantsHtml(req);

/**
 * The CSRF rule for one request and the token it carries: a bearer-token call needs none (no
 * ambient credential); a cookie call's token must be the HMAC of its CSRF cookie and login session.
 * Shared by the guard and the form upload's streaming check (form-upload.ts), so they cannot differ.
 */
export function csrfTokenAccepted(csrf: Csrf, req: Request, token: unknown): boolean {
  const state = authState(req);
  if (state.authMethod === 'bearer') return true;
  return csrf.verify(state.csrfCookie, token, state.authMethod === 'cookie' ? state.authToken : '');
}

/**
 * The login wall's answer to a caller without a login: a browser asking for a page is redirected to
 * /login?next=…, anyone else gets `WWW-Authenticate`; the error is for the caller to throw (the
 * filter renders it, or sees the redirect already sent). Shared with the 405 answer
 * (method-not-allowed.ts), so a login-only path refuses alike whatever the method.
 */
export function refuseAnonymous(req: Request, res: Response): UnauthorizedError {
  const { badToken, sessionEnded } = authState(req);
  if (isPageRead(req)) {
    // a login that ended (not a first visit): the login page says so, instead of a plain form
    res.redirect(302, `/login?next=${encodeURIComponent(req.originalUrl)}${sessionEnded ? '&ended=1' : ''}`);
  } else {
    res.setHeader('WWW-Authenticate', badToken ? 'Bearer error="invalid_token"' : 'Bearer');
  }
  if (badToken) return new UnauthorizedError('The token is invalid or expired.');
  // a header that is not read at all (`Authorization: mst_…`, `Token …`, Basic): "Please log in."
  // left a script that did send its token wondering why it was ignored. Not with cookies: a browser
  // behind a proxy's Basic auth sends that header too, and its page says its own words on a 401
  if (req.headers.authorization && !req.headers.cookie) return new UnauthorizedError(NOT_BEARER);
  return new UnauthorizedError('Please log in.');
}

const NOT_BEARER = 'The Authorization header is not read: send the token from POST /api/v1/auth/token as "Authorization: Bearer <token>".';

/**
 * The role check's answer, written to the audit log (access.denied, reason role); shared with the
 * 405 answer, so an admin-only path refuses a non-admin alike whatever the method. A script calling
 * /api/v1/users was told "This page is …": say route.
 */
export function refuseRole(req: Request, audit: AuditLog): ForbiddenError {
  audit.record(req, 'access.denied', { reason: 'role', ...actor(authState(req).user) });
  return new ForbiddenError(canonicalPath(req.path).startsWith('/api/') ? 'This API route is for administrators.' : 'This page is for administrators.');
}

/**
 * What a route's @Public()/@OpenBeforePasswordChange()/@Roles() metadata says to a caller: let in,
 * the login wall, the pending password change, or the role check.
 */
export type AccessVerdict = 'ok' | 'login' | 'password' | 'role';

/**
 * The login wall, the pending password change and the role check of AccessGuard as one pure
 * decision, in the guard's order (CSRF aside: it depends on the request, not on who calls). The
 * guard and the 405 answer (method-not-allowed.ts) both use it, so what a wrong method is told
 * cannot drift from what the route's own method would answer.
 */
export function accessVerdict(
  isPublic: boolean,
  roles: readonly Role[] | undefined,
  user: AuthUser | undefined,
  openBeforePasswordChange = false,
): AccessVerdict {
  if (!isPublic && !user) return 'login';
  if (!isPublic && user?.mustChangePassword && !openBeforePasswordChange) return 'password';
  if (roles && (!user || !roles.includes(user.role))) return 'role';
  return 'ok';
}

/**
 * The answer to a user who must first replace a password someone else set: a browser asking for a
 * page is sent to the change form, anyone else gets 403 PASSWORD_CHANGE_REQUIRED (the error is for
 * the caller to throw, as with refuseAnonymous). Only the 403 is an audit line (access.denied,
 * reason password_change_required): the redirect is the way to the form, not a refusal worth a
 * line — one per page the user clicked (a first login passes several) buried the real ones.
 */
export function refusePendingPasswordChange(req: Request, res: Response, audit: AuditLog): PasswordChangeRequiredError {
  if (isPageRead(req)) res.redirect(302, CHANGE_PASSWORD_PAGE);
  else audit.record(req, 'access.denied', { reason: 'password_change_required', ...actor(authState(req).user) });
  return new PasswordChangeRequiredError();
}

/**
 * Global guard, after the rate limiter: login required except on @Public() routes; a user who
 * must change a password someone else set reaches only @OpenBeforePasswordChange() routes; CSRF token
 * on every state-changing request made with the browser's cookie (forms and the page's fetch
 * calls; bearer-token API calls carry no ambient credential and need none); @Roles() checks.
 * Browsers asking for a page are redirected to /login?next=…
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly csrf: Csrf,
    private readonly rateLimits: RateLimitStore,
    private readonly audit: AuditLog,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const targets = [context.getHandler(), context.getClass()];
    const state = authState(req);
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets) === true;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    const openBeforeChange = this.reflector.getAllAndOverride<boolean>(OPEN_BEFORE_PASSWORD_CHANGE_KEY, targets) === true;
    const verdict = accessVerdict(isPublic, roles, state.user, openBeforeChange);

    if (verdict === 'login') throw refuseAnonymous(req, res);
    // Before CSRF and roles: a page GET of such a user goes to the change form whatever it is.
    if (verdict === 'password') throw refusePendingPasswordChange(req, res, this.audit);

    const skipCsrf = this.reflector.getAllAndOverride<boolean>(SKIP_CSRF_KEY, targets) === true;
    // @CsrfInForm(): the token is a multipart field not parsed yet; FormUploadInterceptor checks it as it arrives
    const inForm = this.reflector.getAllAndOverride<boolean>(CSRF_IN_FORM_KEY, targets) === true;
    // @CsrfForSessionsOnly() (logout): a caller with no live session has nothing a forged request could change
    const anonymousFree = !state.user && this.reflector.getAllAndOverride<boolean>(CSRF_FOR_SESSIONS_ONLY_KEY, targets) === true;
    if (!SAFE_METHODS.has(req.method) && state.authMethod !== 'bearer' && !skipCsrf && !inForm && !anonymousFree) {
      const body = req.body as Record<string, unknown> | undefined;
      const token = req.headers[CSRF_HEADER] ?? body?.[CSRF_FIELD];
      if (!csrfTokenAccepted(this.csrf, req, token)) {
        // The rate limiter ran first and counted this as a guess at the caller's own password
        // (@LoginRoute('self')), but no password was checked: take the hits back, or requests
        // without a token — a forged cross-site form among them — would lock the account's logins.
        const account = this.reflector.getAllAndOverride<PasswordAccount | undefined>(LOGIN_ROUTE_KEY, targets);
        if (account === 'self' && state.user) {
          await this.rateLimits.refund(loginAccountKey(state.user.email), LOGIN_ACCOUNT);
          await this.rateLimits.refund(loginFailuresKey(state.user.email), LOGIN_FAILURES);
        }
        this.audit.record(req, 'csrf.failure', actor(state.user));
        throw new CsrfError();
      }
    }

    if (verdict === 'role') throw refuseRole(req, this.audit);
    return true;
  }
}
