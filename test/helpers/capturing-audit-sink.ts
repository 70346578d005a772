import { NestExpressApplication } from '@nestjs/platform-express';
import type { AppOptions } from '../../src/app.module';
import type { AuditLevel, AuditSink } from '../../src/audit/audit-log.service';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';

export interface AuditRecord {
  event: string;
  [field: string]: unknown;
}

/** The audit log's lines kept in memory, as the app would have written them (createApp's `auditSink`). */
export class CapturingAuditSink implements AuditSink {
  readonly lines: { level: AuditLevel; line: string }[] = [];

  write(level: AuditLevel, line: string): void {
    this.lines.push({ level, line });
  }

  /** Every line parsed; a line that is not one JSON object fails here. */
  events(name?: string): AuditRecord[] {
    const all = this.lines.map((l) => JSON.parse(l.line) as AuditRecord);
    return name ? all.filter((e) => e.event === name) : all;
  }

  clear(): void {
    this.lines.length = 0;
  }
}

/**
 * The app (fake models) writing its audit log to `sink`, as useApp's options (add `sessions`).
 * TRUST_PROXY=1: the client IP is the X-Forwarded-For each test sets, as behind one proxy.
 */
export function auditedApp(sink: CapturingAuditSink, env: Record<string, string> = {}): { env: Record<string, string>; appOptions: AppOptions } {
  return { env: { MODELS_DIR: FAKE_MODELS_DIR, TRUST_PROXY: '1', ...env }, appOptions: { auditSink: sink } };
}

/** The same app started by hand, for a test that needs one of its own beside the describe's. */
export async function bootAudited(sink: CapturingAuditSink, env: Record<string, string> = {}): Promise<NestExpressApplication> {
  const options = auditedApp(sink, env);
  return startApp(testConfig(options.env), [], options.appOptions);
}
