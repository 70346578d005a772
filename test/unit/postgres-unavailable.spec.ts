import * as net from 'node:net';
import { toErrorBody } from '../../src/common/app-exception.filter';
import { AppConfig } from '../../src/config/config.service';
import { createDatabaseClient } from '../../src/prisma/database';
import { fakePostgres } from '../support/fake-postgres';

/**
 * PostgreSQL gone, restarting or full is a 503 DATABASE_UNAVAILABLE the caller may retry, as a
 * locked or read-only SQLite file is — never a 500 "unexpected error". Measured on a deployment
 * (PostgreSQL 15, two app processes): with the server stopped every API call answered 500
 * INTERNAL_ERROR, and a request in flight when `pg_ctl restart` (or pg_terminate_backend) ended its
 * connection answered 500 too ("57P01 terminating connection due to administrator command").
 * The errors here are the real driver adapter's, from a closed port or a fake server (no
 * PostgreSQL needed); the app recovers by itself once the server is back (test/cluster).
 */
describe('PostgreSQL unavailable → 503 DATABASE_UNAVAILABLE', () => {
  const client = (url: string) => createDatabaseClient(AppConfig.fromProcess({ NODE_ENV: 'test', DATABASE_URL: url }));
  const failure = async (url: string, raw = false): Promise<unknown> => {
    const db = client(url);
    try {
      await (raw ? db.$queryRawUnsafe('SELECT 1') : db.user.findFirst());
    } catch (err) {
      return err;
    } finally {
      await db.$disconnect().catch(() => undefined);
    }
    throw new Error('the query succeeded');
  };
  const unavailable = { statusCode: 503, code: 'DATABASE_UNAVAILABLE', message: expect.any(String) };

  it('a server that is not running (connection refused), for model and raw queries', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const url = `postgresql://sentinel:pw@127.0.0.1:${port}/sentinel`;
    expect(toErrorBody(await failure(url))).toEqual(unavailable);
    expect(toErrorBody(await failure(url, true))).toEqual(unavailable);
    // a read (the history page) is not "a change the database refused"
    expect(toErrorBody(await failure(url)).message).toBe('The database cannot be reached right now. Please try again later.');
  });

  it.each([
    ['57P01', 'a restart or pg_terminate_backend ends the connection mid-request', false],
    ['57P03', 'the database system is starting up', true],
    ['53300', 'too many connections', true],
    ['53100', 'could not extend file: No space left on device', false],
    ['25006', 'cannot execute UPDATE in a read-only transaction (a standby after failover)', false],
    ['08006', 'connection failure', false],
  ])('server error %s (%s)', async (code, message, atLogin) => {
    const pg = await fakePostgres({ code, message, atLogin });
    try {
      const body = toErrorBody(await failure(pg.url));
      expect(body).toEqual(unavailable);
      // the server gone or restarting vs one that refuses the work (full, read-only, too busy)
      expect(body.message).toMatch(/^(08|57)/.test(code) ? /cannot be reached/ : /not accepting changes/);
    } finally {
      await pg.close();
    }
  });

  it('a connection dropped without an answer (crashed server, cut network)', async () => {
    const pg = await fakePostgres({ close: true });
    try {
      expect(toErrorBody(await failure(pg.url))).toEqual(unavailable);
    } finally {
      await pg.close();
    }
  });

  it('a server that accepts the connection and never answers (frozen, packets dropped): 503 after DB_CONNECT_TIMEOUT_MS, not a request that waits forever', async () => {
    const pg = await fakePostgres({ silent: true });
    const db = createDatabaseClient(AppConfig.fromProcess({ NODE_ENV: 'test', DATABASE_URL: pg.url, DB_CONNECT_TIMEOUT_MS: '200' }));
    try {
      const err = await db.user.findFirst().then(
        () => new Error('the query succeeded'),
        (e: unknown) => e,
      );
      expect(toErrorBody(err)).toEqual(unavailable);
    } finally {
      await db.$disconnect().catch(() => undefined);
      await pg.close();
    }
  });

  it('a query the server refuses for what it is stays a 500 (a bug, not an outage)', async () => {
    const pg = await fakePostgres({ code: '42601', message: 'syntax error at or near "x"' });
    try {
      expect(toErrorBody(await failure(pg.url))).toMatchObject({ statusCode: 500, code: 'INTERNAL_ERROR' });
    } finally {
      await pg.close();
    }
  });
});
