import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import * as fs from 'node:fs';
import { DatabaseFileMovedError } from '../common/errors';
import { AppConfig } from '../config/config.service';
import type { Prisma } from '../generated/prisma/client';
import { createDatabaseClient, Db, describeDatabase, foreignMigrations, migrateDatabase, migrationsTable, requireMigrated } from './database';
import { CLIENT_GRACE_MS } from './pg-pool';
import { realClock, StartupWaitClock, waitForPostgres } from './pg-startup-wait';

export { MIGRATIONS_DIR, PG_MIGRATIONS_DIR } from './database';

/** The client inside `PrismaService.transaction`: a repository method that writes within one takes it. */
export type DbTx = Prisma.TransactionClient;

/**
 * How long an interactive transaction may wait to start (Prisma's maxWait) and run (its timeout),
 * from the bounds the engine's other statements already have:
 *
 * - SQLite: BEGIN IMMEDIATE waits up to DB_LOCK_WAIT_MS for another process's write lock, hence
 *   the start's 2 s beyond it; its few statements then run without waiting (10 s beyond it).
 * - PostgreSQL, where DB_LOCK_WAIT_MS means nothing (these were SQLite's on both until now):
 *   starting is getting a pool connection, which a plain query waits DB_CONNECT_TIMEOUT_MS for —
 *   a transaction waits as long (and a grace after it, so the pool's own timeout answers first),
 *   not 2 s beside the query's 5 s under load. Running: each statement may take DB_QUERY_TIMEOUT_MS
 *   (statement_timeout, lock waits included), and the pool closes a connection held that long + 1 s
 *   (pg-pool.ts) — so the transaction is given exactly that. Shorter, Prisma rolled back a
 *   transaction whose statement the server allowed (measured, PostgreSQL 15, DB_QUERY_TIMEOUT_MS=60000:
 *   a 16 s statement, P2028 after 16.3 s; now committed at 16.05 s); longer would never run, the
 *   pool having closed the connection by then (its timer starts at the connection's acquire,
 *   before BEGIN, Prisma's after it).
 *
 * Both timeouts are P2028, a 503 (app-exception.filter.ts), as the pool's are.
 */
export function transactionBounds(config: AppConfig): { maxWait: number; timeout: number } {
  if (config.databaseKind === 'sqlite') {
    const wait = config.databaseLockWaitMs;
    return { maxWait: wait + 2000, timeout: wait + 10_000 };
  }
  return { maxWait: config.databaseConnectTimeoutMs + CLIENT_GRACE_MS, timeout: config.databaseQueryTimeoutMs + CLIENT_GRACE_MS };
}

/**
 * The single database client: SQLite (better-sqlite3 adapter) or PostgreSQL (pg adapter) as
 * DATABASE_URL says; no Prisma engine binary either way. Only repositories (src/repositories) use
 * the table delegates; services speak domain types.
 */
@Injectable()
export class PrismaService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PrismaService.name);
  readonly client: Db;
  /** Which engine DATABASE_URL chose — for the few statements that differ (e.g. a write probe). */
  readonly engine: 'sqlite' | 'postgresql';

  /** The SQLite file this process opened (device, inode), to notice it removed or replaced under it. */
  private opened: FileIdentity | undefined;

  constructor(private readonly config: AppConfig) {
    // every write statement, whichever repository or route issues it, goes past movedAway() first
    this.client = createDatabaseClient(config, () => {
      const moved = this.movedAway();
      if (moved) throw new DatabaseFileMovedError(moved);
    });
    this.engine = config.databaseKind;
  }

  get user(): Db['user'] {
    return this.client.user;
  }
  get session(): Db['session'] {
    return this.client.session;
  }
  get analysis(): Db['analysis'] {
    return this.client.analysis;
  }
  get idempotencyKey(): Db['idempotencyKey'] {
    return this.client.idempotencyKey;
  }
  get $queryRawUnsafe(): Db['$queryRawUnsafe'] {
    return this.client.$queryRawUnsafe.bind(this.client);
  }
  get $executeRawUnsafe(): Db['$executeRawUnsafe'] {
    return this.client.$executeRawUnsafe.bind(this.client);
  }

  /**
   * `fn`'s writes committed together or not at all (an interactive transaction), bounded as
   * transactionBounds says for the engine. On SQLite it begins with the write lock (sqlite-busy.ts:
   * BEGIN IMMEDIATE), and every other statement of the process waits for its end (one connection)
   * — so inside `fn` use only `tx`: a query through this service there would wait for the
   * transaction it is part of.
   */
  transaction<T>(fn: (tx: DbTx) => Promise<T>): Promise<T> {
    return this.client.$transaction(fn, transactionBounds(this.config));
  }

  /** The start-up wait's clock (pg-startup-wait.ts); tests hand in one that does not sleep. */
  startupClock: StartupWaitClock = realClock;

  async onModuleInit(): Promise<void> {
    // a server still coming up (started beside the app, not before it) is waited for; SQLite needs no wait
    if (this.engine === 'postgresql') {
      await waitForPostgres({
        connectionString: this.config.databaseUrl,
        shownAs: describeDatabase(this.config),
        connectTimeoutMs: this.config.databaseConnectTimeoutMs,
        waitMs: this.config.databaseStartupWaitMs,
        log: (line, level) => (level === 'warn' ? this.logger.warn(line) : this.logger.log(line)),
        clock: this.startupClock,
      });
    }
    if (this.config.migrateOnStart) {
      const r = await migrateDatabase(this.config);
      if (r.applied.length) this.logger.log(`Applied migrations (${this.config.databaseKind}): ${r.applied.join(', ')}`);
    }
    await this.client.$connect();
    if (!this.config.migrateOnStart) await requireMigrated(this.client, this.config);
    const foreign = await foreignMigrations(this.client, this.config);
    if (foreign.length) {
      this.logger.warn(
        `The database ${describeDatabase(this.config)} has ${foreign.length} migration(s) this build does not have (${foreign.join(', ')}): ` +
          'it was migrated by a newer MRI Sentinel, whose changes this version does not know; run that version, or restore a backup made before it.',
      );
    }
    if (this.engine === 'sqlite') this.opened = fileIdentity(this.config.databaseFile);
  }

  async onModuleDestroy(): Promise<void> {
    await this.client.$disconnect();
  }

  async $disconnect(): Promise<void> {
    await this.client.$disconnect();
  }

  /** Liveness of the connection: true when a trivial query succeeds. */
  async ping(): Promise<boolean> {
    try {
      await this.client.$queryRawUnsafe('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Readiness: the database accepts a write — a real write transaction, committed, that changes
   * nothing (SQLite: the header's user_version set to its own value; PostgreSQL: one migration row
   * rewritten with its own value). A read-only file, directory or
   * mount, a full disk or a lock held too long all fail it, as they fail logins and history
   * rows; a probe that hangs counts as a failure after `timeoutMs`.
   */
  async writable(timeoutMs = 2000): Promise<{ ok: boolean; detail?: string }> {
    let timer: NodeJS.Timeout | undefined;
    const probe = (async () => {
      if (this.engine === 'postgresql') {
        // PostgreSQL has no user_version: rewrite one migration row with its own value. It fails
        // in a read-only transaction or on a standby (txid_current() would not: it passes there).
        const table = migrationsTable(this.config);
        await this.$executeRawUnsafe(
          `UPDATE ${table} SET "applied_steps_count" = "applied_steps_count" ` + `WHERE "id" = (SELECT "id" FROM ${table} ORDER BY "started_at" LIMIT 1)`,
        );
        return { ok: true };
      }
      const moved = this.movedAway();
      if (moved) return { ok: false, detail: moved };
      const rows = await this.$queryRawUnsafe<{ user_version: number | bigint }[]>('PRAGMA user_version');
      const v = Number(rows[0]?.user_version ?? 0);
      await this.$executeRawUnsafe(`PRAGMA user_version = ${Number.isSafeInteger(v) ? v : 0}`);
      return { ok: true };
    })();
    const late = new Promise<{ ok: boolean; detail: string }>((resolve) => {
      // what an operator can act on: "write probe took longer than 2000 ms" named neither a lock nor a server
      const why = this.engine === 'postgresql' ? 'the PostgreSQL server did not answer in time, or another session holds a lock on the migrations table' : 'another process holds the write lock of the SQLite file (a sqlite3 session or a backup in a transaction?), or its disk does not answer';
      timer = setTimeout(() => resolve({ ok: false, detail: `no write committed within ${timeoutMs} ms: ${why}` }), timeoutMs);
    });
    try {
      return await Promise.race([probe, late]);
    } catch (err) {
      // Prisma's message is a paragraph quoting the call ("Invalid `prisma.$executeRawUnsafe()`
      // invocation: … Raw query failed. Code: `SQLITE_BUSY` …"); its last line is the reason. The
      // detail goes into one log line per /readyz and into the start-up failure's list.
      const lines = (err instanceof Error ? err.message : String(err)).split('\n').map((l) => l.trim()).filter(Boolean);
      return { ok: false, detail: lines.pop() ?? 'write failed' };
    } finally {
      clearTimeout(timer);
      probe.catch(() => undefined);
    }
  }

  /**
   * SQLite keeps writing to the file it opened when that file is deleted or another is moved to
   * its path (an `rm -r data/`, a backup restored with mv while running): every write succeeded
   * and /readyz said ready, and at the next start those rows were gone (seen: an analysis recorded
   * and listed after `rm data/sentinel.db*`). Not ready from then on, so that an orchestrator
   * restarts the process onto the file at the path; and nothing is written there (the adapter asks
   * before every write statement: sqlite-busy.ts), so that no answer — a history row, a login's
   * session, a user or password change, an Idempotency-Key — is a 200 for a row no restart reads.
   * One stat per write, none per read. Not remembered: the opened file moved back to the path is
   * written to again. Null when the file at the path is the one opened (always for PostgreSQL, and
   * before start-up has opened it).
   */
  movedAway(): string | null {
    if (!this.opened) return null;
    const now = fileIdentity(this.config.databaseFile);
    if (now && now.dev === this.opened.dev && now.ino === this.opened.ino) return null;
    return `the database file ${this.config.databaseFile} was ${now ? 'replaced' : 'removed'} after start-up: this process still writes to the file it opened, which no restart will read; restart it`;
  }
}

interface FileIdentity {
  dev: number;
  ino: number;
}

function fileIdentity(file: string): FileIdentity | undefined {
  try {
    const s = fs.statSync(file);
    return { dev: s.dev, ino: s.ino };
  } catch {
    return undefined;
  }
}
