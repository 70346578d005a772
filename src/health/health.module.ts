import { Module } from '@nestjs/common';
import { InferenceModule } from '../inference/inference.module';
import { ModelRegistry } from '../inference/model-registry.service';
import { READINESS_CHECKS, ReadinessCheck } from '../common/readiness';
import { PrismaService } from '../prisma/prisma.service';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { ShutdownState } from './shutdown-state';

@Module({
  imports: [InferenceModule],
  controllers: [HealthController],
  providers: [
    HealthService,
    ShutdownState,
    {
      provide: READINESS_CHECKS,
      inject: [PrismaService, ModelRegistry],
      useFactory: (prisma: PrismaService, models: ModelRegistry): ReadinessCheck[] => [
        { name: 'database', check: () => prisma.writable() },
        models,
      ],
    },
  ],
})
export class HealthModule {}
