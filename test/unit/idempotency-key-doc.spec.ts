/**
 * The OpenAPI schema of the Idempotency-Key header and the server's parser agree on every value:
 * the document said maxLength 255 while the quoted form of a 255-character key (257 characters
 * on the wire) was taken, so a client validating against the document refused keys the server takes.
 */
import { idempotencyKey, InvalidIdempotencyKeyError, KEY_HEADER_DOC } from '../../src/idempotency/idempotency-key';

function serverTakes(value: string): boolean {
  try {
    return idempotencyKey({ headers: { 'idempotency-key': value }, headersDistinct: { 'idempotency-key': [value] } }) !== undefined;
  } catch (err) {
    if (err instanceof InvalidIdempotencyKeyError) return false;
    throw err;
  }
}

function documentTakes(value: string): boolean {
  const s = KEY_HEADER_DOC.schema;
  return value.length >= s.minLength && value.length <= s.maxLength && new RegExp(s.pattern).test(value);
}

describe('Idempotency-Key: the documented schema is the server rule', () => {
  const k = (n: number) => 'k'.repeat(n);
  const values = [
    'a', k(255), k(256), `"${k(255)}"`, `"${k(256)}"`, `"${'\\"'.repeat(255)}"`, `"${'\\\\'.repeat(256)}"`,
    '', '""', '"', '"abc', 'abc"', '"a, b"', 'a, b', '"a"b"', '"a\\x"', 'clé', '"clé"', 'a\tb', ' spaced key ~!{}', '"\\\\"',
  ];

  it.each(values.map((v) => [v.length > 30 ? `${v.slice(0, 12)}…(${v.length})` : v, v]))('%s', (_name, value) => {
    expect({ value, documented: documentTakes(value) }).toEqual({ value, documented: serverTakes(value) });
  });

  it('the quoted form of the longest key (257 characters on the wire) is taken by both', () => {
    expect([serverTakes(`"${k(255)}"`), documentTakes(`"${k(255)}"`)]).toEqual([true, true]);
  });
});
