import { retryAfterFor, RETRY_AFTER_UNAVAILABLE_SECONDS, toErrorBody } from '../../src/common/app-exception.filter';
import { AnalysisUnavailableError, DatabaseFileMovedError, DatabaseUnavailableError, NotFoundError } from '../../src/common/errors';
import { IdempotencyKeyInUseError } from '../../src/idempotency/idempotency-key';

/** Which error answers carry Retry-After (the exception filter and the logout page ask the same function). */
describe('retryAfterFor', () => {
  it('every 503 that may clear by itself: the default wait', () => {
    for (const err of [new AnalysisUnavailableError(), new DatabaseUnavailableError()]) expect(retryAfterFor(err, 503)).toBe(RETRY_AFTER_UNAVAILABLE_SECONDS);
  });

  it('the SQLite file moved or replaced under the process: none (only an administrator cures it), and the message says so', () => {
    const moved = new DatabaseFileMovedError('the database file /data/x.db was removed after start-up');
    expect(retryAfterFor(moved, 503)).toBeUndefined();
    const body = toErrorBody(moved);
    expect(body).toEqual({ statusCode: 503, code: 'DATABASE_UNAVAILABLE', message: expect.stringContaining('until an administrator restarts the service') });
    expect(body.message).not.toContain('/data/x.db');
    expect(body.message).not.toMatch(/try again later/i);
  });

  it("an error's own wait wins; other statuses carry none", () => {
    expect(retryAfterFor(new IdempotencyKeyInUseError(7), 409)).toBe(7);
    expect(retryAfterFor(new NotFoundError('x'), 404)).toBeUndefined();
  });
});
