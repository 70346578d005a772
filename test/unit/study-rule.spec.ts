import type { HistoryItem } from '../../src/history/history.service';
import { STUDY_RULE_NOT_RECORDED, studyRuleLine } from '../../src/presentation/history.view';
import { toItem, toRow } from '../../src/repositories/analysis.repository';
import { emptyRecord } from '../../src/classifier/analysis-result';
import { ruleEntries, splitStoredThresholds } from '../../src/studies/study-rule';

/**
 * A study's rule (STUDY_AGREEMENT, STUDY_MIN_USABLE_SLICES as it was decided under) is stored inside
 * the record's thresholds JSON under keys no model name can take; read back it is split out, so the
 * API's `thresholds` stays model name → threshold, and a row without it reads "not recorded".
 */
const study = (over: Partial<NonNullable<HistoryItem['study']>> = {}) => ({ modality: 'MR', seriesDescription: null, sliceCount: 8, usableSlices: 8, spacing: null, rule: null, ...over });

describe('the study rule stored with a record', () => {
  it('round-trips through the row beside the models\' thresholds, which stay as they were', () => {
    const record = { ...emptyRecord({}, 'f'.repeat(64), 1, null), thresholds: { triage: 0.6, brain_tumor: 0.6 } };
    const row = toRow(record, { ...study(), rule: { agreement: 0.7, minUsableSlices: 4 } });
    expect(JSON.parse(row.thresholdsJson)).toEqual({ triage: 0.6, brain_tumor: 0.6, 'study.agreement': 0.7, 'study.minUsableSlices': 4 });
    const item = toItem({ ...row, id: 'x', createdAt: new Date(0), kind: 'study', fileType: 'dicom', spacingJson: null } as Parameters<typeof toItem>[0]);
    expect(item.thresholds).toEqual({ triage: 0.6, brain_tumor: 0.6 });
    expect(item.study?.rule).toEqual({ agreement: 0.7, minUsableSlices: 4 });
    // an image row stores its thresholds alone
    expect(JSON.parse(toRow(record).thresholdsJson)).toEqual({ triage: 0.6, brain_tumor: 0.6 });
  });

  it('a map without both keys (a study stored before the rule was) or NULL reads no rule, never a default', () => {
    expect(splitStoredThresholds({ triage: 0.6 })).toEqual({ thresholds: { triage: 0.6 }, rule: null });
    expect(splitStoredThresholds({ triage: 0.6, 'study.agreement': 0.6 })).toEqual({ thresholds: { triage: 0.6 }, rule: null });
    expect(splitStoredThresholds(null)).toEqual({ thresholds: null, rule: null });
    expect(ruleEntries(null)).toEqual({});
  });

  it('in words: the rule; "no slice was analysed" for a study refused before any; else not recorded', () => {
    const t = { triage: 0.6, brain_tumor: 0.6 };
    expect(studyRuleLine({ thresholds: t, study: study({ rule: { agreement: 0.6, minUsableSlices: 1 } }) })).toBe('60.0 % of the slices must agree; at least 1 usable slice (and a quarter of the study)');
    expect(studyRuleLine({ thresholds: {}, study: study() })).toBe('— (no slice was analysed)');
    expect(studyRuleLine({ thresholds: t, study: study() })).toBe(STUDY_RULE_NOT_RECORDED);
    expect(studyRuleLine({ thresholds: null, study: study() })).toBe(STUDY_RULE_NOT_RECORDED);
  });
});
