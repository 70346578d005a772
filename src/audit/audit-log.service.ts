import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { AuthUser } from '../accounts/roles';
import { requestIdOf } from '../common/request-id';
import { AuditEvent, AuditEventName, AuditFields, formatAuditEvent } from './audit-event';

/**
 * Refusals are warnings, the rest plain lines: for a sink that keeps levels (the tests' one). The
 * default sink writes every line whatever its level: the event name says what happened.
 */
export type AuditLevel = 'log' | 'warn';

/** Where the lines go: stdout by default; tests hand createApp one that keeps them. */
export interface AuditSink {
  write(level: AuditLevel, line: string): void;
}

export const AUDIT_SINK = Symbol('AUDIT_SINK');

/**
 * One bare JSON object per line on a stream (stdout by default), whatever LOG_LEVEL says: security
 * events are kept when the app's own chatter is turned down (through Nest's Logger, LOG_LEVEL=error
 * dropped every one). No "[Nest] pid - … LOG [Audit]" prefix: a log shipper parses a line that
 * starts with "{" as it stands. One write per line, so lines of concurrent requests never mix.
 */
export class JsonLinesAuditSink implements AuditSink {
  constructor(private readonly out: Pick<NodeJS.WritableStream, 'write'> = process.stdout) {}

  write(_level: AuditLevel, line: string): void {
    this.out.write(`${line}\n`);
  }
}

const WARN_EVENTS: ReadonlySet<AuditEventName> = new Set([
  'login.failure',
  'logout.failure',
  'token.revoke.failure',
  'password.change.failure',
  'admin.user.refused',
  'csrf.failure',
  'access.denied',
  'rate_limited',
]);

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
    this.write(this.event(req, event, fields));
  }

  /** The event `record` would write, for a caller that decides whether to (RefusalDigest). */
  event(req: Request, event: AuditEventName, fields: Omit<AuditFields, RequestFields> = {}): AuditEvent {
    return { event, ...fields, ip: req.ip, method: req.method, path: req.originalUrl, requestId: requestIdOf(req) };
  }

  write(e: AuditEvent): void {
    this.sink.write(WARN_EVENTS.has(e.event) ? 'warn' : 'log', formatAuditEvent(e));
  }
}
