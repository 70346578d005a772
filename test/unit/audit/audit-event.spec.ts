import { AuditEvent, formatAuditEvent, MAX_PATH_LENGTH, MAX_TEXT_LENGTH } from '../../../src/audit/audit-event';

const AT = new Date('2026-12-06T13:45:00.123Z');
/** Anything a terminal, a log viewer or a line-oriented shipper would take as a new line or an instruction. */
const UNSAFE_RAW = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe('formatAuditEvent', () => {
  it('is one JSON line: ISO time first, then the event name, then the fields', () => {
    const line = formatAuditEvent({ event: 'login.success', via: 'session', userId: 'u-1', username: 'a@example.org', ip: '203.0.113.9', method: 'POST', path: '/login' }, AT);
    expect(line).not.toMatch(/\n/);
    expect(JSON.parse(line)).toEqual({ time: '2026-12-06T13:45:00.123Z', event: 'login.success', via: 'session', userId: 'u-1', username: 'a@example.org', ip: '203.0.113.9', method: 'POST', path: '/login' });
    expect(Object.keys(JSON.parse(line) as object).slice(0, 2)).toEqual(['time', 'event']);
  });

  it('escapes newlines, carriage returns, ANSI escapes, C1 controls, Unicode line separators and bidi overrides: no forged second line, no terminal codes', () => {
    const forged = 'x@example.org\n2026-12-06T00:00:00Z {"event":"login.success","username":"admin@localhost"}\r\u001b[2J\u001b[31mred\u0007\u0085\u2028\u2029\u202eevil\u0000';
    const line = formatAuditEvent({ event: 'login.failure', reason: 'unknown_user', username: forged, via: 'session' }, AT);
    expect(line).not.toMatch(UNSAFE_RAW);
    expect(line.split('\n')).toHaveLength(1);
    // escaped, not dropped: the operator reads exactly what was typed
    expect((JSON.parse(line) as { username: string }).username).toBe(forged);
    expect(line).toContain('\\n2026-12-06');
    expect(line).toContain('\\u001b[2J');
    expect(line).toContain('\\u2028');
    expect(line).toContain('\\u202e');
  });

  it('truncates long text to MAX_TEXT_LENGTH characters with a marker, never splitting a surrogate pair', () => {
    const long = formatAuditEvent({ event: 'login.failure', reason: 'unknown_user', username: 'a'.repeat(10_000) }, AT);
    const username = (JSON.parse(long) as { username: string }).username;
    expect(username).toBe(`${'a'.repeat(MAX_TEXT_LENGTH)}…`);
    const emoji = (JSON.parse(formatAuditEvent({ event: 'login.failure', reason: 'unknown_user', username: 'a' + '😀'.repeat(200) }, AT)) as { username: string }).username;
    // a lone surrogate would not survive UTF-8 (it becomes U+FFFD)
    expect(Buffer.from(emoji, 'utf8').toString('utf8')).toBe(emoji);
    expect(Array.from(emoji)).toHaveLength(MAX_TEXT_LENGTH + 1);
  });

  it('keeps a path without its query string (tokens, `next`, filters) and truncates it', () => {
    const parsed = JSON.parse(formatAuditEvent({ event: 'csrf.failure', method: 'POST', path: '/login?next=/x&_csrf=SECRET-TOKEN#frag' }, AT)) as { path: string };
    expect(parsed.path).toBe('/login');
    const long = JSON.parse(formatAuditEvent({ event: 'http.request', method: 'GET', path: `/${'p'.repeat(5000)}?q=1`, status: 404, durationMs: 1 }, AT)) as { path: string };
    expect(Array.from(long.path)).toHaveLength(MAX_PATH_LENGTH + 1);
  });

  it('writes only the fields it knows: a password, token, cookie, CSRF token or file name smuggled into the event is not written', () => {
    const smuggled = {
      event: 'login.failure',
      reason: 'wrong_password',
      username: 'a@example.org',
      password: 'hunter2-PASSWORD',
      token: 'mst_SECRET_TOKEN',
      cookie: 'sentinel_session=SESSION_VALUE',
      _csrf: 'CSRF_VALUE',
      headers: { authorization: 'Bearer mst_HEADER_TOKEN' },
      body: { password: 'BODY_PASSWORD' },
      originalname: 'patient-name.dcm',
    } as unknown as AuditEvent;
    const line = formatAuditEvent(smuggled, AT);
    for (const secret of ['hunter2', 'SECRET_TOKEN', 'SESSION_VALUE', 'CSRF_VALUE', 'HEADER_TOKEN', 'BODY_PASSWORD', 'patient-name']) expect(line).not.toContain(secret);
    expect(Object.keys(JSON.parse(line) as object).sort()).toEqual(['event', 'reason', 'time', 'username']);
  });

  it('drops values of the wrong type (a non-finite duration, an object where text belongs)', () => {
    const odd = { event: 'http.request', method: 'GET', path: '/', status: 200, durationMs: Number.NaN, bytes: Number.POSITIVE_INFINITY, userId: { toString: () => 'x' } } as unknown as AuditEvent;
    expect(JSON.parse(formatAuditEvent(odd, AT))).toEqual({ time: AT.toISOString(), event: 'http.request', method: 'GET', path: '/', status: 200 });
  });
});
