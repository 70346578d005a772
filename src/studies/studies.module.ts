import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { ClassifierModule } from '../classifier/classifier.module';
import { AppConfig } from '../config/config.service';
import { InferenceModule } from '../inference/inference.module';
import { memoryStudyStorage } from './memory-study-storage';
import { StudiesController } from './studies.controller';
import { StudyService } from './study.service';

/**
 * Whole studies (issue 6). Uploads stay in memory; the study limit is enforced while the
 * request streams in (memoryStudyStorage) and again while archives are inflated.
 */
@Module({
  imports: [
    ClassifierModule,
    InferenceModule,
    MulterModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        storage: memoryStudyStorage(config.studyMaxBytes),
        limits: { fileSize: config.studyMaxBytes, files: config.studyMaxSlices, fields: 8, parts: config.studyMaxSlices + 8 },
      }),
    }),
  ],
  controllers: [StudiesController],
  providers: [StudyService],
  exports: [StudyService],
})
export class StudiesModule {}
