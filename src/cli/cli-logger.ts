import { ConsoleLogger, Logger, LogLevel } from '@nestjs/common';
import type { AppConfig } from '../config/config.service';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/**
 * Nest's console logger with every level on stderr. Its default writes log and warn lines to stdout,
 * where the commands put their results: `user:create` printed "Applied migrations …" between nothing
 * and the "Created …" / password lines a script reads, and a warning from `evaluate` (no --out) would
 * land between its JSON lines. The commands' rule: logs to stderr, results to stdout.
 */
export class StderrLogger extends ConsoleLogger {
  protected override printMessages(
    messages: unknown[],
    context?: string,
    logLevel?: LogLevel,
    _writeStreamType?: 'stdout' | 'stderr',
    errorStack?: unknown,
    params?: Record<string, unknown>,
  ): void {
    super.printMessages(messages, context, logLevel, 'stderr', errorStack, params);
  }
}

/** A stderr logger showing the levels up to `upTo` (LOG_LEVEL), as the server shows them. */
export function stderrLogger(upTo: AppConfig['logLevel']): StderrLogger {
  return new StderrLogger({ logLevels: LEVELS.slice(0, LEVELS.indexOf(upTo) + 1) });
}

/** For a command that uses services outside a Nest context (PrismaService's Logger): their logs go to stderr. */
export function logToStderr(config: AppConfig): void {
  Logger.overrideLogger(stderrLogger(config.logLevel));
}
