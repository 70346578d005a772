import type { AnalysisRecord } from '../../src/classifier/analysis-result';

/**
 * A completed brain-tumour analysis as HistoryService.record() stores it (a glioma, 256 × 256
 * PNG), for the specs that seed the history directly instead of running the models; a test
 * overrides what it varies (status, label, anatomy…).
 */
export function analysisRecord(userId: string, over: Partial<AnalysisRecord> = {}): AnalysisRecord {
  return {
    userId, fileType: 'png', byteSize: 1000, width: 256, height: 256, sha256: 'a'.repeat(64),
    status: 'completed', stage: 'diagnosis', code: null, anatomy: 'brain', anatomyConfidence: 0.9,
    isMri: true, mriConfidence: 0.99, task: 'brain_tumor', label: 'glioma', confidence: 0.9,
    probabilities: null, modelVersions: null, timingsMs: null, thresholds: {},
    ...over,
  };
}
