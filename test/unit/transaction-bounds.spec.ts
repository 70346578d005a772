/**
 * PrismaService.transaction's maxWait and timeout, per engine. They were SQLite's on both
 * (DB_LOCK_WAIT_MS + 2 s to start, + 10 s to run): on PostgreSQL DB_LOCK_WAIT_MS means nothing,
 * and with DB_QUERY_TIMEOUT_MS=60000 a transaction whose one statement the server allows 60 s was
 * rolled back by Prisma at 15 s; with DB_LOCK_WAIT_MS=0 a write transaction gave up waiting for a
 * pool slot at 2 s while every plain query waited DB_CONNECT_TIMEOUT_MS (5 s) for one.
 */
import { AppConfig } from '../../src/config/config.service';
import { CLIENT_GRACE_MS } from '../../src/prisma/pg-pool';
import { PrismaService } from '../../src/prisma/prisma.service';

type Options = { maxWait: number; timeout: number };

/** The options `transaction` hands Prisma under this environment (no query is sent: the client only records them). */
async function boundsUnder(env: Record<string, string>): Promise<Options> {
  const service = new PrismaService(AppConfig.fromProcess({ NODE_ENV: 'test', ...env }));
  let given: Options | undefined;
  jest.spyOn(service.client, '$transaction').mockImplementation(((_fn: unknown, options: Options) => {
    given = options;
    return Promise.resolve(undefined);
  }) as never);
  await service.transaction(async () => undefined);
  await service.client.$disconnect();
  return given!;
}

const PG = 'postgresql://sentinel@127.0.0.1:1/sentinel';

describe('PrismaService.transaction: maxWait and timeout per engine', () => {
  it('SQLite: from DB_LOCK_WAIT_MS, as before (BEGIN IMMEDIATE waits up to it for the write lock)', async () => {
    expect(await boundsUnder({ DATABASE_URL: 'file:/tmp/unused-transaction-bounds.db' })).toEqual({ maxWait: 5_000 + 2_000, timeout: 5_000 + 10_000 });
    expect(await boundsUnder({ DATABASE_URL: 'file:/tmp/unused-transaction-bounds.db', DB_LOCK_WAIT_MS: '0', DB_QUERY_TIMEOUT_MS: '60000' })).toEqual({ maxWait: 2_000, timeout: 10_000 });
  });

  it('PostgreSQL: the start waits as long as a query waits for a connection; the run is bounded as a connection is held', async () => {
    for (const [env, expected] of [
      [{}, { maxWait: 5_000 + CLIENT_GRACE_MS, timeout: 15_000 + CLIENT_GRACE_MS }],
      // a statement allowed 60 s is not rolled back at 15 s; DB_LOCK_WAIT_MS (SQLite's) changes nothing
      [{ DB_QUERY_TIMEOUT_MS: '60000', DB_LOCK_WAIT_MS: '0' }, { maxWait: 5_000 + CLIENT_GRACE_MS, timeout: 60_000 + CLIENT_GRACE_MS }],
      // a short bound is the transaction's too: nothing holds the connection past it
      [{ DB_QUERY_TIMEOUT_MS: '1000', DB_CONNECT_TIMEOUT_MS: '2500' }, { maxWait: 2_500 + CLIENT_GRACE_MS, timeout: 1_000 + CLIENT_GRACE_MS }],
    ] as const) {
      const got = await boundsUnder({ DATABASE_URL: PG, ...env });
      expect({ env, got }).toEqual({ env, got: expected });
    }
  });

  it('PostgreSQL: never shorter than one statement may run, nor than a connection may be waited for', async () => {
    for (const q of [100, 999, 15_000, 600_000]) {
      for (const c of [100, 5_000, 600_000]) {
        const got = await boundsUnder({ DATABASE_URL: PG, DB_QUERY_TIMEOUT_MS: String(q), DB_CONNECT_TIMEOUT_MS: String(c) });
        expect(got.timeout).toBeGreaterThan(q);
        expect(got.maxWait).toBeGreaterThan(c);
      }
    }
  });
});
