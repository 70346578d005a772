import { DynamicModule } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createApp } from '../../src/app.setup';
import { AppConfig } from '../../src/config/config.service';

/** Repo root and the shared folder beside it (samples are read at test time, never committed). */
export const REPO_ROOT = path.resolve(__dirname, '../..');
export const SHARED_DIR = path.resolve(REPO_ROOT, '../shared');
export const SAMPLES_DIR = path.join(SHARED_DIR, 'samples');

export function tempDir(prefix = 'sentinel-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A config for tests: fresh SQLite file in a temp folder, quiet logs, given overrides. */
export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  const dir = tempDir();
  return AppConfig.fromProcess({
    NODE_ENV: 'test',
    DATABASE_URL: `file:${path.join(dir, 'test.db')}`,
    MODELS_DIR: path.join(REPO_ROOT, 'models'),
    SAMPLES_DIR,
    LOG_LEVEL: 'error',
    ...overrides,
  });
}

export const FAKE_MODELS_DIR = path.join(REPO_ROOT, 'test/fixtures/fake-models');

export async function startApp(config: AppConfig, extraImports: DynamicModule['imports'] = []): Promise<NestExpressApplication> {
  const app = await createApp(config, extraImports);
  await app.init();
  return app;
}
