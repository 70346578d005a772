import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { UnauthorizedError } from './errors';
import type { AuthMethod, AuthUser } from './roles';

/** What the auth middleware adds to each request. */
export interface AuthState {
  user?: AuthUser;
  authMethod?: AuthMethod;
  /** the raw session cookie or bearer token that authenticated the request */
  authToken?: string;
  /** the CSRF cookie value (browser requests) */
  csrfCookie?: string;
  /** a bearer token was sent but is invalid or expired */
  badToken?: boolean;
  /** a session cookie was sent but its login has ended (expired, logged out elsewhere, revoked) */
  sessionEnded?: boolean;
}

export type AuthRequest = Request & AuthState;

export function authState(req: Request): AuthState {
  return req as AuthRequest;
}

/** `@CurrentUser() user: AuthUser` in handlers (guards guarantee it outside @Public routes). */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser => {
  const user = authState(ctx.switchToHttp().getRequest<Request>()).user;
  if (!user) throw new UnauthorizedError();
  return user;
});
