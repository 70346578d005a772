import { DynamicModule, Module } from '@nestjs/common';
import { AccountsModule } from './accounts/accounts.module';
import { AuditSink } from './audit/audit-log.service';
import { AuditModule } from './audit/audit.module';
import { ClassifierModule } from './classifier/classifier.module';
import { ConfigModule } from './config/config.module';
import { AppConfig } from './config/config.service';
import { HealthModule } from './health/health.module';
import { HistoryModule } from './history/history.module';
import { PrismaModule } from './prisma/prisma.module';
import { RepositoriesModule } from './repositories/repositories.module';
import { ReportsModule } from './reports/reports.module';
import { StudiesModule } from './studies/studies.module';

/** What a caller of createApp may hand the app besides its config. */
export interface AppOptions {
  /** where the audit log's lines go (default: bare JSON lines on stdout, whatever LOG_LEVEL says); tests keep them */
  auditSink?: AuditSink;
}

/**
 * Root module. Built from an already-validated AppConfig so tests can boot the real app with
 * their own settings (temp database, fake models) without touching process.env.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, extraImports: DynamicModule['imports'] = [], options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), AuditModule.forRoot(options.auditSink), PrismaModule, RepositoriesModule, AccountsModule, HistoryModule, HealthModule, ClassifierModule, ReportsModule, StudiesModule, ...(extraImports ?? [])],
    };
  }
}
