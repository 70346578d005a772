/**
 * A query or body text field over its length bound is told so. `text(max)` set its "expected a
 * single text value" as the schema's error for every issue, the length check's too: a 23-digit
 * `?pageSize=` — one value, just too long — was "pageSize: expected a single text value", which
 * sends the caller looking for a repeated parameter that is not there.
 */
import { BadRequestError } from '../../src/common/errors';
import { ZodValidationPipe } from '../../src/common/zod-dto';
import { HistoryQueryDto } from '../../src/history/history.dto';

const pipe = new ZodValidationPipe();
const refusal = (query: Record<string, unknown>): string => {
  try {
    pipe.transform(query, { type: 'query', metatype: HistoryQueryDto });
  } catch (err) {
    if (err instanceof BadRequestError) return err.message;
    throw err;
  }
  return 'accepted';
};

describe('text(max) fields: too long vs not a single text value', () => {
  it('one value over the bound: "too long (at most N characters)"', () => {
    expect(refusal({ pageSize: '9'.repeat(23) })).toBe('Invalid query string: pageSize: too long (at most 16 characters).');
    expect(refusal({ from: 'x'.repeat(33) })).toBe('Invalid query string: from: too long (at most 32 characters).');
  });

  it('a repeated or nested parameter: still "expected a single text value"', () => {
    expect(refusal({ page: ['1', '2'] })).toBe('Invalid query string: page: expected a single text value.');
    expect(refusal({ page: { a: '1' } })).toBe('Invalid query string: page: expected a single text value.');
  });

  it('within the bound: accepted, its format left to the route (parsePaging)', () => {
    expect(refusal({ pageSize: '9'.repeat(16) })).toBe('accepted');
  });
});
