/**
 * Email addresses as this service accepts them for new accounts: an RFC 5322 dot-atom local part
 * (≤ 64) @ a host name of letters, digits and hyphens (≤ 253), ASCII only — no spaces, control
 * characters (NUL), bidi overrides (RTL) or markup. A single-label host is allowed, so the
 * default `admin@localhost` stays valid. Internationalised addresses are not accepted.
 */
const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LOCAL = new RegExp(`^${ATOM}(\\.${ATOM})*$`);
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function isValidEmail(email: string): boolean {
  if (email.length > 254) return false;
  const at = email.lastIndexOf('@');
  if (at < 1) return false;
  const local = email.slice(0, at);
  const host = email.slice(at + 1);
  if (local.length > 64 || !LOCAL.test(local)) return false;
  if (!host || host.length > 253) return false;
  return host.split('.').every((l) => LABEL.test(l));
}

/** Emails are stored and looked up trimmed and lower-cased. */
export function normalizeEmail(email: unknown): string {
  return typeof email === 'string' ? email.trim().toLowerCase() : '';
}
