import { normalizeEmail } from '../accounts/email';

/** The per-account login throttler (README "Rate limits"): attempts, cleared by a success. */
export const LOGIN_ACCOUNT = 'login-account';
/** The per-account failed-login throttler: a longer window, never cleared by a success. */
export const LOGIN_FAILURES = 'login-failures';

/**
 * Storage key of a named throttler's counter: `<name>:<tracker>`. RateLimitGuard reads the name
 * back from the key to pick its 429 message.
 */
export function throttlerKey(name: string, tracker: string): string {
  return `${name}:${tracker}`;
}

/**
 * The per-account login counter's key for an email as the client sent it. The guard counts
 * attempts under it and a successful login forgets it (UsersService.verifyCredentials): one
 * function, so the two cannot drift apart.
 */
export function loginAccountKey(email: unknown): string {
  return throttlerKey(LOGIN_ACCOUNT, normalizeEmail(email));
}

/**
 * The failed-login counter's key: the normalised email whether or not such an account exists (an
 * unknown email is counted and blocked alike, so the limit reveals nothing). The guard counts
 * each attempt under it and a successful login takes back only its own hit (`refund`), never the
 * failures before it.
 */
export function loginFailuresKey(email: unknown): string {
  return throttlerKey(LOGIN_FAILURES, normalizeEmail(email));
}
