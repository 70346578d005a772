#!/usr/bin/env node
// The history filter check (src/history/filter-vocabulary.ts) on a seeded database
// (scripts/seed-history.mjs; `npm run build` first): what a request pays for a body part, a
// loaded model's label, a recorded label and a refused one, and the history form's lists (values()),
// against the summary's GROUP BY that could also have named the recorded labels. Medians of
// `--runs` (31), in ms.
//
//   node scripts/measure-filter-vocabulary.mjs --db /tmp/hist/sentinel.db [--runs 31]
//   node scripts/measure-filter-vocabulary.mjs --pg postgresql://postgres@127.0.0.1:5432/sentinel
import { args, fromDist, prismaClient } from './history-lib.mjs';

const { AnalysisRepository } = fromDist('repositories/analysis.repository.js');
const { FilterVocabulary } = fromDist('history/filter-vocabulary.js');

const RUNS = Number(args.runs ?? 31);
const client = prismaClient();
const repo = new AnalysisRepository({ analysis: client.analysis });
// the committed brain_tumor card's labels stand for the loaded models
const cards = [{ name: 'brain_tumor', kind: 'diagnosis', labels: ['glioma', 'meningioma', 'notumor', 'pituitary'] }];
const vocabulary = new FilterVocabulary(repo, { isReady: () => true, cards: () => cards });

async function time(run) {
  const ms = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await run().catch(() => undefined);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { median: +ms[ms.length >> 1].toFixed(2), min: +ms[0].toFixed(2), max: +ms[ms.length - 1].toFixed(2) };
}

const recorded = await repo.labels(50);
console.log(JSON.stringify({ rows: await client.analysis.count(), recorded }));
// an older model's label, where the seeded history holds one (the seed writes today's labels only)
const older = recorded.find((l) => !cards[0].labels.includes(l));
const cases = {
  'bodyPart=knee': () => vocabulary.check({ bodyPart: 'knee' }),
  "label=pituitary (a loaded model's)": () => vocabulary.check({ label: 'pituitary' }),
  ...(older ? { [`label=${older} (recorded, no loaded model's)`]: () => vocabulary.check({ label: older }) } : {}),
  'label=no_such_label (refused, recorded labels named)': () => vocabulary.check({ label: 'no_such_label' }),
  // the history page's Body part and Label lists, read on each view of the page
  'values() (the page form\'s lists)': () => vocabulary.values(),
  'tally (the GROUP BY that would name them)': () => repo.tally({}),
};
for (const [name, run] of Object.entries(cases)) console.log(JSON.stringify({ case: name, ...(await time(run)) }));
await client.$disconnect();
