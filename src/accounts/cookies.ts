import type { Request, Response } from 'express';

export const SESSION_COOKIE = 'sentinel_session';
export const CSRF_COOKIE = 'sentinel_csrf';

/** Minimal Cookie header parser (no dependency; values are our own base64url strings). */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const name = part.slice(0, i).trim();
    let value = part.slice(i + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (name && !(name in out)) {
      try {
        out[name] = decodeURIComponent(value);
      } catch {
        out[name] = value;
      }
    }
  }
  return out;
}

/**
 * Over HTTPS the cookies are named `__Host-…`: browsers then accept them only when Secure, for
 * Path=/ and without a Domain, so a sibling subdomain or a plain-HTTP response cannot plant or
 * overwrite them (and an unprefixed cookie is not read there at all).
 */
export function cookieName(req: Request, policy: CookiePolicy, base: string): string {
  return isSecure(req, policy) ? `__Host-${base}` : base;
}

export function readCookie(req: Request, policy: CookiePolicy, base: string): string | undefined {
  return parseCookies(req.headers.cookie)[cookieName(req, policy, base)];
}

export interface CookiePolicy {
  secure: 'auto' | 'true' | 'false';
}

/** Secure when configured, or (auto) when the request came over TLS (req.secure honours TRUST_PROXY). */
export function isSecure(req: Request, policy: CookiePolicy): boolean {
  return policy.secure === 'true' || (policy.secure === 'auto' && req.secure);
}

/**
 * How long the browser keeps the session cookie past the login's own end. The server refuses the
 * token from `expiresAt` on whatever the browser holds (SessionsService.resolve); the cookie
 * outlives it only so that a login that simply expired is still recognised as one that ended.
 * With Max-Age equal to the login's lifetime the browser dropped the cookie at the very moment
 * the login expired, sent nothing, and the user came back to a plain login form as if they had
 * never logged in. A dead token names no account (only its hash was stored, and the row is
 * purged), so keeping it a week longer discloses nothing.
 */
export const ENDED_NOTICE_GRACE_MS = 7 * 24 * 3_600_000;

/** The session cookie's Max-Age for a login of this lifetime. */
export function sessionCookieMaxAgeMs(sessionTtlMs: number): number {
  return sessionTtlMs + ENDED_NOTICE_GRACE_MS;
}

/** HttpOnly, SameSite=Lax, Path=/; Secure (and the __Host- name) per policy. maxAgeMs undefined = browser session. */
export function setCookie(req: Request, res: Response, policy: CookiePolicy, name: string, value: string, maxAgeMs?: number): void {
  res.cookie(cookieName(req, policy, name), value, {
    httpOnly: true,
    sameSite: 'lax',
    secure: isSecure(req, policy),
    path: '/',
    ...(maxAgeMs !== undefined ? { maxAge: maxAgeMs } : {}),
  });
}

export function clearCookie(req: Request, res: Response, policy: CookiePolicy, name: string): void {
  res.clearCookie(cookieName(req, policy, name), { httpOnly: true, sameSite: 'lax', secure: isSecure(req, policy), path: '/' });
}
