import Database from 'better-sqlite3';
import * as path from 'node:path';
import { PrismaClient } from '../../src/generated/prisma/client';
import { MIGRATIONS_DIR } from '../../src/prisma/database';
import { applyMigrations } from '../../src/prisma/migrator';
import { isSqliteBusy, LockWaitingSqliteAdapter } from '../../src/prisma/sqlite-busy';
import { tempDir } from '../support/app';

/**
 * The SQLite adapter's wait for another connection's write lock (src/prisma/sqlite-busy.ts):
 * transactions, which the routes do not use today but Prisma itself does (an upsert is a
 * SELECT then an INSERT in one), take the lock at BEGIN, wait for it off the main thread, and
 * after DB_LOCK_WAIT_MS give up without keeping the adapter's transaction mutex.
 */
describe('LockWaitingSqliteAdapter', () => {
  let file: string;
  let other: Database.Database;
  let db: PrismaClient;
  const row = (email: string) => ({ data: { email, passwordHash: 'x' } });

  beforeEach(() => {
    file = path.join(tempDir(), 'busy.db');
    applyMigrations(file, MIGRATIONS_DIR);
    other = new Database(file);
  });
  afterEach(async () => {
    if (other.inTransaction) other.prepare('ROLLBACK').run();
    other.close();
    await db.$disconnect();
  });

  /** Holds the write lock until `released` is called (from a timer: the event loop must be free for it). */
  function hold(): () => void {
    other.prepare('BEGIN IMMEDIATE').run();
    return () => other.prepare('COMMIT').run();
  }

  it('an interactive transaction and an upsert wait for the lock, then run once each', async () => {
    db = new PrismaClient({ adapter: new LockWaitingSqliteAdapter(file, 60_000) });
    const release = hold();
    const steps: string[] = [];
    const itx = db.$transaction(async (tx) => {
      steps.push('began');
      const n = await tx.user.count(); // a read first: the write after it must not be refused
      await tx.user.create(row(`itx-${n}@example.test`));
    });
    const upsert = db.user.upsert({ where: { email: 'up@example.test' }, create: row('up@example.test').data, update: {} });
    await new Promise((resolve) => setTimeout(resolve, 50)); // the timers of the waits run meanwhile
    expect(steps).toEqual([]); // BEGIN IMMEDIATE has not got the lock: the callback has not started
    release();
    await Promise.all([itx, upsert]);
    expect((await db.user.findMany({ orderBy: { email: 'asc' } })).map((u) => u.email)).toEqual(['itx-0@example.test', 'up@example.test']);
  });

  it("another request's statement while a transaction is open waits for its end: a rollback takes back the transaction's writes only", async () => {
    // one connection: a statement run meanwhile ran inside the open transaction, and its rollback
    // (the Idempotency-Key's mark failing after the history row) silently undid another request's write
    db = new PrismaClient({ adapter: new LockWaitingSqliteAdapter(file, 5_000) });
    let outside: Promise<unknown> = Promise.resolve();
    const failed = db.$transaction(async (tx) => {
      await tx.user.create(row('inside@example.test'));
      outside = db.user.create(row('outside@example.test')).then(() => undefined); // sent now (a Prisma promise is lazy)
      await new Promise((resolve) => setTimeout(resolve, 20)); // the other request's turn of the event loop
      throw new Error('the second write failed');
    });
    await expect(failed).rejects.toThrow('the second write failed');
    await outside;
    expect((await db.user.findMany()).map((u) => u.email)).toEqual(['outside@example.test']);
  });

  it('past the wait: SQLITE_BUSY (the filter answers 503), nothing written, and the client works after', async () => {
    db = new PrismaClient({ adapter: new LockWaitingSqliteAdapter(file, 50) });
    const release = hold();
    const failures = await Promise.all([
      db.user.create(row('a@example.test')).then(() => null, (e: unknown) => e),
      db.$transaction(async (tx) => tx.user.create(row('b@example.test'))).then(() => null, (e: unknown) => e),
      db.user.upsert({ where: { email: 'c@example.test' }, create: row('c@example.test').data, update: {} }).then(() => null, (e: unknown) => e),
    ]);
    for (const e of failures) expect((e as { meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } }).meta?.driverAdapterError?.cause?.originalCode).toBe('SQLITE_BUSY');
    release();
    expect(await db.user.count()).toBe(0);
    await db.$transaction(async (tx) => tx.user.create(row('d@example.test'))); // the mutex was released
    await db.user.create(row('e@example.test'));
    expect(await db.user.count()).toBe(2);
  });

  it('retries SQLITE_BUSY and its extended codes, not BUSY_SNAPSHOT (a stale read waiting cannot cure)', () => {
    const err = (originalCode: string) => Object.assign(new Error('x'), { name: 'DriverAdapterError', cause: { originalCode } });
    expect(['SQLITE_BUSY', 'SQLITE_BUSY_RECOVERY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_READONLY'].map((c) => isSqliteBusy(err(c)))).toEqual([true, true, false, false]);
    expect(isSqliteBusy(new Error('SQLITE_BUSY'))).toBe(false);
  });
});
