import type { ErrorBody } from './app-exception.filter';

/**
 * What the error page's <title> says: where the user is, in words ("Page not found · MRI Sentinel"),
 * not a bare "Error 404", so that a screen reader announcing the new page, or a list of tabs, says it.
 */
const TITLE_BY_STATUS: Record<number, string> = {
  400: 'Request refused',
  401: 'Log in needed',
  403: 'Not allowed',
  404: 'Page not found',
  405: 'Method not allowed',
  413: 'Too large',
  415: 'Unsupported file type',
  429: 'Too many requests',
  500: 'Something went wrong',
  503: 'Service unavailable',
  504: 'Service too slow',
};

export function errorPageTitle(statusCode: number): string {
  return TITLE_BY_STATUS[statusCode] ?? (statusCode >= 500 ? 'Something went wrong' : 'Request refused');
}

/**
 * The page's heading: the error's own message, except the router's "Cannot GET /path" (Express's
 * words for an unknown address, developer jargon), which becomes a sentence. The API keeps the message.
 */
export function errorPageHeading(body: ErrorBody, path = ''): string {
  if (body.statusCode === 404 && /^Cannot [A-Z]+ \//.test(body.message)) return 'There is no page at this address.';
  // an address whose id the parser refused (zod-dto.ts: "No such resource (id: expected a UUID).") read as
  // the parser's words on a user's page; it is an address that leads nowhere
  if (body.statusCode === 404 && /^No such resource \(/.test(body.message)) return path.startsWith('/history/') ? 'No analysis with this address.' : 'There is nothing at this address.';
  return body.message;
}
