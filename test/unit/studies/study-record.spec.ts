import { refusedRecord } from '../../../src/studies/study-record';

describe('refusedRecord', () => {
  it("a study refused for its files: stage 'file', the code, who and which bytes, nothing else (no fileType key: a study has a format)", () => {
    expect(refusedRecord({ userId: 'u1' }, 1234, 'ab'.repeat(32), 'MIXED_SERIES')).toStrictEqual({
      userId: 'u1',
      kind: 'study',
      format: null,
      modality: null,
      seriesDescription: null,
      sliceCount: null,
      usableSlices: null,
      width: null,
      height: null,
      spacing: null,
      rule: null, // no slice was analysed: no study rule decided it
      gaps: null, // nor were its positions read: not recorded, never "none missing"
      volumes: null, // nor were its volumes counted
      window: null, // nor a pixel drawn: not recorded, never "header"
      unevenSteps: null, // nor its positions, nor its copies: not known, nothing said
      copiesDropped: null,
      byteSize: 1234,
      sha256: 'ab'.repeat(32),
      status: 'rejected',
      stage: 'file',
      code: 'MIXED_SERIES',
      anatomy: null,
      anatomyConfidence: null,
      isMri: null,
      mriConfidence: null,
      task: null,
      label: null,
      confidence: null,
      probabilities: null,
      modelVersions: null,
      timingsMs: null,
      thresholds: {},
      refusal: { cause: 'file_check', figures: {} }, // the file checks refused it; its code says which
    });
    expect(refusedRecord({}, 0, '', 'CORRUPT_IMAGE').userId).toBeNull();
  });
});
