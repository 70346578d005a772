import { waitWords } from '../presentation/wait-words';
import { DomainError } from '../common/errors';

/** Not logged in (or the session/token expired). Pages redirect to /login instead. */
export class UnauthorizedError extends DomainError {
  readonly code = 'UNAUTHORIZED';
  readonly statusCode = 401;
  constructor(message = 'Please log in.') {
    super(message);
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
  readonly statusCode = 403;
  constructor(message = 'You are not allowed to do this.') {
    super(message);
  }
}

/** Why an admin's change was refused by the rules (not by its input): the audit log's reason. */
export type AdminRefusal = 'last_admin' | 'self_disable' | 'own_password';

/**
 * A 403 FORBIDDEN the admin rules give — the last active admin demoted or disabled, an admin's own
 * account disabled, or its password reset from the admin page — naming which and the account, so
 * the controller writes admin.user.refused (README "Audit log"). The client's answer is ForbiddenError's.
 */
export class AdminRefusalError extends ForbiddenError {
  constructor(
    readonly refusal: AdminRefusal,
    message: string,
    readonly target: { id: string; email: string },
  ) {
    super(message);
  }
}

/** Where a user whose password someone else set is sent, and what the API says to them. */
export const CHANGE_PASSWORD_PAGE = '/account';
export const PASSWORD_CHANGE_REQUIRED_MESSAGE =
  'Your password was set by someone else: choose your own first, at /account or with POST /api/v1/auth/password ' +
  '{"current","password"}. Until then only that, logout and GET /api/v1/auth/me answer.';

/** 403 for every route but the password change, logout and "me" while `mustChangePassword` is set. */
export class PasswordChangeRequiredError extends DomainError {
  readonly code = 'PASSWORD_CHANGE_REQUIRED';
  readonly statusCode = 403;
  constructor() {
    super(PASSWORD_CHANGE_REQUIRED_MESSAGE);
  }
}

export class CsrfError extends DomainError {
  readonly code = 'FORBIDDEN';
  readonly statusCode = 403;
  constructor() {
    // not "Reload the page": this page is the answer to a POST, and a reload re-sends the same stale token
    super("The form expired or did not come from this site (CSRF check failed). Open the form's page again from its link and send it from there: reloading this page would send the same expired form again.");
  }
}

/** Over a rate limit; the guard sets Retry-After. */
export class TooManyRequestsError extends DomainError {
  readonly code = 'TOO_MANY_REQUESTS';
  readonly statusCode = 429;
  constructor(
    override readonly retryAfterSeconds: number,
    message?: string,
  ) {
    super(message ?? `Too many requests. Please wait ${waitWords(retryAfterSeconds)} and try again.`);
  }
}

/** The form field a refusal is about: the page focuses it and ties the error to it (never in JSON). */
export type AccountField = 'email' | 'password' | 'current' | 'confirm';

/**
 * The email of a user to create is taken: a conflict with what is stored (409), not a malformed
 * request (400) — the same body succeeds once that user is gone or renamed. About the email field.
 */
export class EmailTakenError extends DomainError {
  readonly code = 'CONFLICT';
  readonly statusCode = 409;
  readonly field: AccountField = 'email';
  constructor(email: string) {
    super(`A user with the email ${email} already exists.`);
  }
}

/**
 * A "New password" form whose one-time key no longer matches the account's password (users.service
 * resetPassword): it was replaced after the form was shown, most often by this same form sent again
 * (a reload of the page that showed the new password). Nothing changed; the password shown then stays.
 */
/**
 * The admin "New password" form sent again after the password it was shown against changed (409).
 * Carries the account, so the controller writes it as admin.user.refused (reason stale_form): an
 * admin reading the log sees the refused second attempt, not one reset alone.
 */
export class StaleResetError extends DomainError {
  readonly code = 'CONFLICT';
  readonly statusCode = 409;
  constructor(readonly target: { id: string; email: string }) {
    const email = target.email;
    super(
      `Nothing changed: the password of ${email} was already replaced after this form was shown (most likely by this same form, sent again when its page was reloaded; or the user or another admin changed it). The password shown then is still theirs unless they changed it since. To give them another one, use New password in the list below.`,
    );
  }
}

export class AccountInputError extends DomainError {
  readonly code = 'BAD_REQUEST';
  readonly statusCode = 400;
  constructor(
    message: string,
    readonly field?: AccountField,
  ) {
    super(message);
  }
}
