import { DynamicModule, Global, Module } from '@nestjs/common';
import { AUDIT_SINK, AuditLog, AuditSink, NestLoggerAuditSink } from './audit-log.service';

/** Global: the guards, the upload interceptor and the accounts controllers all write to it. */
@Global()
@Module({})
export class AuditModule {
  static forRoot(sink: AuditSink = new NestLoggerAuditSink()): DynamicModule {
    return {
      module: AuditModule,
      providers: [{ provide: AUDIT_SINK, useValue: sink }, AuditLog],
      exports: [AuditLog],
    };
  }
}
