import type { HistoryItem } from '../../src/history/history.service';
import { STUDY_RULE_NOT_RECORDED, studyRuleLine } from '../../src/presentation/study-lines';
import { toItem, toRow } from '../../src/repositories/analysis.repository';
import { emptyRecord } from '../../src/classifier/analysis-result';
import { ruleEntries, splitStoredThresholds } from '../../src/studies/study-rule';
import { requiredSlices } from '../../src/studies/study-aggregate';

/**
 * A study's rule (STUDY_AGREEMENT, STUDY_MIN_USABLE_SLICES as it was decided under) is stored inside
 * the record's thresholds JSON under keys no model name can take; read back it is split out, so the
 * API's `thresholds` stays model name → threshold, and a row without it reads "not recorded".
 */
const study = (over: Partial<NonNullable<HistoryItem['study']>> = {}) => ({ modality: 'MR', seriesDescription: null, sliceCount: 8, usableSlices: 8, spacing: null, rule: null, gaps: null, volumes: null, window: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null, ...over });

describe('the study rule stored with a record', () => {
  it('round-trips through the row beside the models\' thresholds, which stay as they were', () => {
    const record = { ...emptyRecord({}, 'f'.repeat(64), 1, null), thresholds: { triage: 0.6, brain_tumor: 0.6 } };
    const row = toRow(record, { ...study(), rule: { agreement: 0.7, minUsableSlices: 4, pairWithin: 2 } });
    expect(JSON.parse(row.thresholdsJson)).toEqual({ triage: 0.6, brain_tumor: 0.6, 'study.agreement': 0.7, 'study.minUsableSlices': 4, 'study.pairWithin': 2 });
    const item = toItem({ ...row, id: 'x', createdAt: new Date(0), kind: 'study', fileType: 'dicom', spacingJson: null } as Parameters<typeof toItem>[0]);
    expect(item.thresholds).toEqual({ triage: 0.6, brain_tumor: 0.6 });
    expect(item.study?.rule).toEqual({ agreement: 0.7, minUsableSlices: 4, pairWithin: 2 });
    // a series in upload order was decided by any two slices: no key, read back as null — as every record before the neighbour rule
    const anyTwo = toRow(record, { ...study(), rule: { agreement: 0.7, minUsableSlices: 4, pairWithin: null } });
    expect(JSON.parse(anyTwo.thresholdsJson)).not.toHaveProperty(['study.pairWithin']);
    expect(splitStoredThresholds({ 'study.agreement': 0.6, 'study.minUsableSlices': 3 }).rule).toEqual({ agreement: 0.6, minUsableSlices: 3, pairWithin: null });
    // an image row stores its thresholds alone
    expect(JSON.parse(toRow(record).thresholdsJson)).toEqual({ triage: 0.6, brain_tumor: 0.6 });
  });

  it('a map without both keys (a study stored before the rule was) or NULL reads no rule, never a default', () => {
    expect(splitStoredThresholds({ triage: 0.6 })).toEqual({ thresholds: { triage: 0.6 }, rule: null });
    expect(splitStoredThresholds({ triage: 0.6, 'study.agreement': 0.6 })).toEqual({ thresholds: { triage: 0.6 }, rule: null });
    expect(splitStoredThresholds(null)).toEqual({ thresholds: null, rule: null });
    expect(ruleEntries(null)).toEqual({});
  });

  it('the words agree with what a study shorter than the minimum gets: answered from all its slices, not refused', () => {
    // one DICOM file is a study (README, Studies): its one slice is required and enough
    expect([1, 2, 3, 12, 24].map((n) => requiredSlices(n, 3))).toEqual([1, 2, 3, 3, 6]);
    const line = studyRuleLine({ thresholds: { triage: 0.6 }, study: study({ sliceCount: 1, usableSlices: 1, rule: { agreement: 0.6, minUsableSlices: 3, pairWithin: 2 } }) });
    // "at least 3 usable slices" beside "from 1 of 1 slices" read as a broken rule
    expect(line).toBe('60.0 % of the slices must agree; at least 3 usable slices (and a quarter of the study; all of them if it has fewer); a finding rests on two slices at most 2 apart in series order, counting any slices missing between them');
  });

  it('in words: the rule; "no slice was analysed" for a study refused before any; else not recorded', () => {
    const t = { triage: 0.6, brain_tumor: 0.6 };
    expect(studyRuleLine({ thresholds: t, study: study({ rule: { agreement: 0.6, minUsableSlices: 1, pairWithin: null } }) })).toBe('60.0 % of the slices must agree; at least 1 usable slice (and a quarter of the study; all of them if it has fewer); a finding rests on any two slices');
    expect(studyRuleLine({ thresholds: {}, study: study() })).toBe('— (no slice was analysed)');
    expect(studyRuleLine({ thresholds: t, study: study() })).toBe(STUDY_RULE_NOT_RECORDED);
    expect(studyRuleLine({ thresholds: null, study: study() })).toBe(STUDY_RULE_NOT_RECORDED);
  });
});
