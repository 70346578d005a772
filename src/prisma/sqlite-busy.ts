import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';

/**
 * SQLite's write lock held by another process (an admin's `sqlite3` session inside a transaction,
 * a VACUUM, a backup tool writing) without freezing the process. better-sqlite3 is synchronous:
 * with its default 5,000 ms busy timeout each write waited for the lock ON THE MAIN THREAD —
 * measured (scripts/measure-sqlite-lock.ts): a 3 s lock stalled /healthz 2.8 s, an 8 s one 7.9 s
 * (queued writes stacked their waits), and /readyz overran its 2 s deadline.
 *
 * Here the driver waits only BUSY_TIMEOUT_MS; a statement refused with SQLITE_BUSY is tried again
 * after a timer (the event loop serves other requests meanwhile) until `lockWaitMs` has passed,
 * and then fails with that SQLITE_BUSY, which the exception filter answers 503
 * DATABASE_UNAVAILABLE. Retrying is safe only where SQLite applied nothing: a statement outside a
 * transaction (autocommit: a refused statement did not run) or a COMMIT (SQLite's documentation:
 * a busy COMMIT may be retried; the transaction stays open). A statement inside a transaction is
 * not retried — after a read, SQLite refuses the upgrade to a write at once (no busy handler) and
 * the lock may never come (SQLITE_BUSY_SNAPSHOT) — so every transaction takes the write lock when
 * it begins (BEGIN IMMEDIATE, retried the same way) and its statements never wait for it.
 */

/** Long enough to absorb another writer's ordinary commit (~1 ms), short enough not to be felt. */
export const BUSY_TIMEOUT_MS = 10;
const FIRST_DELAY_MS = 5;
const MAX_DELAY_MS = 100;

type Adapter = Awaited<ReturnType<PrismaBetterSqlite3['connect']>>;
type Tx = Awaited<ReturnType<Adapter['startTransaction']>>;
type Query = Parameters<Adapter['queryRaw']>[0];
type IsolationLevel = Parameters<Adapter['startTransaction']>[0];

/** SQLITE_BUSY and its extended codes, except BUSY_SNAPSHOT (a stale read: waiting cannot cure it). */
export function isSqliteBusy(err: unknown): boolean {
  // read as properties: DriverAdapterError is not exported by a package this project depends on
  const e = err as { name?: unknown; cause?: { originalCode?: unknown } } | null;
  const code = e?.name === 'DriverAdapterError' ? e.cause?.originalCode : undefined;
  return typeof code === 'string' && /^SQLITE_BUSY/.test(code) && code !== 'SQLITE_BUSY_SNAPSHOT';
}

/** `attempt` again after growing delays while it fails with SQLITE_BUSY, for at most `budgetMs` in all. */
export async function whileBusy<T>(attempt: () => Promise<T>, budgetMs: number): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let delay = FIRST_DELAY_MS; ; delay = Math.min(delay * 2, MAX_DELAY_MS)) {
    try {
      return await attempt();
    } catch (err) {
      const left = deadline - Date.now();
      if (!isSqliteBusy(err) || left <= 0) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
    }
  }
}

const statement = (sql: string): Query => ({ sql, args: [], argTypes: [] });
const isCommit = (q: Query) => /^\s*COMMIT\s*;?\s*$/i.test(q.sql);

/**
 * Called before every statement that changes the database (never before a read): throws to refuse
 * the write — PrismaService passes its movedAway() check, a stat of the file, so reads cost nothing.
 */
export type WriteGuard = () => void;

/**
 * The statements Prisma writes with (INSERT … RETURNING, UPDATE, DELETE, upserts) and a PRAGMA that
 * sets a value (the /readyz probe). BEGIN / COMMIT / ROLLBACK are not: a transaction's writes are
 * its statements, and its rollback must never be refused.
 */
export function isWriteStatement(sql: string): boolean {
  return /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(sql) || /^\s*PRAGMA\s+[\w.]+\s*=/i.test(sql);
}

/** The better-sqlite3 adapter factory, its connections waiting for the write lock off the main thread. */
export class LockWaitingSqliteAdapter {
  readonly provider: PrismaBetterSqlite3['provider'];
  readonly adapterName: string;
  private readonly inner: PrismaBetterSqlite3;

  constructor(
    file: string,
    private readonly lockWaitMs: number,
    private readonly beforeWrite: WriteGuard = () => undefined,
  ) {
    this.inner = new PrismaBetterSqlite3({ url: file, timeout: BUSY_TIMEOUT_MS });
    this.provider = this.inner.provider;
    this.adapterName = this.inner.adapterName;
  }

  async connect(): Promise<Adapter> {
    return new LockWaitingConnection(await this.inner.connect(), this.lockWaitMs, this.beforeWrite);
  }
  async connectToShadowDb(): Promise<Adapter> {
    return new LockWaitingConnection(await this.inner.connectToShadowDb(), this.lockWaitMs, this.beforeWrite);
  }
}

/**
 * The adapter has ONE connection, and a transaction is a BEGIN on it: a statement of another
 * request issued while one was open ran inside it — committed with it, or silently undone by its
 * rollback (measured: another request's INSERT, answered OK, gone after the transaction rolled
 * back). So statements outside transactions wait while one is begun or open, as a pool's other
 * connection would wait for the write lock; the transaction's own go through its object
 * (LockHoldingTransaction), never through here. Hence, inside a transaction, use only its client.
 */
class LockWaitingConnection implements Adapter {
  readonly provider: Adapter['provider'];
  readonly adapterName: string;
  /** Transactions begun or beginning (the inner adapter runs one at a time). */
  private transactions = 0;
  private waiting: (() => void)[] = [];

  constructor(
    private readonly inner: Adapter,
    private readonly lockWaitMs: number,
    private readonly beforeWrite: WriteGuard,
  ) {
    this.provider = inner.provider;
    this.adapterName = inner.adapterName;
  }

  /**
   * `run` once no transaction is open. The last check and the call are one synchronous step, and
   * the driver runs a statement synchronously when called: no BEGIN can come between them.
   */
  private async outsideTransactions<T>(run: () => Promise<T>): Promise<T> {
    while (this.transactions > 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return run();
  }

  private transactionEnded(): void {
    if (--this.transactions > 0) return;
    const waiting = this.waiting;
    this.waiting = [];
    for (const resume of waiting) resume();
  }

  queryRaw(q: Query): ReturnType<Adapter['queryRaw']> {
    return whileBusy(() => this.outsideTransactions(() => this.guarded(q.sql, () => this.inner.queryRaw(q))), this.lockWaitMs);
  }
  executeRaw(q: Query): Promise<number> {
    return whileBusy(() => this.outsideTransactions(() => this.guarded(q.sql, () => this.inner.executeRaw(q))), this.lockWaitMs);
  }
  /** Not retried: a script may have applied its first statements before one was refused. Counted a write. */
  executeScript(script: string): Promise<void> {
    return this.outsideTransactions(async () => {
      this.beforeWrite();
      return this.inner.executeScript(script);
    });
  }

  /**
   * `run`, unless `sql` writes and the guard refuses: a rejection, as a driver's error is (never a
   * synchronous throw out of the adapter). The guard and `run` stay one synchronous step.
   */
  private async guarded<T>(sql: string, run: () => Promise<T>): Promise<T> {
    if (isWriteStatement(sql)) this.beforeWrite();
    return run();
  }
  dispose(): Promise<void> {
    return this.inner.dispose();
  }

  /**
   * The adapter begins with a plain (deferred) BEGIN, which takes no lock; it is swapped at once,
   * while nothing has run in it, for BEGIN IMMEDIATE. The inner transaction object is kept: it
   * holds the adapter's transaction mutex until commit() or rollback().
   */
  async startTransaction(isolationLevel?: IsolationLevel): Promise<Tx> {
    this.transactions++; // before the inner BEGIN: from now on other statements wait
    let tx: Tx;
    try {
      tx = await this.inner.startTransaction(isolationLevel);
    } catch (err) {
      this.transactionEnded();
      throw err;
    }
    try {
      await tx.executeRaw(statement('ROLLBACK'));
      await whileBusy(() => tx.executeRaw(statement('BEGIN IMMEDIATE')), this.lockWaitMs);
    } catch (err) {
      await tx.rollback(); // releases the mutex; no transaction is open on the connection now
      this.transactionEnded();
      throw err;
    }
    return new LockHoldingTransaction(tx, this.lockWaitMs, this.beforeWrite, () => this.transactionEnded());
  }
}

class LockHoldingTransaction implements Tx {
  readonly provider: Tx['provider'];
  readonly adapterName: string;
  readonly options: Tx['options'];
  private ended = false;

  constructor(
    private readonly inner: Tx,
    private readonly lockWaitMs: number,
    private readonly beforeWrite: WriteGuard,
    private readonly onEnd: () => void,
  ) {
    this.provider = inner.provider;
    this.adapterName = inner.adapterName;
    this.options = inner.options;
  }

  // a refused write rejects here, and Prisma rolls the transaction back: none of its writes stay
  async queryRaw(q: Query): ReturnType<Tx['queryRaw']> {
    if (isWriteStatement(q.sql)) this.beforeWrite();
    return isCommit(q) ? whileBusy(() => this.inner.queryRaw(q), this.lockWaitMs) : this.inner.queryRaw(q);
  }
  async executeRaw(q: Query): Promise<number> {
    if (isWriteStatement(q.sql)) this.beforeWrite();
    return isCommit(q) ? whileBusy(() => this.inner.executeRaw(q), this.lockWaitMs) : this.inner.executeRaw(q);
  }
  /** Called by Prisma after its COMMIT / ROLLBACK statement (or instead of it): the statements waiting go on. */
  async commit(): Promise<void> {
    try {
      await this.inner.commit();
    } finally {
      this.end();
    }
  }
  async rollback(): Promise<void> {
    try {
      await this.inner.rollback();
    } finally {
      this.end();
    }
  }
  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
  }
  async createSavepoint(name: string): Promise<void> {
    await this.inner.createSavepoint?.(name);
  }
  async rollbackToSavepoint(name: string): Promise<void> {
    await this.inner.rollbackToSavepoint?.(name);
  }
  async releaseSavepoint(name: string): Promise<void> {
    await this.inner.releaseSavepoint?.(name);
  }
}
