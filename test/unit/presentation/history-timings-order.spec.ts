/**
 * The history summary's median timings, as a first user read them on the page: "decode 22.3 ·
 * preprocess 6 · triage 92.1 · total 132.3 · diagnosis 153.4 · explanation 72.7" — the total in
 * the middle (the order of the first record's keys, a refused image without the later stages)
 * and smaller than the diagnosis above it, under "per image · 7 images", with nothing saying
 * that the diagnosis and heat map medians are over the two brain images that reached them.
 * Now the stages run in pipeline order with the total last, and the note says why a stage's
 * median can exceed the total's. Summaries built in code (the figures of that page).
 */
import type { HistorySummary } from '../../../src/history/history.service';
import { timingsView } from '../../../src/presentation/history.view';

function summary(image: Record<string, number>, analyses = 7): HistorySummary {
  return {
    total: analyses,
    byStatus: [],
    byBodyPart: [],
    byLabel: [],
    reasons: [],
    medianTimingsMs: image,
    medianTimingsByKind: { image: { analyses, medianMs: image }, study: { analyses: 0, medianMs: {} } },
  };
}

describe('history summary: median timings in pipeline order, the total last', () => {
  const seen = { decode: 22.3, preprocess: 6, triage: 92.1, total: 132.3, diagnosis: 153.4, explanation: 72.7 };

  it('lists the stages as the pipeline runs them and the total after them', () => {
    const [image] = timingsView(summary(seen));
    expect(image.rows.map((r) => r.k)).toEqual(['decode', 'preprocess', 'triage', 'diagnosis', 'explanation', 'total']);
    expect(image.rows.find((r) => r.k === 'total')?.v).toBe('132.3');
  });

  it('says that a later stage is over the images that reached it, so it can exceed the total', () => {
    const [image] = timingsView(summary(seen));
    expect(image.note).toMatch(/^per image · 7 images/);
    expect(image.note).toMatch(/reached/);
    expect(image.note).toMatch(/total/);
  });

  it('a history where every image stopped at the triage needs no such note', () => {
    const [image] = timingsView(summary({ total: 100, decode: 20, preprocess: 3, triage: 70 }, 3));
    expect(image.rows.map((r) => r.k)).toEqual(['decode', 'preprocess', 'triage', 'total']);
    expect(image.note).toBe('per image · 3 images');
  });

  it('a stage it does not know stays, after the known ones and before the total', () => {
    const [, study] = timingsView({
      ...summary({}),
      medianTimingsByKind: { image: { analyses: 0, medianMs: {} }, study: { analyses: 2, medianMs: { total: 900, inference: 700, decode: 100 } } },
    });
    expect(study.rows.map((r) => r.k)).toEqual(['decode', 'inference', 'total']);
  });
});
