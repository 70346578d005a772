import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigValidationError } from './config/config.schema';
import { closeOnSignal } from './common/close-on-signal';
import { FallThroughExpressAdapter } from './common/fall-through.adapter';
import { SHUTDOWN_GRACE_MS } from './common/http-drain';
import { AppConfig } from './config/config.service';
import { ShutdownState } from './health/shutdown-state';
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
  const shutdown = app.get(ShutdownState);
  closeOnSignal(
    {
      notReady: () => shutdown.begin(),
      close: async () => {
        await app.close();
        const adapter = app.getHttpAdapter();
        return adapter instanceof FallThroughExpressAdapter ? adapter.cutOff : 0;
      },
    },
    { delayMs: config.shutdownDelayMs, graceMs: SHUTDOWN_GRACE_MS, exit: (code) => process.exit(code) },
  );
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

void bootstrap();
