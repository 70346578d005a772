import { z } from 'zod';
import { optionalFlag } from '../classifier/analyses.dto';
import { booleanFlag, text, ZodDto } from '../common/zod-dto';
import { MAX_PASSWORD_LENGTH } from './password-policy';
import { ROLES } from './roles';

/**
 * Bodies and queries of the accounts routes. Missing fields stay optional where the service
 * answers them with its own message (a login form without a password is a failed login, not a
 * 400); a repeated, nested or non-text field is always a 400 here, before any handler runs.
 */
const email = text(320);
const password = text(MAX_PASSWORD_LENGTH * 4);
const blankAsMissing = (v: unknown) => (v === '' ? undefined : v);

export class LoginFormDto extends ZodDto(z.object({ email: email.optional(), password: password.optional(), next: text(2048).optional() })) {}

/** `ended=1`: sent here because the browser's login ended (the page says so). */
export class NextQueryDto extends ZodDto(z.object({ next: text(2048).optional(), ended: text(8).optional() })) {}

/** Both fields required by the route (400 "The body needs both …"), parsed optional so that it says so itself. */
export class TokenRequestDto extends ZodDto(z.object({ email: email.optional(), password: password.optional() }), [], ['email', 'password']) {}

/** `next`: where the login was headed before it was sent here; the page links on to it once the password is changed. */
export class ChangePasswordFormDto extends ZodDto(
  z.object({ current: password.optional(), password: password.optional(), confirm: password.optional(), next: text(2048).optional() }),
) {}

/** POST /api/v1/auth/password (JSON): the form's fields less the confirmation, which is the client's job. */
export class ChangePasswordDto extends ZodDto(z.object({ current: password.optional(), password: password.optional() }), [], ['current', 'password']) {}

export class AccountQueryDto extends ZodDto(z.object({ done: z.enum(['password']).optional().catch(undefined), next: text(2048).optional() })) {}

const createUserFields = {
  email: email.optional(),
  password: password.optional(),
  role: z.preprocess(blankAsMissing, z.enum(ROLES).optional()),
};

/** The admin page's "New user" form (it carries `_csrf` beside these). */
export class CreateUserFormDto extends ZodDto(z.object(createUserFields)) {}

/**
 * POST /api/v1/users (JSON). Strict: a field it does not take is a 400 — `mustChangePassword:
 * false` was dropped with a 201, and the user was asked to change the password all the same.
 */
export class CreateUserDto extends ZodDto(z.strictObject(createUserFields), [], ['email', 'password']) {}

/** GET /api/v1/users takes no filter: `?role=admin` answered every user, as if filtered. */
export class ListUsersQueryDto extends ZodDto(z.strictObject({})) {}

/**
 * PATCH /api/v1/users/:id — `disabled` is a boolean (or exactly "true"/"false"…); "nope" is a 400.
 * Strict: any other field is a 400 too — `{"disable": true}` answered 200 and left a user the
 * admin meant to lock out active; `{"email": …}` answered 200 and changed nothing.
 */
export class UpdateUserDto extends ZodDto(
  z.strictObject({
    role: z.enum(ROLES).optional(),
    disabled: booleanFlag.optional(),
  }),
) {}

/**
 * `confirmed=yes`: the admin was asked and said yes — by the page's script (its dialog) or by the
 * server's confirmation page, whose Confirm button sends it. Without it, a change of status or a
 * new password answers with that confirmation page and changes nothing.
 */
const confirmed = z.enum(['yes']).optional();

export class UpdateUserFormDto extends ZodDto(
  z.object({
    role: z.preprocess(blankAsMissing, z.enum(ROLES).optional()),
    disabled: optionalFlag,
    confirmed,
  }),
) {}

/**
 * The admin page's "New password" form (it carries `_csrf` beside this). `key`: the form's one-time
 * key (users.service resetKeyOf), absent only from a form made before it existed.
 */
export class ResetPasswordFormDto extends ZodDto(z.object({ confirmed, key: text(64).optional() })) {}

/**
 * The admin page's notice after a redirect: which action, on which user. The text is composed
 * from the database, never taken from the query string (a crafted link cannot put words there).
 */
export class AdminNoticeQueryDto extends ZodDto(
  z.object({
    done: z.enum(['created', 'updated']).optional().catch(undefined),
    user: text(64).optional().catch(undefined),
  }),
) {}
