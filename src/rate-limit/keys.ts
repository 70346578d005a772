import { normalizeEmail } from '../accounts/email';

/** The per-account login throttler (README "Rate limits"). */
export const LOGIN_ACCOUNT = 'login-account';

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
