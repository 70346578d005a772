import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { imageUploadOptions, UploadLedger, UploadsModule } from '../common/account-upload-storage';
import { AppConfig } from '../config/config.service';
import { AccountsModule } from '../accounts/accounts.module';
import { InferenceModule } from '../inference/inference.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { AnalyseFormController } from './analyse-form.controller';
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
    IdempotencyModule,
    // the form without JavaScript (AnalyseFormController): its interceptor needs the CSRF signer and the upload ledger
    AccountsModule,
    UploadsModule,
    MulterModule.registerAsync({
      imports: [UploadsModule],
      inject: [AppConfig, UploadLedger],
      useFactory: (config: AppConfig, ledger: UploadLedger) => imageUploadOptions(config, ledger, { fields: 8, parts: 10 }),
    }),
  ],
  controllers: [AnalysesController, AnalyseFormController, PagesController, ModelCardsController],
  providers: [AnalysisService, SamplesService],
  exports: [AnalysisService],
})
export class ClassifierModule {}
