import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from './config.service';

/** Global so every feature module can inject AppConfig without re-importing. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: AppConfig, useValue: config }],
      exports: [AppConfig],
    };
  }
}
