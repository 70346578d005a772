import { Global, Module } from '@nestjs/common';
import { AnalysisRepository } from './analysis.repository';
import { IdempotencyKeyRepository } from './idempotency-key.repository';
import { SessionRepository } from './session.repository';
import { UserRepository } from './user.repository';

/** Each table behind one repository; services depend on these, never on PrismaService. */
@Global()
@Module({
  providers: [AnalysisRepository, UserRepository, SessionRepository, IdempotencyKeyRepository],
  exports: [AnalysisRepository, UserRepository, SessionRepository, IdempotencyKeyRepository],
})
export class RepositoriesModule {}
