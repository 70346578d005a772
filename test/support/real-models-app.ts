import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { loginAs, TestSession } from '../helpers/auth';
import { startApp, testConfig } from './app';

/**
 * The app with the committed models (testConfig's default MODELS_DIR), an admin signed in, and its
 * models loaded: /readyz answers 200 before any case runs, so a case never fails for a model that
 * was still loading. The analyses limit is raised: these suites send more than a user would.
 */
export async function startRealModelsApp(): Promise<{ app: NestExpressApplication; auth: TestSession }> {
  const app = await startApp(testConfig({ RATE_LIMIT_ANALYSES_PER_MINUTE: '1000' }));
  const auth = await loginAs(app);
  const ready = await request(app.getHttpServer()).get('/readyz');
  if (ready.status !== 200) throw new Error(`models not ready: ${JSON.stringify(ready.body)}`);
  return { app, auth };
}
