import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModuleOptions, ThrottlerOptions, ThrottlerStorage } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { ANALYSIS_ROUTE_KEY, LOGIN_ROUTE_KEY, PasswordAccount } from '../accounts/decorators';
import { isApiPath } from '../accounts/accounts.setup';
import { TooManyRequestsError } from '../accounts/errors';
import { actor, AuditLog } from '../audit/audit-log.service';
import { RefusalDigestService } from './refusal-digest';
import { authState } from '../accounts/request-user';
import { normalizeEmail } from '../accounts/email';
import type { AccountsConfig } from '../config/accounts.env';
import { REQUEST_LIMIT, requestLimitMessage } from './request-limit';
import { waitWords } from '../presentation/wait-words';
import { clientKey, LOGIN_ACCOUNT, LOGIN_FAILURES, loginAccountKey, loginFailuresKey, throttlerKey } from './keys';


function meta(context: ExecutionContext, key: string): boolean {
  return Reflect.getMetadata(key, context.getHandler()) === true || Reflect.getMetadata(key, context.getClass()) === true;
}
const reqOf = (context: ExecutionContext) => context.switchToHttp().getRequest<Request>();
const loginRoute = (context: ExecutionContext): PasswordAccount | undefined =>
  (Reflect.getMetadata(LOGIN_ROUTE_KEY, context.getHandler()) ?? Reflect.getMetadata(LOGIN_ROUTE_KEY, context.getClass())) as PasswordAccount | undefined;

export function isLoginRoute(context: ExecutionContext): boolean {
  return loginRoute(context) !== undefined;
}

/** The email of the account whose password the route checks (see @LoginRoute()). */
function accountOf(context: ExecutionContext): unknown {
  const req = reqOf(context);
  return loginRoute(context) === 'self' ? authState(req).user?.email : (req as { body?: { email?: unknown } }).body?.email;
}
/** From @AnalysisRoute() on the handler: whatever spelling of the path reached it. */
export function isAnalysisRoute(context: ExecutionContext): boolean {
  return meta(context, ANALYSIS_ROUTE_KEY);
}

/**
 * Four named limits of the routes (README "Rate limits"): analyses per user; login attempts per IP
 * and per account; failed logins per account over a longer window. Counters are global per tracker
 * (not per route). The fifth, every request per client IP, is not a guard: it runs before the login
 * lookup and the router, so that it counts requests no route takes (request-limit.ts).
 */
export function throttlerOptions(cfg: AccountsConfig['rateLimits']): ThrottlerOptions[] {
  // the client's network, not its exact address: an IPv6 host picks any address of its /64 (clientKey)
  const ip = (req: Record<string, unknown>) => clientKey((req as unknown as Request).ip);
  return [
    {
      name: 'analyses',
      ttl: 60_000,
      limit: cfg.analysesPerMinute,
      skipIf: (c) => !isAnalysisRoute(c) || !authState(reqOf(c)).user,
      getTracker: (req) => authState(req as unknown as Request).user?.id ?? 'anonymous',
    },
    {
      name: 'login-ip',
      ttl: cfg.loginWindowMs,
      limit: cfg.loginPerIp,
      skipIf: (c) => !isLoginRoute(c),
      getTracker: ip,
    },
    {
      // Against password guessing: every attempt counts, and a successful login forgets the count
      // (UsersService.verifyCredentials), so only failures accumulate.
      name: LOGIN_ACCOUNT,
      ttl: cfg.loginWindowMs,
      limit: cfg.loginPerAccount,
      skipIf: (c) => !isLoginRoute(c) || !normalizeEmail(accountOf(c)),
      getTracker: (_req, c) => normalizeEmail(accountOf(c)),
      // the very key the successful login forgets
      generateKey: (c) => loginAccountKey(accountOf(c)),
    },
    {
      // The reset above lets a guesser start over whenever the owner logs in; this one is never reset.
      // Each attempt is counted here, before the password check (so parallel guesses cannot slip past
      // a check-then-count), and a successful login takes its own hit back (UsersService
      // .verifyCredentials): what stays is failures only, from every IP, for the longer window — so
      // the owner's logins never add up, and once the budget is spent the account is refused, the
      // right password too (otherwise a 401-or-200 after the block would go on answering guesses).
      // Keyed on the normalised email whether or not the account exists: the limit reveals nothing.
      name: LOGIN_FAILURES,
      ttl: cfg.loginFailuresWindowMs,
      limit: cfg.loginFailuresPerAccount,
      skipIf: (c) => !isLoginRoute(c) || !normalizeEmail(accountOf(c)),
      getTracker: (_req, c) => normalizeEmail(accountOf(c)),
      generateKey: (c) => loginFailuresKey(accountOf(c)),
    },
  ];
}

export function buildThrottlerModuleOptions(cfg: AccountsConfig['rateLimits'], storage: ThrottlerStorage): ThrottlerModuleOptions {
  return {
    throttlers: throttlerOptions(cfg),
    storage,
    generateKey: (_c, tracker, name) => throttlerKey(name, tracker),
  };
}

const MESSAGES: Record<string, (s: string) => string> = {
  [REQUEST_LIMIT]: requestLimitMessage,
  analyses: (s) => `You have reached the limit of analyses per minute. Please wait ${s} before the next one.`,
  'login-ip': (s) => `Too many login attempts from your network. Please wait ${s} and try again.`,
  [LOGIN_ACCOUNT]: (s) => `Too many login attempts for this account. Please wait ${s} and try again.`,
  [LOGIN_FAILURES]: (s) => `Too many failed login attempts for this account. For its protection, logging in to it is paused; please wait ${s} and try again.`,
};

/**
 * ThrottlerGuard answering with the app's 429 (standard Retry-After, friendly message). A password
 * check it refuses is a failed login (or password change) in the audit log, any other request a
 * rate_limited line; both name the limit.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  // a property: the constructor is ThrottlerGuard's, whose injection tokens are its own
  @Inject(AuditLog) private readonly audit!: AuditLog;
  @Inject(RefusalDigestService) private readonly refusals!: RefusalDigestService;

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const res = context.switchToHttp().getResponse<Response>();
    const seconds = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    const name = detail.key.slice(0, detail.key.indexOf(':'));
    this.auditRefusal(context, name, detail);
    res.setHeader('Retry-After', String(seconds));
    throw new TooManyRequestsError(seconds, (MESSAGES[name] ?? MESSAGES[REQUEST_LIMIT])(waitWords(seconds)));
  }

  private auditRefusal(context: ExecutionContext, limit: string, detail: ThrottlerLimitDetail): void {
    const account = loginRoute(context);
    const req = reqOf(context);
    const state = authState(req);
    if (!account) {
      // every other route: the first 429 of the limit's window per key, then a count (refusal-digest.ts)
      this.refusals.refused(detail.key, detail.ttl, this.audit.event(req, 'rate_limited', { limit, ...actor(state.user) }));
      return;
    }
    const via = state.authMethod === 'bearer' || (!state.authMethod && isApiPath(req.path)) ? 'token' : 'session';
    if (account === 'self') {
      this.audit.record(req, 'password.change.failure', { reason: 'rate_limited', limit, via, ...actor(state.user) });
      return;
    }
    const typed = accountOf(context);
    // the attempted email as typed, as the login's own failure writes it (no account lookup here)
    this.audit.record(req, 'login.failure', { reason: 'rate_limited', limit, via, username: typeof typed === 'string' ? typed : undefined });
  }
}
