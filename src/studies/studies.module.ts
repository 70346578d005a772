import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { UPLOAD_FIELD_BYTES } from '../common/account-upload-storage';
import { ClassifierModule } from '../classifier/classifier.module';
import { AppConfig } from '../config/config.service';
import { InferenceModule } from '../inference/inference.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { authState } from '../accounts/request-user';
import { HEADER_POOL_OPTIONS, HeaderPool, HeaderPoolOptions } from './header-pool';
import { memoryStudyStorage } from './memory-study-storage';
import { StudiesController } from './studies.controller';
import { StudyHistoryRecorder } from './study-history.recorder';
import { STUDY_RECORDER } from './study-result';
import { StudyService } from './study.service';

/**
 * Whole studies (issue 6). Uploads stay in memory; the study limit is enforced while the
 * request streams in (memoryStudyStorage) and again while archives are inflated.
 */
@Module({
  imports: [
    ClassifierModule,
    InferenceModule,
    IdempotencyModule,
    MulterModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        storage: memoryStudyStorage(config.studyMaxBytes, config.studyMaxSlices, config.studyMaxInFlightBytes, (req) => authState(req).user?.id ?? null),
        limits: { fileSize: config.studyMaxBytes, files: config.studyMaxSlices + 1, fields: 8, parts: config.studyMaxSlices + 9, fieldSize: UPLOAD_FIELD_BYTES },
      }),
    }),
  ],
  controllers: [StudiesController],
  // history: one row per study in the Analysis table (PrismaModule is global)
  providers: [
    StudyService,
    { provide: STUDY_RECORDER, useClass: StudyHistoryRecorder },
    // the app's header workers, kept warm HEADER_WORKER_IDLE_MS and ended with it (onModuleDestroy)
    {
      provide: HeaderPool,
      inject: [AppConfig, { token: HEADER_POOL_OPTIONS, optional: true }],
      useFactory: (config: AppConfig, given?: Partial<HeaderPoolOptions>) => new HeaderPool({ idleMs: config.headerWorkerIdleMs, ...given }),
    },
  ],
  exports: [StudyService],
})
export class StudiesModule {}
