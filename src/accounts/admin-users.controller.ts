import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DomainError } from '../common/errors';
import { Roles } from './decorators';
import { AccountInputError } from './errors';
import { randomPassword } from './password';
import { CurrentUser } from './request-user';
import type { AuthUser } from './roles';
import { UsersService, UserView } from './users.service';

const flag = (v: unknown): boolean | undefined =>
  v === undefined || v === '' ? undefined : ['true', '1', 'on', 'yes'].includes(String(v).toLowerCase());

/** Admin user management: a page (forms with CSRF) and the same operations as JSON. */
@ApiTags('users')
@Controller()
@Roles('admin')
export class AdminUsersController {
  constructor(private readonly users: UsersService) {}

  @Get('admin/users')
  @ApiExcludeEndpoint()
  async page(@Res() res: Response, @Query('done') done?: string): Promise<void> {
    res.render('admin-users', { title: 'Users', users: await this.users.list(), done: typeof done === 'string' ? done.slice(0, 200) : undefined });
  }

  @Post('admin/users')
  @ApiExcludeEndpoint()
  async createFromPage(@Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    try {
      const u = await this.users.create({ email: body.email, password: body.password, role: body.role });
      res.redirect(303, `/admin/users?done=${encodeURIComponent(`Created ${u.email} (${u.role}).`)}`);
    } catch (err) {
      await this.renderError(res, err);
    }
  }

  @Post('admin/users/:id')
  @ApiExcludeEndpoint()
  async updateFromPage(@CurrentUser() actor: AuthUser, @Param('id') id: string, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    try {
      const u = await this.users.update(actor.id, id, { role: body.role || undefined, disabled: flag(body.disabled) });
      res.redirect(303, `/admin/users?done=${encodeURIComponent(`Updated ${u.email}: ${u.role}, ${u.disabled ? 'disabled' : 'active'}.`)}`);
    } catch (err) {
      await this.renderError(res, err);
    }
  }

  /** A new random password, shown once to the admin; the user's sessions and tokens end. */
  @Post('admin/users/:id/password')
  @ApiExcludeEndpoint()
  async resetFromPage(@Param('id') id: string, @Res() res: Response): Promise<void> {
    try {
      const u = await this.users.findById(id);
      if (!u) throw new AccountInputError('No such user.');
      const password = randomPassword();
      await this.users.setPassword(id, password);
      res.setHeader('Cache-Control', 'no-store');
      res.status(200).render('admin-users', {
        title: 'Users',
        users: await this.users.list(),
        done: `New password for ${u.email} (shown once, pass it on safely):`,
        newPassword: password,
      });
    } catch (err) {
      await this.renderError(res, err);
    }
  }

  private async renderError(res: Response, err: unknown): Promise<void> {
    if (!(err instanceof DomainError)) throw err;
    res.status(err.statusCode).render('admin-users', { title: 'Users', users: await this.users.list(), error: err.message });
  }

  @Get('api/v1/users')
  @ApiOperation({ summary: 'List users (admin)' })
  list(): Promise<UserView[]> {
    return this.users.list();
  }

  @Post('api/v1/users')
  @ApiOperation({ summary: 'Create a user (admin)' })
  @ApiBody({ schema: { type: 'object', required: ['email', 'password'], properties: { email: { type: 'string' }, password: { type: 'string', minLength: 10 }, role: { type: 'string', enum: ['user', 'admin'] } } } })
  create(@Body() body: Record<string, unknown>): Promise<UserView> {
    return this.users.create({ email: body?.email, password: body?.password, role: body?.role });
  }

  @Patch('api/v1/users/:id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Change role or disable/enable a user (admin)' })
  @ApiBody({ schema: { type: 'object', properties: { role: { type: 'string', enum: ['user', 'admin'] }, disabled: { type: 'boolean' } } } })
  update(@CurrentUser() actor: AuthUser, @Param('id') id: string, @Body() body: Record<string, unknown>, @Req() _req: Request): Promise<UserView> {
    const disabled = typeof body?.disabled === 'boolean' ? body.disabled : flag(body?.disabled);
    return this.users.update(actor.id, id, { role: body?.role, disabled });
  }
}
