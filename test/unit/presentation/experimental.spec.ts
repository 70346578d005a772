import { answeredByExperimentalModel, recordedCaveat, RecordedAnswer } from '../../../src/presentation/experimental';

const card = { name: 'brain_tumor', version: '3.0.0', experimental: true };
const answer: RecordedAnswer = { stage: 'diagnosis', code: null, task: 'brain_tumor', modelVersions: { triage: '1.0.0', brain_tumor: '3.0.0' } };

describe('answeredByExperimentalModel (history rows keep versions only)', () => {
  it('is true for a diagnosis answer of the loaded experimental card’s version, low confidence included', () => {
    expect(answeredByExperimentalModel(answer, [card])).toBe(true);
    expect(answeredByExperimentalModel({ ...answer, code: 'LOW_CONFIDENCE' }, [card])).toBe(true);
  });

  it('says nothing for another recorded version, a non-experimental card, or no loaded card', () => {
    expect(answeredByExperimentalModel({ ...answer, modelVersions: { brain_tumor: '2.0.0' } }, [card])).toBe(false);
    expect(answeredByExperimentalModel(answer, [{ ...card, experimental: false }])).toBe(false);
    expect(answeredByExperimentalModel(answer, [])).toBe(false);
  });

  it('is false for triage-only outcomes', () => {
    expect(answeredByExperimentalModel({ ...answer, stage: 'modality', code: 'NOT_MRI', task: 'triage' }, [card])).toBe(false);
    expect(answeredByExperimentalModel({ ...answer, code: 'NO_VALIDATED_MODEL' }, [card])).toBe(false);
  });
});

describe('recordedCaveat (what held-out figures say against a stored answer)', () => {
  const withCaveats = { ...card, label_caveats: { notumor: 'This does not rule out a tumour.' } };
  const notumor = { ...answer, status: 'completed', label: 'notumor' };

  it('is the loaded card’s caveat for the stored label, when the stored version is that card’s', () => {
    expect(recordedCaveat(notumor, [withCaveats])).toBe('This does not rule out a tumour.');
    expect(recordedCaveat({ ...notumor, label: 'glioma' }, [withCaveats])).toBeNull(); // no caveat for that label
  });

  it('says nothing without an answer, for another version, or without a loaded card', () => {
    expect(recordedCaveat({ ...notumor, status: 'inconclusive', code: 'LOW_CONFIDENCE', label: null }, [withCaveats])).toBeNull();
    expect(recordedCaveat({ ...notumor, modelVersions: { brain_tumor: '2.0.0' } }, [withCaveats])).toBeNull();
    expect(recordedCaveat(notumor, [card])).toBeNull();
    expect(recordedCaveat(notumor, [])).toBeNull();
    expect(recordedCaveat({ ...notumor, stage: 'modality', code: 'NOT_MRI', task: 'triage', status: 'rejected', label: null }, [withCaveats])).toBeNull();
  });
});
