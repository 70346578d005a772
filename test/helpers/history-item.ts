import type { HistoryItem } from '../../src/history/history.service';

/**
 * A history record of an image refused as "not an MRI" at the MRI check (triage 4.2.0 under a 0.6
 * threshold), built in code for the pages and PDFs that state it; a test overrides what it varies.
 */
export function notMriRecord(over: Partial<HistoryItem> = {}): HistoryItem {
  return {
    id: '00000000-0000-4000-8000-0000000000aa',
    createdAt: '2026-12-05T12:00:00.000Z',
    userId: 'u',
    userEmail: 'a@example.org',
    fileType: 'jpeg',
    byteSize: 1000,
    width: 256,
    height: 256,
    sha256: 'b'.repeat(64),
    status: 'rejected',
    stage: 'modality',
    code: 'NOT_MRI',
    anatomy: null,
    anatomyConfidence: null,
    isMri: false,
    mriConfidence: 0.01,
    task: 'triage',
    label: null,
    confidence: null,
    probabilities: null,
    modelVersions: { triage: '4.2.0' },
    timingsMs: { total: 3 },
    thresholds: { triage: 0.6 },
    study: null,
    refusal: null,
    ...over,
  };
}
