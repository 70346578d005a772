import { CHANGE_PASSWORD_PAGE } from './errors';

/** /account with its query: `next` only when it is not the default "/" (the plain URL stays /account). */
export function accountPage(q: { done?: 'password'; next: string }): string {
  const params = new URLSearchParams();
  if (q.done) params.set('done', q.done);
  if (q.next !== '/') params.set('next', q.next);
  const query = params.toString();
  return query ? `${CHANGE_PASSWORD_PAGE}?${query}` : CHANGE_PASSWORD_PAGE;
}

/**
 * Only local paths ("/x", not "//host" or "http://…") may be redirect targets. No control
 * character or space anywhere either: `next` is also written into the account page's Continue
 * link, and a browser drops tabs and newlines from a URL before reading it, so "/\t/evil.example"
 * was followed as "//evil.example" — another site.
 */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) && !/[\x00-\x20\x7f]/.test(next) && !next.startsWith('/login') ? next : '/';
}
