import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigValidationError } from './config/config.schema';
import { SHUTDOWN_GRACE_MS } from './common/http-drain';
import { AppConfig } from './config/config.service';
import { PrismaService } from './prisma/prisma.service';
import { StoredDescriptionRepository } from './repositories/stored-description.repository';
import { initialisedApp, listen, StartupError } from './startup';
import { staleDescriptionsWarning } from './studies/rescrub-descriptions';

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = AppConfig.fromProcess();
  } catch (err) {
    // Fail fast and readably on a bad environment, before anything starts.
    console.error(err instanceof ConfigValidationError ? err.message : err);
    process.exit(1);
  }
  let app: Awaited<ReturnType<typeof initialisedApp>>;
  try {
    app = await initialisedApp(config);
  } catch (err) {
    // A database or models that do not work stop the process here, with the reason, rather than
    // a server that is up and answers 503 to every analysis.
    console.error(err instanceof StartupError ? err.message : err);
    process.exit(1);
  }
  closeOnSignal(app, SHUTDOWN_GRACE_MS);
  try {
    await listen(app, config);
  } catch (err) {
    // a port in use, a HOST that is not this machine's: named, the app already closed
    console.error(err instanceof StartupError ? err.message : err);
    process.exit(1);
  }
  const logger = new Logger('Bootstrap');
  logger.log(`MRI Sentinel listening on http://localhost:${config.port} (research use only)`);
  // after listen, not awaited: a bounded dry run (STARTUP_CHECK_ROWS) that never holds the start or a request
  staleDescriptionsWarning(new StoredDescriptionRepository(app.get(PrismaService))).then(
    (warning) => warning && logger.warn(warning),
    (err: unknown) => logger.warn(`Stored series descriptions not checked against today's de-identification rules: ${err instanceof Error ? err.message : String(err)}`),
  );
}

/** Ctrl-C, an orchestrator's or systemd's stop, a closed terminal: each ends the service gracefully. */
const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/**
 * app.close() drains the HTTP server (common/http-drain.ts), then Nest's hooks close the inference
 * workers, the prepare pool and the database; a shutdown that got that far exits 0, as a stop the
 * operator asked for is not a failure. Nest's own enableShutdownHooks() re-raised the signal
 * instead, so every clean stop ended "killed by SIGTERM" (143; `npm start` then reported an error).
 * If anything hangs (a stuck database write, a worker that does not stop), the deadline still ends
 * the process with exit code 1, so a stop is never ignored. A second signal during the close
 * changes nothing: the deadline stays the bound. Unref'd: it never keeps a finished process alive.
 */
function closeOnSignal(app: NestExpressApplication, ms: number): void {
  const logger = new Logger('Bootstrap');
  let closing = false;
  const close = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    logger.log(`${signal}: shutting down`);
    setTimeout(() => {
      console.error(`Shutdown did not finish within ${ms} ms; exiting.`);
      process.exit(1);
    }, ms).unref();
    app.close().then(
      () => {
        logger.log('Shut down: requests answered, workers and database closed.');
        process.exit(0);
      },
      (err: unknown) => {
        console.error('Shutdown failed:', err);
        process.exit(1);
      },
    );
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, close);
}

void bootstrap();
