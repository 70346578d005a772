/**
 * What a person types in the label filter, as the key it means (labels.ts labelKey). The pages
 * write the current brain_tumor label "No tumour"; US spelling "No tumor" became `no_tumor`, the
 * key brain_tumor 2.x recorded, so it matched only those old rows (or, with none, was refused as
 * a label no record can hold). Words in either spelling mean the current label; an older model's
 * label is reached by its own key, as the history's label list and the 400's message name it.
 */
import { displayName, labelKey } from '../../../src/presentation/labels';

describe('labelKey: the label a typed filter means', () => {
  it.each([
    ['No tumour', 'notumor'],
    ['No tumor', 'notumor'],
    ['  NO   TUMOR ', 'notumor'],
    ['no tumour', 'notumor'],
    ['notumor', 'notumor'],
  ])('%j → the current label %s, in either spelling', (typed, key) => {
    expect(labelKey(typed)).toBe(key);
  });

  it.each([
    ['no_tumor', 'no_tumor'],
    ['No_Tumor', 'no_tumor'],
    ['glioma_tumor', 'glioma_tumor'],
    // its words as the history list titles such a row ("Glioma tumor"), in either spelling
    ['Glioma tumor', 'glioma_tumor'],
    ['glioma tumour', 'glioma_tumor'],
    ['Pituitary tumour', 'pituitary_tumor'],
  ])('an older model version\'s label by its key or its words: %j → %s', (typed, key) => {
    expect(labelKey(typed)).toBe(key);
  });

  it('keys and the words the pages show still name themselves', () => {
    for (const key of ['glioma', 'meningioma', 'notumor', 'pituitary', 'brain', 'knee', 'spine', 'other_mri', 'no_herniation', 'herniation']) {
      expect({ key, back: labelKey(displayName(key)) }).toEqual({ key, back: key });
      expect(labelKey(key)).toBe(key);
    }
  });
});
