import { DynamicModule } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AppOptions } from '../../src/app.module';
import { createApp } from '../../src/app.setup';
import type { AuditSink } from '../../src/audit/audit-log.service';
import { AppConfig } from '../../src/config/config.service';

/** Repo root and the shared folder beside it (samples are read at test time, never committed). */
export const REPO_ROOT = path.resolve(__dirname, '../..');
export const SHARED_DIR = path.resolve(REPO_ROOT, '../shared');
export const SAMPLES_DIR = path.join(SHARED_DIR, 'samples');

export function tempDir(prefix = 'sentinel-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * A config for tests: fresh SQLite file in a temp folder, quiet logs, given overrides. Passwords
 * are hashed at the cheap test cost (accounts/password.ts TEST_COST): at the standard cost scrypt
 * was half of the account suites' time; test/e2e/password-hash-cost.e2e.spec.ts checks the default.
 */
export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  const dir = tempDir();
  return AppConfig.fromProcess({
    NODE_ENV: 'test',
    PASSWORD_HASH_COST: 'test',
    DATABASE_URL: `file:${path.join(dir, 'test.db')}`,
    MODELS_DIR: path.join(REPO_ROOT, 'models'),
    SAMPLES_DIR,
    LOG_LEVEL: 'error',
    ...overrides,
  });
}

export const FAKE_MODELS_DIR = path.join(REPO_ROOT, 'test/fixtures/fake-models');

/** Audit lines go nowhere by default: the tests' LOG_LEVEL 'error' keeps their output readable, and
 * the audit log writes whatever the level. Suites about those lines pass their own sink. */
const DISCARD_AUDIT: AuditSink = { write: () => undefined };

export async function startApp(config: AppConfig, extraImports: DynamicModule['imports'] = [], options: AppOptions = {}): Promise<NestExpressApplication> {
  const app = await createApp(config, extraImports, { auditSink: DISCARD_AUDIT, ...options });
  await app.init();
  return app;
}
