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

  /** Readiness probe: true when a trivial query succeeds. */
  async ping(): Promise<boolean> {
    try {
      await this.$queryRawUnsafe('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }
}
