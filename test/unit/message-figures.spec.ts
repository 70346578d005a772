/**
 * The figures inside a result's message are written as the page, the history and the PDFs write
 * them (labels.ts percent). The message read "Most likely: glioma (99.8% calibrated confidence)."
 * right above the page's "99.8 %", and "(100.0% …)" where the page says "> 99.9 %".
 */
import { decideDiagnosis } from '../../src/diagnosis/diagnosis-decision';
import { percent } from '../../src/presentation/percent';
import { logitsFor, makeCard } from '../support/cards';

const brain = makeCard({ name: 'brain_tumor', kind: 'diagnosis', body_part: 'brain', labels: ['glioma', 'meningioma', 'notumor', 'pituitary'] });

describe('figures in messages', () => {
  it('an answer: the page\'s "99.8 %"', () => {
    const d = decideDiagnosis(brain, logitsFor([0.998, 0.001, 0.0005, 0.0005]), [0, 0]);
    expect(d.message).toContain(`(${percent(d.confidence)} calibrated confidence)`);
    expect(d.message).toContain('(99.8 % calibrated confidence)');
  });

  it('a near-certain answer: "> 99.9 %", never "100.0%"', () => {
    const d = decideDiagnosis(brain, logitsFor([0.99996, 0.00002, 0.00001, 0.00001]), [0, 0]);
    expect(d.message).toContain('(> 99.9 % calibrated confidence)');
    expect(d.message).not.toMatch(/100\.0 ?%/);
  });
});
