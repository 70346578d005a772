import { DynamicModule, Module } from '@nestjs/common';
import { AccountsModule } from './accounts/accounts.module';
import { ClassifierModule } from './classifier/classifier.module';
import { ConfigModule } from './config/config.module';
import { AppConfig } from './config/config.service';
import { HealthModule } from './health/health.module';
import { HistoryModule } from './history/history.module';
import { PrismaModule } from './prisma/prisma.module';
import { RepositoriesModule } from './repositories/repositories.module';
import { ReportsModule } from './reports/reports.module';
import { StudiesModule } from './studies/studies.module';

/**
 * Root module. Built from an already-validated AppConfig so tests can boot the real app with
 * their own settings (temp database, fake models) without touching process.env.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, extraImports: DynamicModule['imports'] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), PrismaModule, RepositoriesModule, AccountsModule, HistoryModule, HealthModule, ClassifierModule, ReportsModule, StudiesModule, ...(extraImports ?? [])],
    };
  }
}
