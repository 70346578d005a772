/**
 * A refusal below the confidence threshold never shows its figure equal to the threshold: at one
 * decimal 0.59996 and 0.6 both read "60.0%", and the message said "(glioma, 60.0%) is below the
 * 60.0% confidence threshold".
 */
import { decideDiagnosis } from '../../src/diagnosis/diagnosis-decision';
import { decideTriage, pctBelow } from '../../src/validation/triage-decision';
import { logitsFor, makeCard, TRIAGE_LABELS } from '../support/cards';

const brain = makeCard({ name: 'brain_tumor', kind: 'diagnosis', body_part: 'brain', labels: ['glioma', 'meningioma', 'notumor', 'pituitary'] });
const triage = makeCard({ name: 'triage', kind: 'triage', labels: TRIAGE_LABELS });

describe('figures at the threshold', () => {
  it('pctBelow adds decimals until the figure and the threshold differ', () => {
    expect(pctBelow(0.5, 0.6)).toEqual(['50.0 %', '60.0 %']);
    expect(pctBelow(0.59996, 0.6)).toEqual(['59.996 %', '60.000 %']);
    expect(pctBelow(0.60041, 0.60049)).toEqual(['60.04 %', '60.05 %']);
  });

  it('the diagnosis refusal just below 60 % does not read "60.0% is below the 60.0% threshold"', () => {
    const d = decideDiagnosis(brain, logitsFor([0.59996, 0.2, 0.1, 0.10004]), [0, 0]);
    expect(d.status).toBe('inconclusive');
    expect(d.message).toBe('Unable to determine: the most likely finding (glioma, 59.996 %) is below the 60.000 % confidence threshold.');
  });

  it('so do the triage refusals (MRI, body part)', () => {
    const notSure = decideTriage(triage, logitsFor([0.45, 0.05, 0.05, 0.04996, 0.40004]), [0, 0]);
    expect(notSure.outcome).toMatchObject({ code: 'LOW_CONFIDENCE', stage: 'modality' });
    expect(notSure.outcome.accepted ? '' : notSure.outcome.message).toContain('(59.996 % < 60.000 %)');
    const part = decideTriage(triage, logitsFor([0.59996, 0.1, 0.1, 0.1, 0.10004]), [0, 0]);
    expect(part.outcome).toMatchObject({ code: 'LOW_CONFIDENCE', stage: 'anatomy' });
    expect(part.outcome.accepted ? '' : part.outcome.message).toContain('(59.996 % < 60.000 %)');
  });
});
