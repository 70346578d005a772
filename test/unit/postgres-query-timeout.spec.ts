import { toErrorBody } from '../../src/common/app-exception.filter';
import { AppConfig } from '../../src/config/config.service';
import { createDatabaseClient } from '../../src/prisma/database';
import { fakePostgres } from '../support/fake-postgres';

/**
 * A request whose query is already on an open connection when PostgreSQL freezes: before
 * DB_QUERY_TIMEOUT_MS it never answered (DB_CONNECT_TIMEOUT_MS bounds only getting a connection;
 * measured on PostgreSQL 15: SIGSTOP, then no answer in 30 s). Now the server is told the bound
 * (statement_timeout at login) and the app closes a connection held past it + 1 s: 503
 * DATABASE_UNAVAILABLE, and that connection is never handed out again — a transaction's
 * connection returned to the pool with its query still on the wire ran the next caller's
 * statements inside the old transaction once the server resumed.
 */
describe('PostgreSQL: a query that gets no answer is bounded by DB_QUERY_TIMEOUT_MS', () => {
  const config = (url: string, queryTimeoutMs = '200') => AppConfig.fromProcess({ NODE_ENV: 'test', DATABASE_URL: url, DB_QUERY_TIMEOUT_MS: queryTimeoutMs });
  const outcome = (p: Promise<unknown>): Promise<unknown> =>
    p.then(
      () => new Error('the query succeeded'),
      (e: unknown) => e,
    );
  const unreachable = { statusCode: 503, code: 'DATABASE_UNAVAILABLE', message: 'The database cannot be reached right now. Please try again later.' };

  it('statement_timeout is sent at login with DB_QUERY_TIMEOUT_MS (15000 by default)', async () => {
    const pg = await fakePostgres({ code: '42601', message: 'syntax error', severity: 'ERROR' });
    for (const [env, sent] of [[undefined, '15000'], ['2500', '2500']] as const) {
      const db = createDatabaseClient(AppConfig.fromProcess({ NODE_ENV: 'test', DATABASE_URL: pg.url, ...(env ? { DB_QUERY_TIMEOUT_MS: env } : {}) }));
      await outcome(db.$queryRawUnsafe('SELECT 1'));
      await db.$disconnect();
      expect(pg.startupParameters().at(-1)?.statement_timeout).toBe(sent);
    }
    await pg.close();
  });

  it('a model query on a server frozen after the login: 503 "cannot be reached", and the next query gets a new connection', async () => {
    const pg = await fakePostgres({ frozenAfterLogin: true });
    const db = createDatabaseClient(config(pg.url));
    try {
      expect(toErrorBody(await outcome(db.user.findFirst()))).toEqual(unreachable);
      expect(pg.connections()).toBe(1);
      expect(toErrorBody(await outcome(db.session.findFirst()))).toEqual(unreachable);
      expect(pg.connections()).toBe(2);
    } finally {
      await db.$disconnect().catch(() => undefined);
      await pg.close();
    }
  });

  it('a transaction on a frozen server: 503, and its connection does not go back to the pool', async () => {
    const pg = await fakePostgres({ frozenAfterLogin: true });
    const db = createDatabaseClient(config(pg.url));
    try {
      const err = await outcome(db.$transaction(async (tx) => tx.user.count(), { maxWait: 5_000, timeout: 10_000 }));
      expect(toErrorBody(err)).toMatchObject({ statusCode: 503, code: 'DATABASE_UNAVAILABLE' });
      expect(toErrorBody(await outcome(db.user.count()))).toEqual(unreachable);
      expect(pg.connections()).toBe(2);
    } finally {
      await db.$disconnect().catch(() => undefined);
      await pg.close();
    }
  });

  it('a transaction that cannot begin within its maxWait (P2028, the BEGIN unanswered): 503 "took too long", not a 500', async () => {
    const pg = await fakePostgres({ frozenAfterLogin: true });
    const db = createDatabaseClient(config(pg.url, '2000'));
    try {
      const err = await outcome(db.$transaction(async (tx) => tx.user.count(), { maxWait: 300, timeout: 300 }));
      expect(err).toMatchObject({ code: 'P2028' });
      expect(toErrorBody(err)).toEqual({ statusCode: 503, code: 'DATABASE_UNAVAILABLE', message: 'The database took too long to answer. Please try again later.' });
    } finally {
      await db.$disconnect().catch(() => undefined);
      await pg.close();
    }
  });

  it('a query the server cancels at statement_timeout (57014): 503 "took too long", not a 500', async () => {
    const pg = await fakePostgres({ code: '57014', message: 'canceling statement due to statement timeout', severity: 'ERROR' });
    const db = createDatabaseClient(config(pg.url));
    try {
      expect(toErrorBody(await outcome(db.user.findFirst()))).toEqual({ statusCode: 503, code: 'DATABASE_UNAVAILABLE', message: 'The database took too long to answer. Please try again later.' });
    } finally {
      await db.$disconnect().catch(() => undefined);
      await pg.close();
    }
  });

  it('DB_QUERY_TIMEOUT_MS: whole milliseconds 100–600000, refused otherwise', () => {
    expect(AppConfig.fromProcess({ NODE_ENV: 'test' }).databaseQueryTimeoutMs).toBe(15_000);
    expect(config('postgresql://h/db', '100').databaseQueryTimeoutMs).toBe(100);
    for (const bad of ['0', '99', '600001', '1.5', 'ten']) expect(() => config('postgresql://h/db', bad)).toThrow(/DB_QUERY_TIMEOUT_MS/);
  });
});
