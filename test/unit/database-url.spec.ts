import { parse } from 'pg-connection-string';
import { maskDatabaseUrl, postgresSchema, postgresUrlProblem } from '../../src/config/database-url';
import { parseEnv } from '../../src/config/config.schema';

/**
 * DATABASE_URL is read by node-postgres (pg-connection-string: a WHATWG URL, user info up to the
 * last '@' before the first / ? #). The configuration check accepts what it reads as meant and
 * refuses a user name or password whose / ? # ends the host part early. Before: any '@' after the
 * host part (`?application_name=ops@site`) was taken for the end of the user info, so such a URL
 * was refused as "the password contains / ? or #", and its masked form hid the host.
 */
describe('DATABASE_URL (PostgreSQL): what node-postgres reads as meant is accepted', () => {
  const accepted: [string, { user: string; password: string; host: string; database: string }][] = [
    ['postgresql://u:pw@h/db?application_name=ops@site', { user: 'u', password: 'pw', host: 'h', database: 'db' }],
    ['postgresql://h:5432/db?application_name=a@b', { user: '', password: '', host: 'h', database: 'db' }],
    ['postgresql://u:pw@h/db?options=-c%20search_path%3Dx@y', { user: 'u', password: 'pw', host: 'h', database: 'db' }],
    // the common real case: an '@' in the password, not encoded
    ['postgresql://u:p@ss@h:5432/db', { user: 'u', password: 'p@ss', host: 'h', database: 'db' }],
    ['postgresql://u:p@ss@h/db?application_name=ops@site&sslmode=disable', { user: 'u', password: 'p@ss', host: 'h', database: 'db' }],
    ['postgresql://u:pw@h/my@db', { user: 'u', password: 'pw', host: 'h', database: 'my@db' }],
    ['postgresql://u:pw@h/db?sslmode=disable&application_name=lab/ops@site', { user: 'u', password: 'pw', host: 'h', database: 'db' }],
    ['postgresql://u:S3n%40t%3A%2F%23%3F@h/db', { user: 'u', password: 'S3n@t:/#?', host: 'h', database: 'db' }],
  ];
  it.each(accepted)('%s', (url, meant) => {
    expect(postgresUrlProblem(url)).toBeNull();
    expect(parseEnv({ DATABASE_URL: url }).DATABASE_URL).toBe(url);
    const read = parse(url);
    expect({ user: read.user, password: read.password, host: read.host, database: read.database }).toEqual(meant);
  });

  it('the masked URL keeps the host and the query, whatever the password or the query hold', () => {
    expect(maskDatabaseUrl('postgresql://u:pw@h/db?application_name=ops@site')).toBe('postgresql://u:***@h/db?application_name=ops@site');
    expect(maskDatabaseUrl('postgresql://u:p@ss@h/db?application_name=a@b')).toBe('postgresql://u:***@h/db?application_name=a@b');
    expect(maskDatabaseUrl('postgresql://h/db?application_name=a@b')).toBe('postgresql://h/db?application_name=a@b');
    expect(maskDatabaseUrl('postgresql://u@h/db?password=s3@cret&x=1')).toBe('postgresql://u@h/db?password=***&x=1');
  });

  it('?schema= is read from the query after the host part', () => {
    expect(postgresSchema('postgresql://u:p@ss@h/db?application_name=a@b&schema=mri')).toBe('mri');
    expect(postgresSchema('postgresql://u:pw@h/db')).toBe('public');
  });
});

describe('DATABASE_URL (PostgreSQL): a user name or password whose / ? # ends the host part is refused, naming what to encode', () => {
  const refused: [string, string][] = [
    ['postgresql://u:pa/ss@h/db', 'the password contains / as it is, which ends the host part of the URL: percent-encode / as %2F'],
    ['postgresql://u:pa?ss@h/db?application_name=a@b', 'the password contains ? as it is, which ends the host part of the URL: percent-encode ? as %3F'],
    ['postgresql://u:pa#ss@h/db', 'the password contains # as it is, which ends the host part of the URL: percent-encode # as %23'],
    // node-postgres would connect to host "u", port 12 or 1, database "34@h/db" or none
    ['postgresql://u:12/34@h/db', 'the password contains / as it is'],
    ['postgresql://u:1?2@h/db', 'the password contains ? as it is'],
    ['postgresql://u:a@b/c@h/db', 'the password contains / as it is'],
    ['postgresql://ops/x:pw@h/db', 'the user name contains / as it is'],
    ['postgresql://sentinel:S3n@t:/#?x@127.0.0.1:5432/sentinel', 'the password contains / # ? as it is, which ends the host part of the URL: percent-encode / as %2F, # as %23, ? as %3F'],
  ];
  it.each(refused)('%s', (url, words) => {
    const problem = postgresUrlProblem(url);
    expect(problem).toContain(words);
    let message = '';
    try {
      parseEnv({ DATABASE_URL: url });
    } catch (err) {
      message = (err as Error).message;
    }
    // one line under the configuration error's heading, never the password's text
    expect(message.split('\n')[1]).toBe(`  - DATABASE_URL: ${problem}`);
    expect(message).not.toMatch(/pa.ss|S3n|34@|ops\/x/);
    expect(maskDatabaseUrl(url)).toMatch(/^postgresql:\/\/[^:]*:\*\*\*@(h|127\.0\.0\.1:5432)\//);
  });
});
