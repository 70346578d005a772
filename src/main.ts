import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.setup';
import { ConfigValidationError } from './config/config.schema';
import { AppConfig } from './config/config.service';

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = AppConfig.fromProcess();
  } catch (err) {
    // Fail fast and readably on a bad environment, before anything starts.
    console.error(err instanceof ConfigValidationError ? err.message : err);
    process.exit(1);
  }
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  new Logger('Bootstrap').log(`MRI Sentinel listening on http://localhost:${config.port} (research use only)`);
}

void bootstrap();
