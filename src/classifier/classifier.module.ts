import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { authState } from '../accounts/request-user';
import { accountUploadStorage, imageUploadBytesPerAccount, ledgerFor } from '../common/account-upload-storage';
import { AppConfig } from '../config/config.service';
import { InferenceModule } from '../inference/inference.module';
import { AnalysesController } from './analyses.controller';
import { AnalysisService } from './analysis.service';
import { ModelCardsController } from './model-cards.controller';
import { PagesController } from './pages.controller';
import { SamplesService } from './samples.service';

/**
 * Uploads → AnalysisService. Multer keeps the upload in memory only and aborts it at
 * MAX_UPLOAD_BYTES (413) instead of buffering the rest: no image byte is written anywhere.
 */
@Module({
  imports: [
    InferenceModule,
    MulterModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        storage: accountUploadStorage(ledgerFor(config, imageUploadBytesPerAccount(config.maxUploadBytes)), (req) => authState(req).user?.id ?? null),
        limits: { fileSize: config.maxUploadBytes, files: 1, fields: 8, parts: 10 },
      }),
    }),
  ],
  controllers: [AnalysesController, PagesController, ModelCardsController],
  providers: [AnalysisService, SamplesService],
  exports: [AnalysisService],
})
export class ClassifierModule {}
