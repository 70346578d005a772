import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import type { AuthUser } from '../accounts/roles';
import { requestIdOf } from '../common/request-id';
import { AuditEvent, AuditEventName, AuditFields, formatAuditEvent } from './audit-event';

/** Refusals are warnings (LOG_LEVEL=warn keeps them); successes and the access log are plain log lines. */
export type AuditLevel = 'log' | 'warn';

/** Where the lines go: the app's logger by default; tests hand createApp one that keeps them. */
export interface AuditSink {
  write(level: AuditLevel, line: string): void;
}

export const AUDIT_SINK = Symbol('AUDIT_SINK');

/**
 * Through Nest's Logger, context "Audit": the lines land where the app's other log lines do
 * (stdout; warnings as Nest writes them) and follow LOG_LEVEL and whatever logger the app uses.
 */
export class NestLoggerAuditSink implements AuditSink {
  private readonly logger = new Logger('Audit');

  write(level: AuditLevel, line: string): void {
    if (level === 'warn') this.logger.warn(line);
    else this.logger.log(line);
  }
}

const WARN_EVENTS: ReadonlySet<AuditEventName> = new Set(['login.failure', 'password.change.failure', 'csrf.failure', 'access.denied']);

/** The user fields of an event: who acted. */
export function actor(user: AuthUser | undefined): Pick<AuditFields, 'userId' | 'username'> {
  return user ? { userId: user.id, username: user.email } : {};
}

/** The fields a request gives every event of it; the formatter drops the query string. */
type RequestFields = 'ip' | 'method' | 'path' | 'requestId';

/**
 * The security audit log (README "Audit log"): one JSON line per event, written by
 * formatAuditEvent, which takes only known fields — callers pass ids and emails, never a secret.
 */
@Injectable()
export class AuditLog {
  constructor(@Inject(AUDIT_SINK) private readonly sink: AuditSink) {}

  /** An event of this request: its client IP (Express' req.ip, which honours TRUST_PROXY), method, path and id. */
  record(req: Request, event: AuditEventName, fields: Omit<AuditFields, RequestFields> = {}): void {
    this.write({ event, ...fields, ip: req.ip, method: req.method, path: req.originalUrl, requestId: requestIdOf(req) });
  }

  write(e: AuditEvent): void {
    this.sink.write(WARN_EVENTS.has(e.event) ? 'warn' : 'log', formatAuditEvent(e));
  }
}
