import { safeNext } from '../../../src/accounts/redirects';
import { parseCookies } from '../../../src/accounts/cookies';
import { Csrf } from '../../../src/accounts/csrf';
import { hashPassword, verifyPassword } from '../../../src/accounts/password';
import { csvCell, toCsv } from '../../../src/history/csv-writer';
import { filtersQuery, parseFilters, parsePaging } from '../../../src/history/history.filters';
import { median } from '../../../src/history/history.service';

const admin = { id: 'a', email: 'a@x', role: 'admin' as const, mustChangePassword: false };
const user = { id: 'u', email: 'u@x', role: 'user' as const, mustChangePassword: false };

describe('password hashing (scrypt)', () => {
  it('salts, verifies, and rejects wrong or malformed hashes', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$16384\$8\$5\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsE', a)).toBe(false);
    expect(await verifyPassword('x', 'plain')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$99999999$8$1$AA$AA')).toBe(false);
  });
});

describe('CSRF (signed double submit)', () => {
  it('accepts only the token for this cookie and this secret', () => {
    const c = new Csrf('s'.repeat(32));
    const cookie = Csrf.newCookieValue();
    const token = c.tokenFor(cookie);
    expect(c.verify(cookie, token)).toBe(true);
    expect(c.verify(Csrf.newCookieValue(), token)).toBe(false);
    expect(c.verify(cookie, cookie)).toBe(false); // plain double-submit value is not enough
    expect(new Csrf('t'.repeat(32)).verify(cookie, token)).toBe(false);
    expect(c.verify(undefined, token)).toBe(false);
    expect(c.verify(cookie, ['x'])).toBe(false);
  });

  it('binds the token to the login session: a pair minted before login or for another session fails (L4)', () => {
    const c = new Csrf('s'.repeat(32));
    const cookie = Csrf.newCookieValue();
    const anonymous = c.tokenFor(cookie);
    expect(c.verify(cookie, anonymous)).toBe(true);
    expect(c.verify(cookie, anonymous, 'session-a')).toBe(false);
    const forA = c.tokenFor(cookie, 'session-a');
    expect(c.verify(cookie, forA, 'session-a')).toBe(true);
    expect(c.verify(cookie, forA, 'session-b')).toBe(false);
  });
});

describe('small helpers', () => {
  it('safeNext only allows local paths', () => {
    expect(safeNext('/history?page=2')).toBe('/history?page=2');
    for (const bad of ['//evil.example', 'https://evil.example', '/\\evil.example', 'history', '/login', undefined, 3]) expect(safeNext(bad)).toBe('/');
    // a browser strips tab/CR/LF from a link's URL: "/\t/evil.example" is followed as "//evil.example"
    for (const bad of ['/\t/evil.example', '/\n/evil.example', '/\r\n/evil.example', '/\t\\evil.example', '/ /evil.example', '/\x00/x', '/x\x7f']) expect(safeNext(bad)).toBe('/');
  });

  it('parseCookies reads the first value of each name', () => {
    expect(parseCookies('a=1; b="2"; a=3; c=%41')).toEqual({ a: '1', b: '2', c: 'A' });
    expect(parseCookies(undefined)).toEqual({});
  });

  it('CSV cells: quoting and formula-injection escaping', () => {
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('+SUM(A1)')).toBe("'+SUM(A1)");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@cmd')).toBe("'@cmd");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    expect(csvCell(-2)).toBe('-2');
    expect(csvCell(null)).toBe('');
    expect(csvCell(true)).toBe('true');
    expect(toCsv(['h1', 'h2'], [[1, 'x\ny']])).toBe('h1,h2\r\n1,"x\ny"\r\n');
  });

  it('history filters are validated; only admins may filter by user', () => {
    expect(parseFilters({ from: '2026-01-01', status: 'rejected', bodyPart: 'brain', label: 'glioma', user: 'B@X' }, admin)).toEqual({
      from: '2026-01-01', status: 'rejected', bodyPart: 'brain', label: 'glioma', user: 'b@x',
    });
    // another user's email from a non-admin is refused by name (it answered their own rows as if bob's)
    expect(() => parseFilters({ user: 'b@x' }, user)).toThrow(/for administrators only/);
    expect(() => parseFilters({ from: '2026-13-45x' }, user)).toThrow(/date/);
    expect(() => parseFilters({ status: 'done' }, user)).toThrow(/status/);
    expect(() => parseFilters({ label: "x' OR 1=1" }, user)).toThrow(/"label" must be a label such as glioma/);
    expect(parsePaging({})).toEqual({ page: 1, pageSize: 25 });
    expect(parsePaging({ page: '100000', pageSize: '100' })).toEqual({ page: 100000, pageSize: 100 });
    expect(filtersQuery({ status: 'completed' }, { page: 2 })).toBe('?status=completed&page=2');
  });

  it('median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([1, 2, 3, 4])).toBe(2.5);
  });
});
