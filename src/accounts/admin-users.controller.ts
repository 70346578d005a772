import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAdminOnly, ApiAuthenticated, ApiBodyTooLarge, ApiCsrfChecked, ApiDatabaseUnavailable, ApiError } from '../common/api-responses';
import { UserViewDto } from './accounts.responses';
import type { Request, Response } from 'express';
import { BadRequestError, DomainError, NotFoundError } from '../common/errors';
import { AdminNoticeQueryDto, CreateUserDto, CreateUserFormDto, ListUsersQueryDto, ResetPasswordFormDto, UpdateUserDto, UpdateUserFormDto } from './accounts.dto';
import { Confirmation, dialogQuestions, needsConfirmation, RESET_CONSEQUENCE, resetConfirmation, updateConfirmation } from './admin-users.confirm';
import { Roles } from './decorators';
import { AccountInputError, AdminRefusalError, EmailTakenError, StaleResetError } from './errors';
import { randomPassword } from './password';
import { CurrentUser } from './request-user';
import type { AuthUser } from './roles';
import { UsersService, UserView } from './users.service';
import { IdParamDto } from '../common/zod-dto';
import { actor, AuditLog } from '../audit/audit-log.service';

/**
 * The page's confirmation dialog for "New password", a change of status and a promotion (a static
 * file: the CSP forbids inline scripts); without JavaScript the server asks instead (admin-users.confirm.ts).
 */
const SCRIPTS = ['/static/js/admin-users.js'];

/** The "New password" dialog's words, the same as its confirmation page's (the row forms' come with each user: listView). */
const CONSEQUENCES = { reset: RESET_CONSEQUENCE };

/**
 * A password an admin sets is known to the admin: the user must replace it before anything else
 * (users.service `mustChangePassword`, AccessGuard). Said wherever the admin sets one.
 */
const FIRST_LOGIN = 'The user will be asked to choose a new password at first login.';

/** Admin user management: a page (forms with CSRF) and the same operations as JSON. */
@ApiTags('users')
@ApiBodyTooLarge()
@Controller()
@Roles('admin')
export class AdminUsersController {
  constructor(
    private readonly users: UsersService,
    private readonly audit: AuditLog,
  ) {}

  /** One audit line per change an admin made: who, to which account, and its role and state after it. */
  private audited(req: Request, admin: AuthUser, event: 'admin.user.create' | 'admin.user.update' | 'admin.user.password_reset', u: UserView): UserView {
    const state = event === 'admin.user.password_reset' ? {} : { role: u.role, disabled: u.disabled };
    this.audit.record(req, event, { ...actor(admin), targetUserId: u.id, targetUsername: u.email, ...state });
    return u;
  }

  /**
   * A change refused (AdminRefusalError: the last admin, the admin's own account; StaleResetError: a
   * "New password" form sent again): one audit line with the reason and the change asked for; the
   * error then goes on to its usual answer.
   */
  private refused(req: Request, admin: AuthUser, err: unknown, asked: { role?: string; disabled?: boolean } = {}): unknown {
    if (err instanceof AdminRefusalError || err instanceof StaleResetError) {
      const reason = err instanceof AdminRefusalError ? err.refusal : 'stale_form';
      this.audit.record(req, 'admin.user.refused', { reason, ...actor(admin), targetUserId: err.target.id, targetUsername: err.target.email, ...asked });
    }
    return err;
  }

  /** The users with their row form's dialog questions (admin-users.confirm dialogQuestions) and their "New password" form's one-time key. */
  private async listView(adminId: string): Promise<(UserView & { resetKey: string; confirmQuestions: Record<string, string> })[]> {
    return (await this.users.listWithResetKeys()).map((u) => ({ ...u, confirmQuestions: dialogQuestions(u, adminId) }));
  }

  @Get('admin/users')
  @ApiExcludeEndpoint()
  async page(@CurrentUser() admin: AuthUser, @Res() res: Response, @Query() q: AdminNoticeQueryDto): Promise<void> {
    const users = await this.listView(admin.id);
    const u = q.user ? users.find((x) => x.id === q.user) : undefined;
    const done = !u ? undefined : q.done === 'created' ? `Created ${u.email} (${u.role}). Give them their email and the password you chose (safely: not in the same message), and the address of this site; they log in at /login. ${FIRST_LOGIN}` : q.done === 'updated' ? `Updated ${u.email}: ${u.role}, ${u.disabled ? 'disabled' : 'active'}.` : undefined;
    res.render('admin-users', { title: 'Users', scripts: SCRIPTS, users, done, consequences: CONSEQUENCES });
  }

  @Post('admin/users')
  @ApiExcludeEndpoint()
  async createFromPage(@CurrentUser() admin: AuthUser, @Body() body: CreateUserFormDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    try {
      const u = this.audited(req, admin, 'admin.user.create', await this.users.create({ email: body.email, password: body.password, role: body.role, mustChangePassword: true }));
      res.redirect(303, `/admin/users?done=created&user=${encodeURIComponent(u.id)}`);
    } catch (err) {
      // the typed email and role stay in the form; the password is never sent back
      await this.renderError(res, admin, err, { email: body.email ?? '', role: body.role ?? 'user' });
    }
  }

  @Post('admin/users/:id')
  @ApiExcludeEndpoint()
  async updateFromPage(@CurrentUser() admin: AuthUser, @Param() { id }: IdParamDto, @Body() body: UpdateUserFormDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    try {
      if (body.confirmed !== 'yes') {
        // the refusals first (own account, last admin): no question about a change that cannot be made
        const change = { role: body.role, disabled: body.disabled };
        const current = await this.users.checkUpdate(admin.id, id, change);
        if (needsConfirmation(current, change, admin.id)) return this.confirm(res, updateConfirmation(current, change, admin.id));
      }
      const u = this.audited(req, admin, 'admin.user.update', await this.users.update(admin.id, id, { role: body.role, disabled: body.disabled }));
      res.redirect(303, `/admin/users?done=updated&user=${encodeURIComponent(u.id)}`);
    } catch (err) {
      await this.renderError(res, admin, this.refused(req, admin, err, { role: body.role, disabled: body.disabled }));
    }
  }

  /**
   * A new random password, shown once to the admin; the user's sessions and tokens end. Not for the
   * admin's own account: it would skip the current-password check of /account (a borrowed session
   * could take the account over) and sign the admin out onto a password they must replace at once.
   * The password is in this POST's own answer (never in a URL, a redirect or a log); the form's
   * one-time `key` makes a resend of it (a reload) change nothing and say so (StaleResetError, 409).
   */
  @Post('admin/users/:id/password')
  @ApiExcludeEndpoint()
  async resetFromPage(@CurrentUser() admin: AuthUser, @Param() { id }: IdParamDto, @Body() body: ResetPasswordFormDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    try {
      if (id === admin.id) throw new AdminRefusalError('own_password', 'To change your own password, use Your account (/account): it asks for your current password first.', { id: admin.id, email: admin.email });
      const u = await this.users.findById(id);
      if (!u) throw new NotFoundError('No such user.');
      // the confirmation carries the key of the form that asked: a list shown before a change stays stale
      if (body.confirmed !== 'yes') return this.confirm(res, resetConfirmation(u, body.key ?? (await this.users.resetKey(id)) ?? ''));
      const password = randomPassword();
      if (!(await this.users.resetPassword(id, password, body.key))) throw new StaleResetError(u);
      this.audited(req, admin, 'admin.user.password_reset', u);
      res.setHeader('Cache-Control', 'no-store');
      res.status(200).render('admin-users', {
        title: 'Users',
        scripts: SCRIPTS,
        users: await this.listView(admin.id),
        consequences: CONSEQUENCES,
        done: `New password for ${u.email} (shown once, pass it on safely):`,
        newPassword: password,
        hint: FIRST_LOGIN,
      });
    } catch (err) {
      await this.renderError(res, admin, this.refused(req, admin, err));
    }
  }

  /** Nothing changed yet: the question, with Confirm (the same post, `confirmed=yes`) and Cancel. */
  private confirm(res: Response, c: Confirmation): void {
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).render('admin-users-confirm', c);
  }

  private async renderError(res: Response, admin: AuthUser, err: unknown, form?: { email: string; role: string }): Promise<void> {
    if (!(err instanceof DomainError)) throw err;
    // errorField: the form focuses that field and ties the message to it (aria-invalid, aria-describedby)
    const errorField = err instanceof AccountInputError || err instanceof EmailTakenError ? err.field : undefined;
    res.status(err.statusCode).render('admin-users', { title: 'Users', scripts: SCRIPTS, users: await this.listView(admin.id), consequences: CONSEQUENCES, error: err.message, errorField, form });
  }

  @Get('api/v1/users')
  @ApiOperation({ summary: 'List users (admin)' })
  @ApiOkResponse({ type: [UserViewDto] })
  @ApiError(400, 'BAD_REQUEST: the list takes no query parameter')
  @ApiAdminOnly()
  @ApiAuthenticated()
  list(@Query() _query: ListUsersQueryDto): Promise<UserView[]> {
    return this.users.list();
  }

  @Post('api/v1/users')
  @ApiOperation({ summary: 'Create a user (admin)', description: 'The user must choose a new password at first login (`mustChangePassword: true`).' })
  @ApiCreatedResponse({ type: UserViewDto })
  @ApiError(400, 'BAD_REQUEST: a field it does not take, an invalid email or role, a password the policy refuses, a body that is not JSON')
  @ApiError(409, 'CONFLICT: a user with that email already exists')
  @ApiDatabaseUnavailable()
  @ApiAdminOnly()
  @ApiCsrfChecked()
  @ApiAuthenticated()
  async create(@CurrentUser() admin: AuthUser, @Body() body: CreateUserDto, @Req() req: Request): Promise<UserView> {
    // JSON sent as text/plain parses as {}: it was told "A valid email address is required.", of a body that had one
    if (body.email === undefined && body.password === undefined && !req.is('application/json')) throw new BadRequestError(notJson(CREATE_SHAPE, '{"email":"…","password":"…"}'));
    return this.audited(req, admin, 'admin.user.create', await this.users.create({ email: body.email, password: body.password, role: body.role, mustChangePassword: true }));
  }

  @Patch('api/v1/users/:id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Change role or disable/enable a user (admin)' })
  @ApiOkResponse({ type: UserViewDto })
  @ApiError(400, 'BAD_REQUEST: a field it does not take (only `role`, `disabled`), or a value it does not; a body with neither (nothing to change), or one that is not JSON')
  @ApiError(403, 'FORBIDDEN: the last active admin cannot be demoted or disabled; nor can admins disable themselves')
  @ApiError(404, 'NOT_FOUND: no such user (an id that is not a UUID names none either)')
  @ApiDatabaseUnavailable()
  @ApiAdminOnly()
  @ApiCsrfChecked()
  @ApiAuthenticated()
  async update(@CurrentUser() admin: AuthUser, @Param() { id }: IdParamDto, @Body() body: UpdateUserDto, @Req() req: Request): Promise<UserView> {
    // a body the JSON parser never read (text/plain, XML) parses as {}: it was a 200 that changed
    // nothing, and the admin who sent {"disabled": true} took the user for locked out
    if (body.role === undefined && body.disabled === undefined) throw new BadRequestError(nothingToChange(req));
    try {
      return this.audited(req, admin, 'admin.user.update', await this.users.update(admin.id, id, { role: body.role, disabled: body.disabled }));
    } catch (err) {
      throw this.refused(req, admin, err, { role: body.role, disabled: body.disabled });
    }
  }
}

const CREATE_SHAPE = 'JSON {"email": …, "password": …, "role": "user" or "admin"} (role optional)';
const UPDATE_SHAPE = 'JSON {"role": "user" or "admin", "disabled": true or false} (either or both)';

/** A body the JSON parser did not read (no Content-Type: application/json): said with the curl that sends it right. */
function notJson(shape: string, example: string): string {
  return `The body must be ${shape} sent with Content-Type: application/json (curl: -H 'Content-Type: application/json' -d '${example}').`;
}

/** A PATCH without `role` or `disabled`. */
function nothingToChange(req: Request): string {
  return req.is('application/json') ? `Nothing to change: the body needs "role", "disabled" or both: ${UPDATE_SHAPE}.` : notJson(UPDATE_SHAPE, '{"disabled":true}');
}
