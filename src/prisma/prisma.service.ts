import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import * as path from 'node:path';
import { AppConfig } from '../config/config.service';
import { PrismaClient } from '../generated/prisma/client';
import { applyMigrations } from './migrator';

/** Committed migrations; same relative location from src/prisma and dist/prisma. */
export const MIGRATIONS_DIR = path.resolve(__dirname, '../../prisma/migrations');

/** The single database client (driver adapter: no Prisma engine binary needed). */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PrismaService.name);

  constructor(private readonly config: AppConfig) {
    super({ adapter: new PrismaBetterSqlite3({ url: config.databaseFile }) });
  }

  async onModuleInit(): Promise<void> {
    if (this.config.migrateOnStart) {
      const r = applyMigrations(this.config.databaseFile, MIGRATIONS_DIR);
      if (r.applied.length) this.logger.log(`Applied migrations: ${r.applied.join(', ')}`);
    }
    await this.$connect();
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }

  /** Liveness of the connection: true when a trivial query succeeds. */
  async ping(): Promise<boolean> {
    try {
      await this.$queryRawUnsafe('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Readiness: the database accepts a write — a real write transaction, committed, that changes
   * nothing (the header's user_version set to its own value). A read-only file, directory or
   * mount, a full disk or a lock held too long all fail it, as they fail logins and history
   * rows; a probe that hangs counts as a failure after `timeoutMs`.
   */
  async writable(timeoutMs = 2000): Promise<{ ok: boolean; detail?: string }> {
    let timer: NodeJS.Timeout | undefined;
    const probe = (async () => {
      const rows = await this.$queryRawUnsafe<{ user_version: number | bigint }[]>('PRAGMA user_version');
      const v = Number(rows[0]?.user_version ?? 0);
      await this.$executeRawUnsafe(`PRAGMA user_version = ${Number.isSafeInteger(v) ? v : 0}`);
      return { ok: true };
    })();
    const late = new Promise<{ ok: boolean; detail: string }>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, detail: `write probe took longer than ${timeoutMs} ms` }), timeoutMs);
    });
    try {
      return await Promise.race([probe, late]);
    } catch (err) {
      return { ok: false, detail: err instanceof Error ? err.message : String(err) };
    } finally {
      clearTimeout(timer);
      probe.catch(() => undefined);
    }
  }
}
