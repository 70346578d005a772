/**
 * A refusal below the confidence threshold never shows its figure equal to the threshold: at one
 * decimal 0.59996 and 0.6 both read "60.0%", and the message said "(glioma, 60.0%) is below the
 * 60.0% confidence threshold".
 */
import { decideDiagnosis } from '../../src/diagnosis/diagnosis-decision';
import { agreementPercent, thresholdPercent } from '../../src/presentation/percent';
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

  it("a study's agreement never reads on the wrong side of the rule it is shown beside", () => {
    expect(agreementPercent(1, 0.6)).toBe('100 %');
    expect(agreementPercent(2 / 3, 0.6)).toBe('67 %');
    expect(agreementPercent(0.6, 0.6)).toBe('60 %');
    // met exactly under STUDY_AGREEMENT=0.6049: "60 %" beside "60.49 % of the slices must agree"
    expect(agreementPercent(0.6049, 0.6049)).toBe('60.49 %');
    expect(agreementPercent(0.60491, 0.6049)).toBe('60.49 %');
    expect(agreementPercent(0.6052, 0.6049)).toBe('61 %');
    // refused: below the rule, with the decimals it takes (pctBelow)
    expect(agreementPercent(25 / 42, 0.6)).toBe('59.5 %');
    expect(agreementPercent(0.6048, 0.6049)).toBe('60.48 %');
    for (const t of [0.6, 0.6049, 0.58348, 1 / 3, 0.75]) {
      for (const v of [t - 1e-4, t - 1e-6, t, t + 1e-6, t + 1e-4, t + 0.004]) {
        const [fig, rule] = [parseFloat(agreementPercent(v, t)), parseFloat(thresholdPercent(t))];
        if (v < t) expect(fig).toBeLessThan(rule);
        else expect(fig).toBeGreaterThanOrEqual(rule);
      }
    }
  });

  it('the diagnosis refusal just below 60 % does not read "60.0% is below the 60.0% threshold"', () => {
    const d = decideDiagnosis(brain, logitsFor([0.59996, 0.2, 0.1, 0.10004]), [0, 0]);
    expect(d.status).toBe('inconclusive');
    expect(d.message).toBe('Unable to determine: the most likely finding (glioma, 59.996 %) is below the 60.000 % confidence threshold.');
  });

  it('an answer just above CONFIDENCE_THRESHOLD=0.58348 does not read "58.3 %" (below the 58.348 % the page shows beside it)', () => {
    const d = decideDiagnosis(brain, logitsFor([0.58349, 0.2, 0.1, 0.11651]), [0, 0], 0.58348);
    expect(d.status).toBe('completed');
    expect(d.message).toBe('Most likely: glioma (58.349 % calibrated confidence).');
    // far from it: one decimal, as ever
    expect(decideDiagnosis(brain, logitsFor([0.9, 0.05, 0.03, 0.02]), [0, 0], 0.58348).message).toBe('Most likely: glioma (90.0 % calibrated confidence).');
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
