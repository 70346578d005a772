/**
 * One name per outcome (labels.ts resultTitle) and the words the page scripts get for it
 * (pageWords): a study's own reasons had no name of their own ("Insufficient slices" from the
 * code, "Unable to determine" on the study page), and the pages had their own copy of the words.
 */
import { displayName, humanCode, humanLabel, pageWords, resultTitle, statusName } from '../../../src/presentation/labels';

const outcome = (over: Partial<Parameters<typeof resultTitle>[0]>) => ({ status: 'inconclusive', code: null, label: null, anatomy: null, ...over });

describe('outcome names', () => {
  it('a study\'s own inconclusive reasons are named, as the history, the PDFs and the study page say them', () => {
    expect(resultTitle(outcome({ code: 'SLICE_DISAGREEMENT', anatomy: 'brain' }))).toBe('Slice disagreement');
    expect(resultTitle(outcome({ code: 'INSUFFICIENT_SLICES', anatomy: 'brain' }))).toBe('Too few usable slices');
  });

  it('a body part with no validated model, an answer, a refusal: each one title', () => {
    expect(resultTitle(outcome({ code: 'NO_VALIDATED_MODEL', anatomy: 'knee' }))).toBe('Knee MRI — no validated model');
    expect(resultTitle(outcome({ status: 'completed', label: 'notumor', anatomy: 'brain' }))).toBe('No tumour');
    expect(resultTitle(outcome({ status: 'rejected', code: 'NOT_MRI' }))).toBe('Not an MRI image');
    expect(displayName('brain')).toBe('Brain');
  });

  it('the page words are the server\'s mapping: every word, code and status name as labels.ts writes it', () => {
    const w = pageWords();
    for (const [k, v] of Object.entries(w.labels)) expect(humanLabel(k)).toBe(v);
    for (const [k, v] of Object.entries(w.codes)) expect(humanCode(k)).toBe(v);
    for (const [k, v] of Object.entries(w.statuses)) expect(statusName(k)).toBe(v);
    expect(w.noValidatedModelTitle.replace('{part}', 'Spine')).toBe(resultTitle(outcome({ code: 'NO_VALIDATED_MODEL', anatomy: 'spine' })));
    expect(w.codes).toMatchObject({ SLICE_DISAGREEMENT: 'Slice disagreement', INSUFFICIENT_SLICES: 'Too few usable slices' });
    // a copy: a page's words cannot change the server's
    w.labels.notumor = 'changed';
    expect(humanLabel('notumor')).toBe('no tumour');
  });
});
