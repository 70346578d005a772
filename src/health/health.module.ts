import { Module } from '@nestjs/common';
import { READINESS_CHECKS, ReadinessCheck } from '../common/readiness';
import { PrismaService } from '../prisma/prisma.service';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

@Module({
  controllers: [HealthController],
  providers: [
    HealthService,
    {
      provide: READINESS_CHECKS,
      inject: [PrismaService],
      useFactory: (prisma: PrismaService): ReadinessCheck[] => [
        { name: 'database', check: async () => ({ ok: await prisma.ping() }) },
      ],
    },
  ],
})
export class HealthModule {}
