import * as net from 'node:net';
import { AppConfig } from '../../src/config/config.service';
import { describeDatabase, migrateDatabase } from '../../src/prisma/database';
import { MigrationError } from '../../src/prisma/migrator';
import { fakePostgres } from '../support/fake-postgres';

/**
 * Starting on a PostgreSQL that cannot be used says so in one line naming the database (password
 * masked), as a SQLite file that cannot be opened does. Measured with the production build:
 * a wrong password, a stopped server or a password pasted into DATABASE_URL without
 * percent-encoding printed node-postgres's raw error object and stack (30 lines; "getaddrinfo
 * ENOTFOUND t" for the password 'S3n@t:/#?…', whose '/' ended the host part), naming neither
 * DATABASE_URL nor the fix; and the start-up messages' masking cut the password at its first '@',
 * printing the rest of it.
 */
describe('PostgreSQL at start-up', () => {
  const cfg = (url: string) => AppConfig.fromProcess({ NODE_ENV: 'test', DATABASE_URL: url });
  const closedPort = () =>
    new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
  const startFailure = async (url: string): Promise<string> => {
    try {
      await migrateDatabase(cfg(url));
    } catch (err) {
      expect(err).toBeInstanceOf(MigrationError);
      return (err as Error).message;
    }
    throw new Error('the start succeeded');
  };

  it('a server that is not running: one line naming the database without its password', async () => {
    const port = await closedPort();
    const msg = await startFailure(`postgresql://sentinel:s3cret@127.0.0.1:${port}/sentinel`);
    expect(msg).toBe(`Cannot connect to the PostgreSQL database postgresql://sentinel:***@127.0.0.1:${port}/sentinel (DATABASE_URL): connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('a server that accepts and never answers: the start stops after DB_CONNECT_TIMEOUT_MS, one line', async () => {
    const pg = await fakePostgres({ silent: true });
    try {
      let message = '';
      await migrateDatabase(AppConfig.fromProcess({ NODE_ENV: 'test', DATABASE_URL: pg.url, DB_CONNECT_TIMEOUT_MS: '200' })).catch((err: Error) => (message = err.message));
      expect(message).toMatch(/^Cannot connect to the PostgreSQL database postgresql:\/\/sentinel:\*\*\*@127\.0\.0\.1:\d+\/sentinel \(DATABASE_URL\): .*timeout/i);
    } finally {
      await pg.close();
    }
  });

  it("a password the server refuses: the server's reason, no password", async () => {
    const pg = await fakePostgres({ code: '28P01', message: 'password authentication failed for user "sentinel"', atLogin: true });
    try {
      const msg = await startFailure(pg.url);
      expect(msg).toMatch(/^Cannot connect to the PostgreSQL database postgresql:\/\/sentinel:\*\*\*@127\.0\.0\.1:\d+\/sentinel \(DATABASE_URL\): password authentication failed for user "sentinel"$/);
    } finally {
      await pg.close();
    }
  });

  it('a role that may not create the tables (PostgreSQL 15: not the owner, no CREATE on public): one line with the grant to make', async () => {
    const pg = await fakePostgres({ code: '42501', message: 'permission denied for schema public', severity: 'ERROR' });
    try {
      const msg = await startFailure(pg.url);
      expect(msg).toMatch(/^Cannot migrate the PostgreSQL database postgresql:\/\/sentinel:\*\*\*@127\.0\.0\.1:\d+\/sentinel \(DATABASE_URL\): permission denied for schema public — /);
      expect(msg).toMatch(/OWNER .*GRANT CREATE ON SCHEMA public/);
      expect(msg.split('\n')).toHaveLength(1);
    } finally {
      await pg.close();
    }
  });

  it('a server restarted during the migration: one line, not an unhandled error event that ends the process', async () => {
    const pg = await fakePostgres({ code: '57P01', message: 'terminating connection due to administrator command' });
    try {
      expect(await startFailure(pg.url)).toMatch(/^Cannot migrate the PostgreSQL database .*: terminating connection due to administrator command$/);
    } finally {
      await pg.close();
    }
  });

  it('a password with / ? or # not percent-encoded is refused by the configuration check, which says how to encode it and prints no part of it', () => {
    let message = '';
    try {
      cfg('postgresql://sentinel:S3n@t:/#?x@127.0.0.1:5432/sentinel');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/DATABASE_URL: .*percent-encode/);
    expect(message).toMatch(/%2F/);
    expect(message).not.toMatch(/S3n|t:\/#/);
    for (const bad of ['postgresql://u:pa/ss@h/db', 'postgresql://u:pa?ss@h/db', 'postgresql://u:pa#ss@h/db']) expect(() => cfg(bad)).toThrow(/percent-encode/);
    // what node-postgres reads as meant: encoded, or '@' ':' and spaces left as they are
    for (const ok of ['postgresql://u:S3n%40t%3A%2F%23%3F%25%26%2B%20x@h:5432/db', 'postgresql://u:pa@ss@h/db', 'postgresql://u:pa:ss@h/db', 'postgresql://u@h/db', 'postgresql://h/db']) {
      expect(cfg(ok).databaseKind).toBe('postgresql');
    }
  });

  it('?schema= names a plain identifier (it goes into statements and search_path); refused otherwise', () => {
    expect(cfg('postgresql://u@h/db?schema=mri_research').databaseKind).toBe('postgresql');
    expect(() => cfg('postgresql://u@h/db?schema=mri%22;drop')).toThrow(/schema= parameter must be a plain PostgreSQL identifier/);
  });

  it('start-up messages mask the whole password, whatever it contains', () => {
    expect(describeDatabase(cfg('postgresql://u:p@ss:w@h:5432/db'))).toBe('postgresql://u:***@h:5432/db');
    expect(describeDatabase(cfg('postgresql://u:S3n%40t%3A%2F@h:5432/db?schema=mri'))).toBe('postgresql://u:***@h:5432/db?schema=mri');
    expect(describeDatabase(cfg('postgresql://u@h/db?password=s3cret&sslmode=require'))).toBe('postgresql://u@h/db?password=***&sslmode=require');
    expect(describeDatabase(cfg('postgresql://h/db'))).toBe('postgresql://h/db');
  });
});
