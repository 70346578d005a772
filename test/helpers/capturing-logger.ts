import { Logger, LoggerService } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import * as path from 'node:path';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';
import { loginAs, TestSession } from './auth';

/** Every log line the app writes, kept so that a test can search them (for names, markers). */
export class CapturingLogger implements LoggerService {
  lines: string[] = [];
  private push = (...args: unknown[]) => this.lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a) ?? String(a))).join(' '));
  log = this.push;
  error = this.push;
  warn = this.push;
  debug = this.push;
  verbose = this.push;
  fatal = this.push;
}

export interface LoggedApp {
  app: NestExpressApplication;
  user: TestSession;
  /** the folder of the app's SQLite file, whose every file a test searches afterwards */
  dbDir: string;
}

/**
 * The app on the fake models, logging verbosely into `logs` (its own logger and Nest's static
 * one, so that no line escapes the search), with a logged-in user.
 */
export async function startLoggedApp(logs: CapturingLogger, overrides: Record<string, string> = {}): Promise<LoggedApp> {
  const config = testConfig({ MODELS_DIR: FAKE_MODELS_DIR, LOG_LEVEL: 'verbose', ...overrides });
  const app = await startApp(config);
  app.useLogger(logs);
  Logger.overrideLogger(logs);
  return { app, user: await loginAs(app), dbDir: path.dirname(config.databaseFile) };
}
