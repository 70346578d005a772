/**
 * FilterVocabulary (src/history/filter-vocabulary.ts) with a stand-in repository and model
 * provider: what it accepts, what it refuses and with which words, when it reads the database,
 * and that models not loaded refuse no label for want of their cards.
 */
import { UnknownFilterValueError } from '../../src/common/errors';
import { FilterVocabulary } from '../../src/history/filter-vocabulary';
import { parseFilters } from '../../src/history/history.filters';
import type { ModelCard } from '../../src/inference/model-card';
import type { ModelProvider } from '../../src/inference/model-provider';
import type { AnalysisRepository } from '../../src/repositories/analysis.repository';

const card = (name: string, kind: 'triage' | 'diagnosis', labels: string[]) => ({ name, kind, labels }) as unknown as ModelCard;
const CARDS = [card('triage', 'triage', ['brain', 'knee', 'spine', 'other_mri', 'not_mri']), card('brain_tumor', 'diagnosis', ['glioma', 'meningioma', 'notumor', 'pituitary'])];

/** The repository's two label reads over `recorded` (the labels in the table), counted. */
function vocabulary(recorded: string[], ready = true) {
  const hasLabel = jest.fn(async (l: string) => recorded.includes(l));
  const labels = jest.fn(async (max: number) => [...new Set(recorded)].sort().slice(0, max));
  const models = { isReady: () => ready, cards: () => (ready ? CARDS : []) } as unknown as ModelProvider;
  return { v: new FilterVocabulary({ hasLabel, labels } as unknown as AnalysisRepository, models), hasLabel, labels };
}

async function refusal(p: Promise<void>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof UnknownFilterValueError) return err.message;
    throw err;
  }
  throw new Error('accepted');
}

describe('FilterVocabulary', () => {
  it('a body part, or a label of the loaded models, is taken without a database read', async () => {
    const { v, hasLabel, labels } = vocabulary([]);
    await v.check({ label: 'pituitary', bodyPart: 'knee' });
    await v.check({ bodyPart: 'other_mri' });
    expect([hasLabel.mock.calls.length, labels.mock.calls.length]).toEqual([0, 0]);
  });

  it('a recorded label of an older model is taken (one lookup); a refusal reads the recorded labels to name them', async () => {
    const { v, hasLabel, labels } = vocabulary(['glioma_tumor', 'no_tumor', 'glioma']);
    await v.check({ label: 'glioma_tumor' });
    expect([hasLabel.mock.calls, labels.mock.calls.length]).toEqual([[['glioma_tumor']], 0]);
    await expect(v.check({ label: 'tumour' })).rejects.toThrow(UnknownFilterValueError);
    expect(labels).toHaveBeenCalledTimes(1);
  });

  it('refuses the rest by name, listing the union sorted, once each, with the words the pages show', async () => {
    const { v } = vocabulary(['glioma_tumor', 'glioma']);
    const user = { id: 'u', email: 'a@b.c', role: 'user' } as never;
    expect(await refusal(v.check(parseFilters({ label: 'No glioma' }, user))))
      .toBe('"label" must be one of: glioma, glioma_tumor, meningioma, notumor (no tumour), pituitary; "no_glioma" is none of them, so it could never match.');
    // US spelling of the current label is the current label (labels.ts labelKey), not brain_tumor 2.x's no_tumor
    await v.check(parseFilters({ label: 'No Tumor' }, user));
    expect(await refusal(v.check({ bodyPart: 'not_mri' }))).toBe('"bodyPart" must be one of: brain, knee, other_mri, spine; "not_mri" is none of them, so it could never match.');
  });

  it('models not loaded: no label is refused for want of their cards, body parts still are', async () => {
    const { v } = vocabulary(['glioma'], false);
    await v.check({ label: 'pituitary' });
    await v.check({ label: 'glioma' });
    await expect(v.check({ bodyPart: 'elbow' })).rejects.toThrow(UnknownFilterValueError);
  });

  it('values(): what the form offers is what check() takes — the loaded labels, then the recorded ones marked earlier', async () => {
    const { v } = vocabulary(['glioma_tumor', 'glioma', 'no_tumor']);
    const values = await v.values();
    expect(values.labels).toEqual([
      ...['glioma', 'meningioma', 'notumor', 'pituitary'].map((key) => ({ key, earlier: false })),
      { key: 'glioma_tumor', earlier: true },
      { key: 'no_tumor', earlier: true },
    ]);
    expect(values.bodyParts).toEqual(['brain', 'knee', 'spine', 'other_mri']);
    for (const l of values.labels) await v.check({ label: l.key });
    for (const bodyPart of values.bodyParts) await v.check({ bodyPart });
  });

  it('values() while the models are not loaded: the recorded labels, none said to be an earlier version\'s', async () => {
    const { v } = vocabulary(['glioma', 'no_tumor'], false);
    expect((await v.values()).labels).toEqual([{ key: 'glioma', earlier: false }, { key: 'no_tumor', earlier: false }]);
  });

  it('status is a closed set at parse time: the value echoed only when it is a plain token', () => {
    const user = { id: 'u', email: 'a@b.c', role: 'user' } as never;
    expect(() => parseFilters({ status: 'done' }, user)).toThrow('"status" must be one of: completed, inconclusive, rejected; "done" is none of them, so it could never match.');
    expect(() => parseFilters({ status: '<b>x</b>' }, user)).toThrow('; the value sent is none of them');
  });
});
