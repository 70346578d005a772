import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * CSRF, "signed double-submit cookie" (OWASP): the browser holds a random HttpOnly cookie; the
 * forms (and the page's fetch calls) carry HMAC(secret, cookie). A forged cross-site request
 * cannot read the token, and an attacker who plants a cookie cannot compute the matching token
 * without the server secret. The token is also bound to the login session (issue 11, L4): a
 * cookie/token pair planted before a login, or taken from another session, is worthless after
 * it. Stateless, so it works across instances sharing SESSION_SECRET.
 */
export class Csrf {
  constructor(private readonly secret: string) {}

  static newCookieValue(): string {
    return randomBytes(24).toString('base64url');
  }

  /** `session`: the raw session token of a cookie login, '' when anonymous (the login form). */
  tokenFor(cookieValue: string, session = ''): string {
    return createHmac('sha256', this.secret).update(`csrf:${cookieValue}:${session}`).digest('base64url');
  }

  verify(cookieValue: string | undefined, token: unknown, session = ''): boolean {
    if (!cookieValue || typeof token !== 'string' || !token) return false;
    const a = Buffer.from(this.tokenFor(cookieValue, session));
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';
