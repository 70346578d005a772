/**
 * What the login, logout and password routes (auth.controller.ts) say: to the user, and to the
 * audit log. Kept apart so the controller holds the routes and this file the wording.
 */
import type { Request } from 'express';
import type { AccountInputError } from './errors';

/**
 * The account page after a password change. It said "Other sessions and API tokens were signed
 * out" after a first login too, when there were none: "any … of yours" is true either way.
 */
export const PASSWORD_CHANGED = 'Password changed. Any other sessions and API tokens of yours were signed out; this browser stays signed in.';

/**
 * The password was changed, then changed or reset again (an admin's "New password") before this
 * change's own session was stored: that later change ended every session, this one's too.
 */
export const CHANGED_AGAIN = 'Your password was changed, then changed again meanwhile (an administrator may have reset it): every session was ended. Log in again.';

/** The audit log's word for a refused password change: a wrong current password is a password guess. */
export function passwordChangeReason(err: AccountInputError): 'wrong_password' | 'invalid_new_password' {
  return err.field === 'current' ? 'wrong_password' : 'invalid_new_password';
}

/** A JSON body without one of its keys: most often JSON sent as a form, said with the curl that sends it right. */
export function jsonBodyMissing(keys: readonly [string, string], req: Request): string {
  const shape = `JSON {"${keys[0]}": …, "${keys[1]}": …}`;
  return req.is('application/json')
    ? `The body needs both "${keys[0]}" and "${keys[1]}": ${shape}.`
    : `The body must be ${shape} sent with Content-Type: application/json (curl: -H 'Content-Type: application/json' -d '{"${keys[0]}":"…","${keys[1]}":"…"}').`;
}
