/**
 * The history form's Body part and Label boxes (history-filters.view.ts): each accepted value in
 * the pages' words, an earlier model version's label told apart from the current one it reads
 * like, the chosen value selected, and a chosen value not listed offered only when the server
 * took it.
 */
import { filterFormView } from '../../../src/presentation/history-filters.view';

const VALUES = {
  bodyParts: ['brain', 'other_mri'],
  labels: [{ key: 'notumor', earlier: false }, { key: 'no_tumor', earlier: true }],
};

describe('filterFormView', () => {
  it('names each value as the pages do, marks an earlier model\'s label, selects the chosen key', () => {
    const view = filterFormView(VALUES, { bodyPart: 'other_mri', label: 'no_tumor' }, true);
    expect(view.bodyParts).toEqual([{ value: 'brain', name: 'Brain', selected: false }, { value: 'other_mri', name: 'Other MRI', selected: true }]);
    expect(view.labels).toEqual([{ value: 'notumor', name: 'No tumour', selected: false }, { value: 'no_tumor', name: 'No tumor (earlier model)', selected: true }]);
  });

  it('a chosen label the server took but does not list is offered, selected; a refused one is not', () => {
    expect(filterFormView(VALUES, { label: 'pituitary' }, true).labels.at(-1)).toEqual({ value: 'pituitary', name: 'Pituitary', selected: true });
    const refused = filterFormView(VALUES, { label: 'tumour', bodyPart: 'brain' }, false);
    expect(refused.labels.map((o) => o.value)).toEqual(['notumor', 'no_tumor']);
    expect(refused.labels.some((o) => o.selected)).toBe(false);
    expect(refused.bodyParts[0].selected).toBe(true);
  });
});
