import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * CSRF, "signed double-submit cookie" (OWASP): the browser holds a random HttpOnly cookie; the
 * forms (and the page's fetch calls) carry HMAC(secret, cookie). A forged cross-site request
 * cannot read the token, and an attacker who plants a cookie cannot compute the matching token
 * without the server secret. Stateless, so it works across instances sharing SESSION_SECRET.
 */
export class Csrf {
  constructor(private readonly secret: string) {}

  static newCookieValue(): string {
    return randomBytes(24).toString('base64url');
  }

  tokenFor(cookieValue: string): string {
    return createHmac('sha256', this.secret).update(`csrf:${cookieValue}`).digest('base64url');
  }

  verify(cookieValue: string | undefined, token: unknown): boolean {
    if (!cookieValue || typeof token !== 'string' || !token) return false;
    const a = Buffer.from(this.tokenFor(cookieValue));
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';
