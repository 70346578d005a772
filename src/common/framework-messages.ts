/**
 * What the app says for errors Express, the router and body-parser raise themselves: their own
 * messages quote what was sent or say nothing useful ("Bad Request"). Used by the one filter.
 */

/**
 * The router's "Failed to decode param '…'" (a bad %-escape in a path parameter) and body-parser's
 * 'unsupported charset "…"' / 'unsupported content encoding "…"' quote the sender's text, of any
 * length: from a crafted link (`/history/Session-expired.Call-…%`) that text was the error page's
 * heading. Said without it.
 */
export function unquotedFrameworkMessage(statusCode: number, cause: unknown): string | undefined {
  // the JSON parser quotes the body's first characters ('Unexpected token 'S', "Smith^John"...'):
  // a password, a name typed into the wrong tool — say what was wrong, not what was sent
  if (statusCode === 400 && cause instanceof SyntaxError) return isJsonValue(cause) ? JSON_NOT_OBJECT : 'The request body is not valid JSON.';
  if (statusCode === 400 && cause instanceof URIError) return 'The address is malformed: a "%" in it is not followed by two hexadecimal digits.';
  const type = typeof cause === 'object' && cause !== null ? (cause as { type?: unknown }).type : undefined;
  if (type === 'charset.unsupported') return "The request body's charset is not supported: send it as UTF-8.";
  if (type === 'encoding.unsupported') return "The request body's Content-Encoding is not supported: send it uncompressed, or as gzip, deflate or br.";
  // zlib's own failure (Z_DATA_ERROR, a brotli format error): body-parser passes it on as a bare "Bad Request"
  const zlib = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown; errno?: unknown }) : {};
  if (statusCode === 400 && typeof zlib.errno === 'number' && typeof zlib.code === 'string' && /^(Z_|ERR__ERROR_|ERR_BROTLI)/.test(zlib.code)) {
    return 'The request body could not be decompressed as its Content-Encoding says: send it uncompressed, or compressed whole with that encoding.';
  }
  return undefined;
}

const JSON_NOT_OBJECT = 'The request body must be a JSON object ({"name": value, …}), not a single value.';

/** body-parser's strict mode refuses `null`, `5`, `"text"` with a SyntaxError of its own making; the text it kept is valid JSON. */
function isJsonValue(cause: SyntaxError): boolean {
  const text = (cause as SyntaxError & { body?: unknown }).body;
  if (typeof text !== 'string') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
