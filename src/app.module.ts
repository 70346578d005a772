import { DynamicModule, Module } from '@nestjs/common';
import { ClassifierModule } from './classifier/classifier.module';
import { ConfigModule } from './config/config.module';
import { AppConfig } from './config/config.service';
import { HealthModule } from './health/health.module';
import { PrismaModule } from './prisma/prisma.module';
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
      imports: [ConfigModule.forRoot(config), PrismaModule, HealthModule, ClassifierModule, StudiesModule, ...(extraImports ?? [])],
    };
  }
}
