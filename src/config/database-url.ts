/**
 * What a postgresql:// DATABASE_URL needs beyond its scheme: a user name and password that
 * node-postgres reads as meant, a way to print it without the password, and Prisma's `?schema=`.
 *
 * node-postgres (pg-connection-string) reads the URL as a WHATWG URL: the host part ends at the
 * first '/', '?' or '#', and the user info is what precedes the LAST '@' inside it. So '@', ':'
 * and spaces in a password are read as meant (libpq — psql — splits at the first '@' and needs
 * `%40`; Prisma's docs ask for every special character encoded: both are stricter, neither reads
 * this URL), and an '@' after the host part (`?application_name=ops@site`, a path in `options`)
 * belongs to the query. A '/', '?' or '#' left in a password ends the host part early: the
 * start failed with "Invalid URL" or connected to a host named after part of the password.
 */

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

interface Parts {
  /** index after `scheme://` */
  start: number;
  /** index of the first / ? or # after it (url.length when none): the end of the host part */
  hostEnd: number;
}

function parts(url: string): Parts | null {
  const scheme = SCHEME.exec(url);
  if (!scheme) return null;
  const start = scheme[0].length;
  const stop = url.slice(start).search(/[/?#]/);
  return { start, hostEnd: stop < 0 ? url.length : start + stop };
}

/** The user info as node-postgres reads it: up to the last '@' of the host part. */
function userinfo(url: string): { start: number; end: number } | null {
  const p = parts(url);
  if (!p) return null;
  const at = url.lastIndexOf('@', p.hostEnd - 1);
  return at < p.start ? null : { start: p.start, end: at };
}

/**
 * The '@' that most likely ends a user info holding / ? or # as it is, when node-postgres ended the
 * host part before it; null when every '@' after the host part reads as the query's or the
 * database name's. Flagged: a host part that is no host[:port] ("u:pa" of `u:pa/ss@h`), an '@' in
 * the path followed by another '/' (`u:12/34@h/db`: a database "34@h/db"), an '@' in the fragment
 * (a URL of the server has none), and a query item whose '@' comes before its '=' or has none
 * (`?ss@h/db`); `?application_name=ops@site` and a database `my@db` are not.
 */
function misplacedAt(url: string): number | null {
  const p = parts(url);
  if (!p || p.hostEnd >= url.length) return null;
  const first = url.indexOf('@', p.hostEnd);
  if (first < 0) return null;
  const host = url.slice((userinfo(url)?.end ?? p.start - 1) + 1, p.hostEnd);
  if (!/^(\[[^\]]*\]|[^:[\]]*)(:\d*)?$/.test(host)) return first;
  const hash = url.indexOf('#', p.hostEnd);
  const fragment = hash < 0 ? url.length : hash;
  const q = url.indexOf('?', p.hostEnd);
  const queryStart = q < 0 || q > fragment ? fragment : q;
  const path = url.slice(p.hostEnd, queryStart);
  const inPath = /@[^/]*\//.exec(path);
  if (inPath) return p.hostEnd + inPath.index;
  let at = queryStart + 1;
  for (const item of url.slice(queryStart + 1, fragment).split('&')) {
    const a = item.indexOf('@');
    const eq = item.indexOf('=');
    if (a >= 0 && (eq < 0 || a < eq)) return at + a;
    at += item.length + 1;
  }
  const inFragment = url.indexOf('@', fragment);
  return inFragment >= 0 ? inFragment : null;
}

const ENCODED: Record<string, string> = { '/': '%2F', '?': '%3F', '#': '%23' };

/**
 * The configuration check's words for a user name or password holding / ? or # as it is: which
 * part, which characters and their encodings, never the text itself (it is the password).
 */
export function postgresUrlProblem(url: string): string | null {
  const at = misplacedAt(url);
  if (at === null) return null;
  const start = (parts(url) as Parts).start;
  const info = url.slice(start, at);
  const colon = info.indexOf(':');
  const inPassword = colon >= 0 ? [...new Set(info.slice(colon + 1).match(/[/?#]/g) ?? [])] : [];
  const inUser = [...new Set(info.slice(0, colon < 0 ? info.length : colon).match(/[/?#]/g) ?? [])];
  const what = [inUser.length ? `the user name contains ${inUser.join(' ')}` : '', inPassword.length ? `the password contains ${inPassword.join(' ')}` : '']
    .filter(Boolean)
    .join(' and ');
  const chars = [...new Set([...inUser, ...inPassword])];
  return (
    `${what} as it is, which ends the host part of the URL: percent-encode ${chars.map((c) => `${c} as ${ENCODED[c]}`).join(', ')} ` +
    "('@' ':' and spaces may stay; `node -p 'encodeURIComponent(process.argv[1])' 'the password'` prints a password fully encoded)"
  );
}

/** The URL for messages and logs: the password (in the user part or a `password=` parameter) as ***. */
export function maskDatabaseUrl(url: string): string {
  // a refused URL is masked up to the '@' meant to end the user info, not node-postgres's
  const misplaced = misplacedAt(url);
  const start = parts(url)?.start;
  const end = misplaced ?? userinfo(url)?.end;
  let out = url;
  if (start !== undefined && end !== undefined) {
    const colon = url.slice(start, end).indexOf(':');
    if (colon >= 0) out = url.slice(0, start + colon) + ':***' + url.slice(end);
  }
  return out.replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/**
 * The PostgreSQL schema the tables live in: `?schema=` as Prisma's own tools read it (`prisma
 * migrate deploy` applies the migrations there), else `public`. The query starts at the first '?'
 * after the host part, as node-postgres reads it.
 */
export function postgresSchema(url: string): string {
  const from = parts(url)?.hostEnd ?? 0;
  const q = url.indexOf('?', from);
  if (q < 0) return 'public';
  const value = new URLSearchParams(url.slice(q + 1).split('#')[0]).get('schema');
  return value ? value : 'public';
}

/** Schema names the app accepts: a plain identifier, so it goes into search_path without quoting games. */
export const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
