import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { imageUploadOptions, UploadLedger, UploadsModule } from '../common/account-upload-storage';
import { ClassifierModule } from '../classifier/classifier.module';
import { AppConfig } from '../config/config.service';
import { InferenceModule } from '../inference/inference.module';
import { HistoryReportsController, ReportsController } from './reports.controller';
import { ReportFonts } from './report-fonts';
import { ReportsService } from './reports.service';

/** PDF reports (pdfkit). The re-sent image stays in memory (multer memoryStorage), like uploads. */
@Module({
  imports: [
    ClassifierModule,
    InferenceModule,
    MulterModule.registerAsync({
      imports: [UploadsModule],
      inject: [AppConfig, UploadLedger],
      useFactory: (config: AppConfig, ledger: UploadLedger) => imageUploadOptions(config, ledger, { fields: 4, parts: 6 }),
    }),
  ],
  controllers: [ReportsController, HistoryReportsController],
  // the report font, read once at start-up; a missing one stops the start-up (report-fonts.ts)
  providers: [ReportsService, { provide: ReportFonts, useFactory: () => ReportFonts.load() }],
  exports: [ReportsService],
})
export class ReportsModule {}
