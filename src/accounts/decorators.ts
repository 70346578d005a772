import { SetMetadata } from '@nestjs/common';
import type { Role } from './roles';

export const PUBLIC_KEY = 'sentinel:public';
export const ROLES_KEY = 'sentinel:roles';
export const SKIP_CSRF_KEY = 'sentinel:skip-csrf';
export const LOGIN_ROUTE_KEY = 'sentinel:login-route';
export const ANALYSIS_ROUTE_KEY = 'sentinel:analysis-route';
export const UNTHROTTLED_KEY = 'sentinel:unthrottled';
/** Set only by FormImageUpload() (form-upload.ts), with the interceptor that checks the token instead of the guard. */
export const CSRF_IN_FORM_KEY = 'sentinel:csrf-in-form';
export const OPEN_BEFORE_PASSWORD_CHANGE_KEY = 'sentinel:open-before-password-change';
export const CSRF_FOR_SESSIONS_ONLY_KEY = 'sentinel:csrf-for-sessions-only';

/** Reachable without logging in (login page, token endpoint, health). Everything else needs a user. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
/** Only these roles (checked after login). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
/** No CSRF token needed: JSON endpoints that carry their own credentials (token login). */
export const SkipCsrf = () => SetMetadata(SKIP_CSRF_KEY, true);
/**
 * A public route that changes nothing for a caller without a live session (logout: there is no
 * session to end), so only a logged-in caller needs the CSRF token. The login form is not one:
 * it makes a session, and a forged cross-site login must stay refused.
 */
export const CsrfForSessionsOnly = () => SetMetadata(CSRF_FOR_SESSIONS_ONLY_KEY, true);
/**
 * Answers a logged-in user whose password someone else set (`mustChangePassword`) before they
 * choose their own: the password change itself, logout and "me". Every other non-public route
 * refuses them (AccessGuard).
 */
export const OpenBeforePasswordChange = () => SetMetadata(OPEN_BEFORE_PASSWORD_CHANGE_KEY, true);
/**
 * Checks a password, so counts against the login-attempt limits (per IP and per account). Whose
 * account: the email in the body (`'body'`: logging in), or the logged-in caller's own (`'self'`:
 * changing one's password, whose body names no account — and must not pick one to be counted under).
 */
export type PasswordAccount = 'body' | 'self';
export const LoginRoute = (account: PasswordAccount = 'body') => SetMetadata(LOGIN_ROUTE_KEY, account);
/** Counts against the analyses-per-user limit (any route that runs the pipeline). */
export const AnalysisRoute = () => SetMetadata(ANALYSIS_ROUTE_KEY, true);
/**
 * Not counted by the per-IP request limit (liveness/readiness probes of load balancers). That limit
 * runs before the router, so it reads this decorator once at start-up into `METHOD /path` keys
 * matched as Express does (src/rate-limit/request-limit.ts): fixed paths only. The other rate-limit
 * classes and the login wall are read from these decorators on the handler or its controller —
 * never from the request path, which Express matches case-insensitively.
 */
export const Unthrottled = () => SetMetadata(UNTHROTTLED_KEY, true);
