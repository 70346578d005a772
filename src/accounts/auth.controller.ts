import { Body, Controller, Delete, Get, HttpCode, Logger, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiAuthenticated, ApiBodyTooLarge, ApiCsrfChecked, ApiDatabaseUnavailable, ApiError, ApiRateLimited } from '../common/api-responses';
import { isDatabaseUnavailable } from '../common/app-exception.filter';
import { BadRequestError } from '../common/errors';
import { requestIdOf } from '../common/request-id';
import { AuthUserDto, TokenDto } from './accounts.responses';
import { actor, AuditLog } from '../audit/audit-log.service';
import { AppConfig } from '../config/config.service';
import { AccountQueryDto, ChangePasswordDto, ChangePasswordFormDto, LoginFormDto, NextQueryDto, TokenRequestDto } from './accounts.dto';
import { clearCookie, CSRF_COOKIE, SESSION_COOKIE, sessionCookieMaxAgeMs, setCookie } from './cookies';
import { Csrf } from './csrf';
import { renderNotRevoked } from './logout-page';
import { CsrfForSessionsOnly, LoginRoute, OpenBeforePasswordChange, Public, SkipCsrf } from './decorators';
import { AccountInputError, UnauthorizedError } from './errors';
import { authState, CurrentUser } from './request-user';
import type { AuthUser } from './roles';
import { SessionsService } from './sessions.service';
import { PasswordStamp, UsersService } from './users.service';
import { accountPage, safeNext } from './redirects';
import type { SessionKind } from './sessions.service';
import { CHANGED_AGAIN, jsonBodyMissing, PASSWORD_CHANGED, passwordChangeReason } from './auth-words';

@ApiTags('auth')
@ApiBodyTooLarge()
@Controller()
export class AuthController {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly config: AppConfig,
    private readonly audit: AuditLog,
  ) {}

  private get policy() {
    return { secure: this.config.accounts.cookieSecure };
  }

  /**
   * A session for a password checked a moment ago, or null when that password stopped being the
   * account's meanwhile (a change, an admin's reset, or the account disabled). Stored first, then
   * checked: a change ends every session it finds, so either it finds this one or this check sees
   * it. Checked before storing, a change landing between the two left a session of the old
   * password alive (6 of 40 racing logins with the old password kept a working token).
   */
  private async keptSession(userId: string, kind: SessionKind, password: PasswordStamp): Promise<{ token: string; expiresAt: Date } | null> {
    const session = await this.sessions.create(userId, kind);
    if (await this.users.passwordStill(userId, password)) return session;
    await this.sessions.revoke(session.token);
    return null;
  }

  @Get('login')
  @Public()
  @ApiExcludeEndpoint()
  loginPage(@Req() req: Request, @Res() res: Response, @Query() q: NextQueryDto): void {
    const state = authState(req);
    if (state.user) return res.redirect(303, safeNext(q.next));
    // ended: sent here by the login wall with ended=1, or come straight here with the cookie of a
    // login that has ended (a bookmark of /login); the notice names no account either way
    const loggedOut = q.ended === 'logout';
    res.render('login', { title: 'Log in', next: safeNext(q.next), loggedOut, ended: !loggedOut && (q.ended === '1' || state.sessionEnded === true) });
  }

  @Post('login')
  @Public()
  @LoginRoute()
  @ApiExcludeEndpoint()
  async login(@Req() req: Request, @Res() res: Response, @Body() body: LoginFormDto): Promise<void> {
    const check = await this.users.checkCredentials(body.email, body.password);
    const next = safeNext(body.next);
    const session = check.ok ? await this.keptSession(check.user.id, 'web', check.password) : null;
    if (!check.ok || !session) {
      const failure = check.ok ? { reason: 'password_changed' as const, userId: check.user.id } : check;
      // the attempted email as typed (the formatter escapes and cuts it); never the password
      this.audit.record(req, 'login.failure', { reason: failure.reason, via: 'session', userId: failure.userId, username: body.email });
      res.status(401).render('login', {
        title: 'Log in',
        next,
        email: body.email?.slice(0, 254) ?? '',
        error: 'The email or password is incorrect, or the account is disabled.',
        refused: true, // the view marks both fields invalid, ties the error to them and focuses the password
      });
      return;
    }
    const user = check.user;
    // the session this browser held until now (a login form left open in another tab, a second
    // account on a shared computer): its cookie is replaced below, and it stayed valid on the server
    // until it expired — a session no browser could log out of any more
    const before = authState(req);
    if (before.authMethod === 'cookie' && before.authToken) await this.sessions.revoke(before.authToken);
    this.audit.record(req, 'login.success', { via: 'session', ...actor(user) });
    setCookie(req, res, this.policy, SESSION_COOKIE, session.token, sessionCookieMaxAgeMs(this.config.accounts.sessionTtlMs));
    // a fresh CSRF cookie per login: a token seen before login is useless afterwards
    setCookie(req, res, this.policy, CSRF_COOKIE, Csrf.newCookieValue());
    // someone else set this password: straight to the change form (every other page sends them there),
    // which links on to where the login was headed once the password is changed
    res.redirect(303, user.mustChangePassword ? accountPage({ next }) : next);
  }

  /**
   * Public: a caller whose session has ended (expired overnight, ended by a password change
   * elsewhere) is logged out already — it was answered 401 "Please log in." — and goes to the login
   * page as after any logout; a live session's logout needs its CSRF token (@CsrfForSessionsOnly).
   */
  @Post('logout')
  @Public()
  @CsrfForSessionsOnly()
  @OpenBeforePasswordChange()
  @ApiExcludeEndpoint()
  async logout(@Req() req: Request, @Res() res: Response): Promise<void> {
    const state = authState(req);
    const refused = state.authMethod === 'cookie' ? await this.revokeRefusal(state.authToken) : undefined;
    // the cookies go even when the row could not: the user asked to leave this browser, and a 503
    // that kept them left it logged in (a shared computer) while the user walked away
    clearCookie(req, res, this.policy, SESSION_COOKIE);
    clearCookie(req, res, this.policy, CSRF_COOKIE);
    // nobody was logged in: nothing ended, no audit line says anything did
    if (!state.user) return res.redirect(303, '/login');
    if (refused === undefined) {
      this.audit.record(req, 'logout', { via: 'session', ...actor(state.user) });
      // the login page says so: a bare form left the user unsure the logout had happened (a shared computer)
      return res.redirect(303, '/login?ended=logout');
    }
    // not 'logout' (the session was not ended, and the log must not say it was), but a line all the
    // same: the audit log is stdout, which the database's refusal does not reach, and an operator
    // looking for who tried to leave and is still signed in finds it there (it wrote none before)
    this.audit.record(req, 'logout.failure', { reason: 'database_unavailable', via: 'session', ...actor(state.user) });
    this.logger.error(`POST /logout (request ${requestIdOf(req) ?? '-'}): the session of user ${state.user?.id ?? '-'} was not revoked (database unavailable); the browser's cookies were cleared`);
    renderNotRevoked(req, res, refused.cause);
  }

  /** Nothing when the session row is gone; the database's refusal (503 kind, isDatabaseUnavailable) when it would not delete it. */
  private async revokeRefusal(token: string | undefined): Promise<{ cause: unknown } | undefined> {
    try {
      await this.sessions.revoke(token);
      return undefined;
    } catch (err) {
      if (isDatabaseUnavailable(err)) return { cause: err };
      throw err;
    }
  }

  @Get('account')
  @OpenBeforePasswordChange()
  @ApiExcludeEndpoint()
  account(@Res() res: Response, @Query() q: AccountQueryDto): void {
    res.render('account', { title: 'Your account', next: safeNext(q.next), done: q.done === 'password' ? PASSWORD_CHANGED : undefined });
  }

  /** Change your own password; every other session and token of yours ends, this browser stays in. */
  @Post('account/password')
  @LoginRoute('self')
  @OpenBeforePasswordChange()
  @ApiExcludeEndpoint()
  async changePassword(@CurrentUser() user: AuthUser, @Req() req: Request, @Res() res: Response, @Body() body: ChangePasswordFormDto): Promise<void> {
    const next = safeNext(body.next);
    let password: PasswordStamp;
    try {
      password = await this.users.changeOwnPassword(user.id, body.current, body.password, { value: body.confirm });
    } catch (err) {
      if (!(err instanceof AccountInputError)) throw err;
      this.audit.record(req, 'password.change.failure', { reason: passwordChangeReason(err), via: 'session', ...actor(user) });
      // errorField: the page focuses that field and ties the message to it (aria-invalid, aria-describedby)
      res.status(400).render('account', { title: 'Your account', error: err.message, errorField: err.field, next });
      return;
    }
    this.audit.record(req, 'password.change', { via: 'session', ...actor(user) });
    const session = await this.keptSession(user.id, 'web', password);
    if (!session) throw new UnauthorizedError(CHANGED_AGAIN);
    setCookie(req, res, this.policy, SESSION_COOKIE, session.token, sessionCookieMaxAgeMs(this.config.accounts.sessionTtlMs));
    res.redirect(303, accountPage({ done: 'password', next }));
  }

  @Post('api/v1/auth/token')
  @Public()
  @SkipCsrf()
  @LoginRoute()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Exchange email + password for a bearer token',
    security: [],
    description: 'Send the token as `Authorization: Bearer <token>` on any /api/v1 route. Only its sha256 is stored.',
  })
  @ApiOkResponse({ type: TokenDto })
  @ApiError(400, 'BAD_REQUEST: a field missing or not a single text value (the body is JSON `{"email","password"}`)')
  @ApiError(401, 'UNAUTHORIZED: wrong credentials or disabled account')
  @ApiRateLimited('too many login attempts from this IP or for this account')
  @ApiDatabaseUnavailable()
  async token(@Body() body: TokenRequestDto, @Req() req: Request): Promise<{ token: string; expiresAt: string }> {
    // absent (not blank) fields: the body was not this JSON at all — `curl -d '{…}'` sends it as a
    // form, whose one key is the whole text; "email or password is incorrect" sent people to check
    // a password they had typed right
    if (body.email === undefined || body.password === undefined) throw new BadRequestError(jsonBodyMissing(['email', 'password'], req));
    const check = await this.users.checkCredentials(body.email, body.password);
    const session = check.ok ? await this.keptSession(check.user.id, 'api', check.password) : null;
    if (!check.ok || !session) {
      const failure = check.ok ? { reason: 'password_changed' as const, userId: check.user.id } : check;
      this.audit.record(req, 'login.failure', { reason: failure.reason, via: 'token', userId: failure.userId, username: body.email });
      throw new UnauthorizedError('The email or password is incorrect, or the account is disabled.');
    }
    const { token, expiresAt } = session;
    // a bearer token created: the event says who, never the token
    this.audit.record(req, 'login.success', { via: 'token', ...actor(check.user) });
    return { token, expiresAt: expiresAt.toISOString() };
  }

  /**
   * The API twin of the form: with a bearer token, every session and token of yours ends and a new
   * token is the answer; with the browser's cookie (+ CSRF), a new session cookie replaces it (204).
   */
  @Post('api/v1/auth/password')
  @LoginRoute('self')
  @OpenBeforePasswordChange()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Change your own password',
    description:
      'JSON `{"current","password"}`. Required before anything else when an admin set the password (403 `PASSWORD_CHANGE_REQUIRED` ' +
      'elsewhere). Every other session and token of yours ends.',
  })
  @ApiOkResponse({ type: TokenDto, description: 'Bearer caller: a new token' })
  @ApiNoContentResponse({ description: 'Cookie caller: a new session cookie', headers: { 'Set-Cookie': { description: 'the new session cookie (the old session is ended)', schema: { type: 'string' } } } })
  @ApiError(400, 'BAD_REQUEST: a field missing, wrong current password, or the new one is refused by the password policy')
  @ApiCsrfChecked()
  @ApiAuthenticated({ openBeforePasswordChange: true, rateLimits: 'too many wrong current passwords for this account (they count as logins)' })
  @ApiDatabaseUnavailable()
  async changePasswordApi(
    @CurrentUser() user: AuthUser,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @Body() body: ChangePasswordDto,
  ): Promise<{ token: string; expiresAt: string } | undefined> {
    // as for the token: "The current password is not correct" to a body sent as a form
    if (body.current === undefined || body.password === undefined) throw new BadRequestError(jsonBodyMissing(['current', 'password'], req));
    const via = authState(req).authMethod === 'bearer' ? 'token' : 'session';
    let password: PasswordStamp;
    try {
      password = await this.users.changeOwnPassword(user.id, body.current, body.password);
    } catch (err) {
      if (err instanceof AccountInputError) this.audit.record(req, 'password.change.failure', { reason: passwordChangeReason(err), via, ...actor(user) });
      throw err;
    }
    this.audit.record(req, 'password.change', { via, ...actor(user) });
    const session = await this.keptSession(user.id, via === 'token' ? 'api' : 'web', password);
    if (!session) throw new UnauthorizedError(CHANGED_AGAIN);
    if (via === 'token') return { token: session.token, expiresAt: session.expiresAt.toISOString() };
    setCookie(req, res, this.policy, SESSION_COOKIE, session.token, sessionCookieMaxAgeMs(this.config.accounts.sessionTtlMs));
    res.status(204);
    return undefined;
  }

  @Delete('api/v1/auth/token')
  @OpenBeforePasswordChange()
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke the bearer token used for this request' })
  @ApiNoContentResponse({ description: 'The token is revoked' })
  @ApiError(400, 'BAD_REQUEST: no bearer token in the request (a browser session ends with POST /logout)')
  @ApiCsrfChecked()
  @ApiAuthenticated({ openBeforePasswordChange: true })
  @ApiDatabaseUnavailable()
  async revokeToken(@Req() req: Request): Promise<void> {
    const state = authState(req);
    // a browser session's call used to get 204 too, with nothing revoked: the caller believed itself signed out
    if (state.authMethod !== 'bearer') throw new BadRequestError('This request carries no bearer token to revoke (Authorization: Bearer …). A browser session ends with POST /logout.');
    const refused = await this.revokeRefusal(state.authToken);
    if (refused !== undefined) {
      // the filter answers 503 (and logs the cause); the audit log says the token was NOT revoked
      this.audit.record(req, 'token.revoke.failure', { reason: 'database_unavailable', via: 'token', ...actor(state.user) });
      throw refused.cause;
    }
    this.audit.record(req, 'token.revoke', { via: 'token', ...actor(state.user) });
  }

  @Get('api/v1/auth/me')
  @OpenBeforePasswordChange()
  @ApiOperation({ summary: 'The logged-in user', description: '`mustChangePassword: true`: choose your own password first (POST /api/v1/auth/password).' })
  @ApiOkResponse({ type: AuthUserDto })
  @ApiAuthenticated({ openBeforePasswordChange: true })
  me(@CurrentUser() user: AuthUser): AuthUser {
    return user;
  }
}
