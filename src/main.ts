import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigValidationError } from './config/config.schema';
import { SHUTDOWN_GRACE_MS } from './common/http-drain';
import { AppConfig } from './config/config.service';
import { initialisedApp, StartupError } from './startup';

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
  exitWithin(SHUTDOWN_GRACE_MS);
  await app.listen(config.port, config.host);
  new Logger('Bootstrap').log(`MRI Sentinel listening on http://localhost:${config.port} (research use only)`);
}

/**
 * Nest's shutdown hooks drain the HTTP server (common/http-drain.ts), close everything and then
 * re-raise the signal; if anything hangs (a stuck database write, a worker that does not stop),
 * this deadline still ends the process, so an orchestrator's SIGTERM is never ignored. Unref'd:
 * it never keeps a finished process alive.
 */
function exitWithin(ms: number): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      new Logger('Bootstrap').log(`${signal}: shutting down`);
      setTimeout(() => {
        console.error(`Shutdown did not finish within ${ms} ms; exiting.`);
        process.exit(1);
      }, ms).unref();
    });
  }
}

void bootstrap();
