import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { authState } from '../accounts/request-user';
import { accountUploadStorage, imageUploadBytesPerAccount, ledgerFor } from '../common/account-upload-storage';
import { ClassifierModule } from '../classifier/classifier.module';
import { AppConfig } from '../config/config.service';
import { InferenceModule } from '../inference/inference.module';
import { HistoryReportsController, ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

/** PDF reports (pdfkit). The re-sent image stays in memory (multer memoryStorage), like uploads. */
@Module({
  imports: [
    ClassifierModule,
    InferenceModule,
    MulterModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        storage: accountUploadStorage(ledgerFor(config, imageUploadBytesPerAccount(config.maxUploadBytes)), (req) => authState(req).user?.id ?? null),
        limits: { fileSize: config.maxUploadBytes, files: 1, fields: 4, parts: 6 },
      }),
    }),
  ],
  controllers: [ReportsController, HistoryReportsController],
  providers: [ReportsService],
  exports: [ReportsService],
})
export class ReportsModule {}
