#!/usr/bin/env node
/**
 * Why the study rule is what it is — a simulation on real per-slice outputs.
 *
 *   npm run evaluate -- --manifest ml/splits/brain_tumor.csv --root ../shared/data --split test --out artifacts/brain-test.jsonl
 *   node scripts/study-rule-sim.mjs artifacts/brain-test.jsonl ml/splits/brain_tumor.csv [--trials 1000] [--slices 24]
 *     [--keep-patient-notumor 1] [--fp-run 0.5]
 *
 * Pseudo-series of N slices: k slices with one tumour type (glioma, meningioma or pituitary)
 * among N − k tumour-free slices, drawn from the held-out test split with the served models'
 * real per-slice answers (from `npm run evaluate`). Each series is answered by several rules over
 * the same calibrated slice probabilities: the service's rule (src/studies/study-aggregate, built
 * in dist/) with and without its neighbouring-pair check, the mean of all slices, and the single
 * most suspicious slice. Reports, per k, the
 * share answered with the right label, answered wrong, and left inconclusive. Slices come from
 * different patients: this measures the rules, not a scanner's series.
 *
 * Two layouts of the k tumour slices: `scattered` (each at a random place, as first measured) and
 * `contiguous` (one run of k neighbouring slices, as a real lesion shows). Tumour-free slices are
 * independent draws; `--fp-run P` makes a confidently misread tumour-free slice's next neighbour
 * another such slice with probability P (were misreadings to come in runs along a series).
 * Tumour-free slices of tumour patients (TCGA-LGG, BraTS: the model calls a fifth of them a
 * tumour) are left out of the pool unless `--keep-patient-notumor 1`.
 * The service's rule confirms a finding only by a pair of slices at most 2 apart in series order
 * (pairWithin); measured too: any two slices (the rule before), at most 1 apart, and at most 2 plus
 * "nothing found" over an isolated confident slice (not served: it says "nothing found" over a slice
 * that alone shows a tumour).
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { aggregateStudy } = require(path.join(ROOT, 'dist/studies/study-aggregate.js'));

const [jsonl, manifest, ...rest] = process.argv.slice(2);
if (!jsonl || !manifest) {
  console.error('usage: node scripts/study-rule-sim.mjs EVAL.jsonl SPLIT.csv [--trials N] [--slices N] [--keep-patient-notumor 1] [--fp-run P]');
  process.exit(2);
}
const opt = { trials: 1000, slices: 24, 'keep-patient-notumor': 0, 'fp-run': 0 };
for (let i = 0; i < rest.length; i += 2) opt[rest[i].replace(/^--/, '')] = Number(rest[i + 1]);

const truth = new Map(
  fs.readFileSync(manifest, 'utf8').trim().split('\n').slice(1).map((l) => {
    const c = l.split(',');
    return [c[0], { source: c[1], label: c[3] }];
  }),
);
const PATIENT_NOTUMOR = ['brain_tcga_lgg_kaggle3m', 'brain_brats2013_deepmedic'];
const LABELS = ['glioma', 'meningioma', 'notumor', 'pituitary'];
const byLabel = Object.fromEntries(LABELS.map((l) => [l, []]));
let allNotumor = 0;
for (const line of fs.readFileSync(jsonl, 'utf8').split('\n').filter(Boolean)) {
  const r = JSON.parse(line);
  const t = truth.get(r.path);
  if (!t || !byLabel[t.label]) continue;
  if (t.label === 'notumor') {
    allNotumor++;
    if (!opt['keep-patient-notumor'] && PATIENT_NOTUMOR.includes(t.source)) continue;
  }
  byLabel[t.label].push({ ...r, explanation: null, disclaimer: '' });
}
const THR = 0.6;
const card = { name: 'brain_tumor', labels: LABELS, threshold: THR, describe: (l) => l };
/** tumour-free slices the model confidently calls a tumour */
const misread = byLabel.notumor.filter((s) => s.status === 'completed' && s.label !== 'notumor');

let seed = 42;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (arr) => arr[Math.floor(rand() * arr.length)];
const usableOf = (slices) => slices.filter((s) => s.stage === 'diagnosis' && s.anatomy === 'brain' && s.task === 'brain_tumor');

/** mean of the calibrated probabilities of the usable brain slices, then the threshold */
function meanRule(slices) {
  const u = usableOf(slices);
  if (!u.length) return null;
  const p = LABELS.map((l) => u.reduce((a, s) => a + s.probabilities[l], 0) / u.length);
  const top = p.indexOf(Math.max(...p));
  return p[top] >= THR ? LABELS[top] : null;
}
/** the single slice with the highest P(tumour) decides */
function maxRule(slices) {
  const u = usableOf(slices);
  if (!u.length) return null;
  const s = u.reduce((a, b) => (1 - b.probabilities.notumor > 1 - a.probabilities.notumor ? b : a));
  const p = LABELS.map((l) => s.probabilities[l]);
  const top = p.indexOf(Math.max(...p));
  return p[top] >= THR ? LABELS[top] : null;
}
const answer = (slices, pairWithin) => aggregateStudy({ slices, minUsable: 3, agreement: 0.6, pairWithin, cardFor: () => card });
const ruleWith = (pairWithin) => (slices) => {
  const a = answer(slices, pairWithin);
  return a.status === 'completed' ? a.label : null;
};
/** pair within 2, and "nothing found" when every unconfirmed confident slice is isolated (no neighbour within 2 with P(tumour) ≥ 0.5) */
function isolatedRule(slices) {
  const a = answer(slices, 2);
  if (a.status === 'completed') return a.label;
  if (a.code !== 'SLICE_DISAGREEMENT' || a.probabilities.notumor < THR) return null;
  const suspicious = slices.map((s, i) => ({ s, i })).filter(({ s }) => s.status === 'completed' && s.task === 'brain_tumor' && s.label !== 'notumor');
  const near = (i) => slices.some((s, j) => j !== i && Math.abs(j - i) <= 2 && s.task === 'brain_tumor' && 1 - (s.probabilities.notumor ?? 1) >= 0.5);
  return suspicious.every(({ i }) => !near(i)) ? 'notumor' : null;
}
const RULES = [
  ['top-2 of any slices (the rule before)', ruleWith(null)],
  ['pair within 1 (adjacent)', ruleWith(1)],
  ['service rule: pair within 2 (one slice between)', ruleWith(2)],
  ['pair within 2 + isolated slice → notumor', isolatedRule],
  ['mean of all slices', meanRule],
  ['single most suspicious slice', maxRule],
];

function series(k, type, layout) {
  const slices = [];
  for (let i = 0; i < opt.slices - k; i++) {
    const prev = slices[slices.length - 1];
    const run = opt['fp-run'] && prev && misread.includes(prev) && rand() < opt['fp-run'];
    slices.push(run ? pick(misread) : pick(byLabel.notumor));
  }
  if (layout === 'scattered') {
    for (let i = 0; i < k; i++) slices.splice(Math.floor(rand() * (slices.length + 1)), 0, pick(byLabel[type]));
  } else {
    const at = Math.floor(rand() * (slices.length + 1));
    slices.splice(at, 0, ...Array.from({ length: k }, () => pick(byLabel[type])));
  }
  return slices;
}

const ks = [0, 1, 2, 3, 6, 12];
const pct = (n) => `${((100 * n) / opt.trials).toFixed(1)}%`;
console.log(
  `${opt.trials} pseudo-series of ${opt.slices} slices per row; test split: ${Object.entries(byLabel).map(([l, v]) => `${l} ${v.length}`).join(', ')}` +
    ` (tumour-free: ${byLabel.notumor.length} of ${allNotumor}, ${misread.length} of them confidently called a tumour)${opt['fp-run'] ? `; misread runs: P = ${opt['fp-run']}` : ''}`,
);
for (const layout of ['scattered', 'contiguous']) {
  seed = 42; // each layout from the same stream: the scattered table is the one first measured
  console.log(`\n${layout} tumour slices: right · wrong · inconclusive`);
  console.log(`| tumour slices k among ${opt.slices} | ${RULES.map(([name]) => name).join(' | ')} |`);
  console.log(`|---|${RULES.map(() => '---|').join('')}`);
  for (const k of ks) {
    const tally = RULES.map(() => [0, 0, 0]); // right, wrong, inconclusive
    for (let t = 0; t < opt.trials; t++) {
      const type = k === 0 ? 'notumor' : pick(['glioma', 'meningioma', 'pituitary']);
      const slices = series(k, type, layout);
      RULES.forEach(([, rule], r) => {
        const ans = rule(slices);
        tally[r][ans === null ? 2 : ans === type ? 0 : 1]++;
      });
    }
    const f = (t) => `${pct(t[0])} · ${pct(t[1])} · ${pct(t[2])}`;
    console.log(`| ${k}${k === 0 ? ' (none: right = notumor)' : ''} | ${tally.map(f).join(' | ')} |`);
  }
}
