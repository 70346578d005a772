import { answeredByExperimentalModel, RecordedAnswer } from '../../../src/presentation/experimental';

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
