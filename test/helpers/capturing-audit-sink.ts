import type { AuditLevel, AuditSink } from '../../src/audit/audit-log.service';

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
