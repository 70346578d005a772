import { Global, Module } from '@nestjs/common';
import { ANALYSIS_RECORDER } from '../classifier/analysis-result';
import { InferenceModule } from '../inference/inference.module';
import { AccountsModule } from '../accounts/accounts.module';
import { HistoryController } from './history.controller';
import { HistoryService } from './history.service';
import { FilterVocabulary } from './filter-vocabulary';

/** Global so that AnalysisService (classifier) finds the ANALYSIS_RECORDER hook. */
@Global()
@Module({
  // the loaded model cards, for the experimental caveat on a history detail page
  // and the sessions, which the CSV export resolves again between batches (export-access.ts)
  imports: [InferenceModule, AccountsModule],
  controllers: [HistoryController],
  providers: [HistoryService, FilterVocabulary, { provide: ANALYSIS_RECORDER, useExisting: HistoryService }],
  exports: [HistoryService, ANALYSIS_RECORDER],
})
export class HistoryModule {}
