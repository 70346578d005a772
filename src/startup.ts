import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from './app.setup';
import { READINESS_CHECKS, ReadinessCheck } from './common/readiness';
import { AppConfig } from './config/config.service';
import { MigrationError } from './prisma/migrator';
import { StartupError } from './startup-error';

export { StartupError };

/**
 * The app, initialised and checked, before it listens: the database opened and migrated, the
 * models loaded and checked against their cards, then every readiness check (a committed write,
 * the models) must pass. Anything else is a StartupError naming each problem — `npm start` exits
 * instead of serving 503 to every analysis from a process that looks up (a missing or mismatched
 * model, a database that refuses writes).
 */
export async function initialisedApp(config: AppConfig): Promise<NestExpressApplication> {
  let app: NestExpressApplication | undefined;
  try {
    app = await createApp(config);
    await app.init();
  } catch (err) {
    await app?.close().catch(() => undefined);
    if (err instanceof MigrationError) throw new StartupError(err.message);
    throw err;
  }
  const checks = app.get<ReadinessCheck[]>(READINESS_CHECKS);
  const failed: string[] = [];
  for (const c of checks) {
    const r = await c.check().catch((err: unknown) => ({ ok: false, detail: err instanceof Error ? err.message : String(err) }));
    if (!r.ok) failed.push(`${c.name}: ${r.detail ?? 'not ready'}`);
  }
  if (failed.length) {
    await app.close().catch(() => undefined);
    throw new StartupError(`MRI Sentinel did not start:\n  - ${failed.join('\n  - ')}\n(MODELS_DIR ${config.modelsDir}; DATABASE_URL ${describeDatabase(config)})`);
  }
  return app;
}

/** The SQLite file, or a PostgreSQL URL without its password. */
function describeDatabase(config: AppConfig): string {
  if (config.databaseKind === 'sqlite') return config.databaseFile;
  return config.databaseUrl.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
