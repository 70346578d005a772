import { PrismaPg } from '@prisma/adapter-pg';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AppConfig } from '../../src/config/config.service';
import { PrismaClient as SqliteClient } from '../../src/generated/prisma/client';
import { createDatabaseClient, MIGRATIONS_DIR, PG_MIGRATIONS_DIR } from '../../src/prisma/database';
import { readMigrations } from '../../src/prisma/migrator';
import { REPO_ROOT } from '../support/app';

/**
 * DATABASE_URL picks the engine; the PostgreSQL schema and migrations follow the SQLite ones.
 * (That both migration sets build the same tables, columns, indexes and constraints is checked
 * against a real PostgreSQL in test/cluster, which starts one.)
 */
describe('database selection', () => {
  const cfg = (url: string) => AppConfig.fromProcess({ NODE_ENV: 'test', DATABASE_URL: url });

  it('file: → SQLite, postgres(ql):// → PostgreSQL; anything else is refused at start-up', () => {
    expect(cfg('file:/tmp/x.db').databaseKind).toBe('sqlite');
    expect(cfg('postgresql://u@127.0.0.1:5432/db').databaseKind).toBe('postgresql');
    expect(cfg('postgres://u@db/x').databaseKind).toBe('postgresql');
    expect(() => cfg('mysql://u@db/x')).toThrow(/DATABASE_URL/);
    expect(() => AppConfig.fromProcess({ REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/);
    expect(AppConfig.fromProcess({ REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl).toBe('redis://127.0.0.1:6379');
  });

  it('one generated client cannot serve both engines (Prisma 7 checks the adapter), hence two clients', () => {
    const adapter = new PrismaPg({ connectionString: 'postgresql://u@127.0.0.1:1/x' });
    expect(() => new SqliteClient({ adapter } as unknown as ConstructorParameters<typeof SqliteClient>[0])).toThrow(/not compatible with the provider `sqlite`/);
    // the PostgreSQL client is built without connecting (the pool connects on first query)
    const pg = createDatabaseClient(cfg('postgresql://u@127.0.0.1:1/x'));
    expect(typeof pg.analysis.findMany).toBe('function');
  });

  it('prisma/postgresql/schema.prisma is derived from prisma/schema.prisma (same models)', () => {
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts/prisma-schemas.mjs'), '--check']);
    expect(r.stderr.toString()).toBe('');
    expect(r.status).toBe(0);
    const models = (f: string) => fs.readFileSync(f, 'utf8').slice(fs.readFileSync(f, 'utf8').indexOf('model User'));
    expect(models(path.join(REPO_ROOT, 'prisma/postgresql/schema.prisma'))).toBe(models(path.join(REPO_ROOT, 'prisma/schema.prisma')));
  });

  it('the two migration sets are kept in step: same migrations, same order', () => {
    const names = (dir: string) => readMigrations(dir).map((m) => m.name);
    expect(names(PG_MIGRATIONS_DIR)).toEqual(names(MIGRATIONS_DIR));
    expect(names(MIGRATIONS_DIR).length).toBeGreaterThanOrEqual(3);
    expect(fs.readFileSync(path.join(PG_MIGRATIONS_DIR, 'migration_lock.toml'), 'utf8')).toMatch(/provider = "postgresql"/);
  });
});
