import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from './app.setup';
import { READINESS_CHECKS, ReadinessCheck } from './common/readiness';
import { AppConfig } from './config/config.service';
import { describeDatabase } from './prisma/database';
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
    // a start-up query the database refused (seeding the first admin on a read-only or damaged
    // file): Prisma's message is a dozen lines quoting our source; its last line is the reason
    if (err instanceof Error && err.name.startsWith('PrismaClient')) {
      const reason = err.message.split('\n').map((l) => l.trim()).filter(Boolean).pop() ?? err.name;
      throw new StartupError(`MRI Sentinel did not start: the database ${describeDatabase(config)} refused a start-up query: ${reason}`);
    }
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
