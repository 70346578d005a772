/**
 * One name per recorded label for the history form, list, detail, summary and PDF: a label no loaded
 * model gives (brain_tumor 2.x's `no_tumor`) is "No tumor (earlier model)", never a bare "No tumor"
 * beside current rows' "No tumour"; while the models load, none is said to be earlier.
 */
import type { HistorySummary } from '../../../src/history/history.service';
import { summaryView } from '../../../src/presentation/history.view';
import { labelName, loadedLabels, recordTitle } from '../../../src/presentation/label-names';

const cards = [{ labels: ['brain', 'knee', 'spine', 'other_mri', 'not_mri'] }, { labels: ['glioma', 'meningioma', 'notumor', 'pituitary'] }];

describe('label names across model versions', () => {
  it('an earlier model\'s label is marked; a current one, or any while the models load, is not', () => {
    const loaded = loadedLabels(cards);
    expect(labelName('no_tumor', loaded)).toBe('No tumor (earlier model)');
    expect(labelName('notumor', loaded)).toBe('No tumour');
    // a triage record's probabilities are the loaded triage model's
    expect(labelName('not_mri', loaded)).toBe('Not an MRI');
    expect(labelName('no_tumor', loadedLabels(null))).toBe('No tumor');
    expect(recordTitle({ status: 'completed', code: null, label: 'no_tumor', anatomy: 'brain' }, loaded)).toBe('No tumor (earlier model)');
    expect(recordTitle({ status: 'rejected', code: 'NOT_MRI', label: null, anatomy: null }, loaded)).toBe('Not an MRI image');
  });

  it('the summary\'s labels are named the same way', () => {
    const s = { byLabel: [{ key: 'no_tumor', count: 2 }, { key: 'notumor', count: 3 }, { key: '—', count: 1 }], byStatus: [], byBodyPart: [], reasons: [] } as unknown as HistorySummary;
    expect(summaryView(s, loadedLabels(cards)).byLabel.map((c) => c.key)).toEqual(['No tumor (earlier model)', 'No tumour', '—']);
  });
});
