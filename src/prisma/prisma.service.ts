import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/config.service';
import { createDatabaseClient, Db, migrateDatabase } from './database';

export { MIGRATIONS_DIR, PG_MIGRATIONS_DIR } from './database';

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

  constructor(private readonly config: AppConfig) {
    this.client = createDatabaseClient(config);
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
  get $queryRawUnsafe(): Db['$queryRawUnsafe'] {
    return this.client.$queryRawUnsafe.bind(this.client);
  }
  get $executeRawUnsafe(): Db['$executeRawUnsafe'] {
    return this.client.$executeRawUnsafe.bind(this.client);
  }

  async onModuleInit(): Promise<void> {
    if (this.config.migrateOnStart) {
      const r = await migrateDatabase(this.config);
      if (r.applied.length) this.logger.log(`Applied migrations (${this.config.databaseKind}): ${r.applied.join(', ')}`);
    }
    await this.client.$connect();
  }

  async onModuleDestroy(): Promise<void> {
    await this.client.$disconnect();
  }

  async $disconnect(): Promise<void> {
    await this.client.$disconnect();
  }

  /** Readiness probe: true when a trivial query succeeds. */
  async ping(): Promise<boolean> {
    try {
      await this.client.$queryRawUnsafe('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }
}
