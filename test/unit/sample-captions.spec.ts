/**
 * The sample gallery's captions are the CSV's expected answers in the result's words: they read
 * "Brain MRI · notumor" and "Brain MRI · pituitary" beside results saying "No tumour".
 */
import { caption } from '../../src/classifier/samples.service';

const row = (over: Record<string, string>) => ({ file: 'x.jpg', is_mri: '1', body_part: 'brain', task: 'brain_tumor', label: '', ...over });

describe('sample gallery captions', () => {
  it('name labels and body parts as the result does', () => {
    expect(caption(row({ label: 'notumor' }))).toBe('Brain MRI · no tumour');
    expect(caption(row({ label: 'glioma' }))).toBe('Brain MRI · glioma');
    expect(caption(row({ body_part: 'spine', label: 'no_herniation' }))).toBe('Spine MRI · no herniation');
    expect(caption(row({ body_part: 'other', label: '' }))).toBe('MRI of an unsupported body part');
    expect(caption(row({ is_mri: '0', body_part: 'chest', label: '' }))).toBe('Not an MRI (chest)');
    expect(caption(row({ is_mri: '0', body_part: 'none', label: '' }))).toBe('Not an MRI');
  });
});
