import { isIPv4, isIPv6 } from 'node:net';
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

/**
 * The per-IP limits' key for a client address (req.ip): an IPv4 address as it is, IPv4-mapped
 * IPv6 (::ffff:a.b.c.d) as that IPv4 address, any other IPv6 address as its /64. One IPv6 host
 * is handed a whole /64 (ISPs, every cloud VM) and picks any address in it: keyed per address,
 * it had 2^64 fresh counters and no per-IP limit held for it (README "Rate limits").
 */
export function clientKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  if (isIPv4(ip)) return ip;
  const groups = ipv6Groups(ip);
  if (!groups) return ip;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped, a trailing dotted IPv4 read), or null. */
function ipv6Groups(ip: string): number[] | null {
  const bare = ip.replace(/%.*$/, '');
  if (!isIPv6(bare)) return null;
  let text = bare;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((h) => parseInt(h, 16)) : []);
  const front = parse(head);
  const back = parse(tail);
  const zeros = tail === undefined ? 0 : 8 - front.length - back.length;
  return [...front, ...new Array<number>(zeros).fill(0), ...back];
}
