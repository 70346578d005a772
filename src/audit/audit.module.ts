import { DynamicModule, Global, Module } from '@nestjs/common';
import { AUDIT_SINK, AuditLog, AuditSink, JsonLinesAuditSink } from './audit-log.service';

/** Global: the guards, the upload interceptor and the accounts controllers all write to it. */
@Global()
@Module({})
export class AuditModule {
  static forRoot(sink: AuditSink = new JsonLinesAuditSink()): DynamicModule {
    return {
      module: AuditModule,
      providers: [{ provide: AUDIT_SINK, useValue: sink }, AuditLog],
      exports: [AuditLog],
    };
  }
}
