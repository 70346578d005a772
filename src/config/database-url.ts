/**
 * What a postgresql:// DATABASE_URL needs beyond its scheme: a password that node-postgres can
 * read, a way to print it without the password, and Prisma's `?schema=` convention.
 */

/** Everything after `scheme://` up to the last '@': the user name and password as written. */
function userinfo(url: string): { start: number; end: number } | null {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (!scheme) return null;
  const at = url.lastIndexOf('@');
  return at < scheme[0].length ? null : { start: scheme[0].length, end: at };
}

/**
 * A user name or password holding '/', '?' or '#' as they are: the URL parser ends the host part
 * there, so node-postgres connected to a host named after part of the password ("getaddrinfo
 * ENOTFOUND t") or refused "Invalid URL". '@', ':' and spaces it reads as meant. The message never
 * repeats the URL (it holds the password).
 */
export function postgresUrlProblem(url: string): string | null {
  const u = userinfo(url);
  if (!u || !/[/?#]/.test(url.slice(u.start, u.end))) return null;
  return (
    'the user name or password contains / ? or # as it is: percent-encode them (/ → %2F, ? → %3F, # → %23; ' +
    "`node -p 'encodeURIComponent(process.argv[1])' 'the password'` prints a password fully encoded)"
  );
}

/** The URL for messages and logs: the password (in the user part or a `password=` parameter) as ***. */
export function maskDatabaseUrl(url: string): string {
  const u = userinfo(url);
  let out = url;
  if (u) {
    const info = url.slice(u.start, u.end);
    const colon = info.indexOf(':');
    if (colon >= 0) out = url.slice(0, u.start) + info.slice(0, colon) + ':***' + url.slice(u.end);
  }
  return out.replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/**
 * The PostgreSQL schema the tables live in: `?schema=` as Prisma's own tools read it (`prisma
 * migrate deploy` applies the migrations there), else `public`.
 */
export function postgresSchema(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return 'public';
  const value = new URLSearchParams(url.slice(q + 1).split('#')[0]).get('schema');
  return value ? value : 'public';
}

/** Schema names the app accepts: a plain identifier, so it goes into search_path without quoting games. */
export const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
