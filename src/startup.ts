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

/** Why a listen failed, in the words an operator acts on (Node's own error is a stack trace). */
const LISTEN_REASONS: Record<string, (where: string, c: AppConfig) => string> = {
  EADDRINUSE: (where) => `${where} is already in use by another process (EADDRINUSE): stop that process or set PORT`,
  EACCES: (where, c) => `not allowed to listen on ${where} (EACCES)${c.port < 1024 ? ': ports below 1024 need privileges; set PORT to 1024 or above' : ''}`,
  EADDRNOTAVAIL: (where, c) => `HOST ${c.host} is not an address of this machine (EADDRNOTAVAIL): set HOST to one of its addresses, or 0.0.0.0 for all`,
  ENOTFOUND: (where, c) => `HOST ${c.host} does not resolve to an address (ENOTFOUND): set HOST to an address or a known name`,
  EAI_AGAIN: (where, c) => `HOST ${c.host} could not be resolved (EAI_AGAIN): set HOST to an address`,
};

/**
 * app.listen on PORT/HOST. A port held by another process, a HOST that is not this machine's
 * or does not resolve: a StartupError naming the setting, after the app (workers, database) is
 * closed. Before, the rejection escaped bootstrap() as an unhandled error: a Node stack trace and
 * exit code 1, with the workers and the database never closed.
 */
export async function listen(app: NestExpressApplication, config: AppConfig): Promise<void> {
  try {
    await app.listen(config.port, config.host);
  } catch (err) {
    await app.close().catch(() => undefined);
    const code = (err as { code?: unknown } | null)?.code;
    const where = `${config.host}:${config.port}`;
    const reason = typeof code === 'string' && LISTEN_REASONS[code] ? LISTEN_REASONS[code](where, config) : `could not listen on ${where}: ${err instanceof Error ? err.message : String(err)}`;
    throw new StartupError(`MRI Sentinel did not start: ${reason}.`);
  }
}
