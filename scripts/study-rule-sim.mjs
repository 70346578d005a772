#!/usr/bin/env node
/**
 * Why the study rule is what it is — a simulation on real per-slice outputs.
 *
 *   npm run evaluate -- --manifest ml/splits/brain_tumor.csv --root ../shared/data --split test --out artifacts/brain-test.jsonl
 *   node scripts/study-rule-sim.mjs artifacts/brain-test.jsonl ml/splits/brain_tumor.csv [--trials 1000] [--slices 24]
 *
 * Pseudo-series of N slices: k slices with one tumour type (glioma, meningioma or pituitary)
 * among N − k tumour-free slices, drawn from the held-out test split with the served models'
 * real per-slice answers (from `npm run evaluate`). Each series is answered by three rules over
 * the same calibrated slice probabilities: the service's rule (src/studies/study-aggregate, built
 * in dist/), the mean of all slices, and the single most suspicious slice. Reports, per k, the
 * share answered with the right label, answered wrong, and left inconclusive. Slices come from
 * different patients: this measures the rules, not a scanner's series.
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
  console.error('usage: node scripts/study-rule-sim.mjs EVAL.jsonl SPLIT.csv [--trials N] [--slices N]');
  process.exit(2);
}
const opt = { trials: 1000, slices: 24 };
for (let i = 0; i < rest.length; i += 2) opt[rest[i].replace(/^--/, '')] = Number(rest[i + 1]);

const truth = new Map(
  fs.readFileSync(manifest, 'utf8').trim().split('\n').slice(1).map((l) => {
    const c = l.split(',');
    return [c[0], c[3]];
  }),
);
const LABELS = ['glioma', 'meningioma', 'notumor', 'pituitary'];
const byLabel = Object.fromEntries(LABELS.map((l) => [l, []]));
for (const line of fs.readFileSync(jsonl, 'utf8').split('\n').filter(Boolean)) {
  const r = JSON.parse(line);
  const t = truth.get(r.path);
  if (t && byLabel[t]) byLabel[t].push({ ...r, explanation: null, disclaimer: '' });
}
const THR = 0.6;
const card = { name: 'brain_tumor', labels: LABELS, threshold: THR, describe: (l) => l };

let seed = 42;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (arr) => arr[Math.floor(rand() * arr.length)];

/** mean of the calibrated probabilities of the usable brain slices, then the threshold */
function meanRule(slices) {
  const u = slices.filter((s) => s.stage === 'diagnosis' && s.anatomy === 'brain' && s.task === 'brain_tumor');
  if (!u.length) return null;
  const p = LABELS.map((l) => u.reduce((a, s) => a + s.probabilities[l], 0) / u.length);
  const top = p.indexOf(Math.max(...p));
  return p[top] >= THR ? LABELS[top] : null;
}
/** the single slice with the highest P(tumour) decides */
function maxRule(slices) {
  const u = slices.filter((s) => s.stage === 'diagnosis' && s.anatomy === 'brain' && s.task === 'brain_tumor');
  if (!u.length) return null;
  const s = u.reduce((a, b) => (1 - b.probabilities.notumor > 1 - a.probabilities.notumor ? b : a));
  const p = LABELS.map((l) => s.probabilities[l]);
  const top = p.indexOf(Math.max(...p));
  return p[top] >= THR ? LABELS[top] : null;
}
function serviceRule(slices) {
  const a = aggregateStudy({ slices, minUsable: 3, agreement: 0.6, cardFor: () => card });
  return a.status === 'completed' ? a.label : null;
}

const ks = [0, 1, 2, 3, 6, 12];
const rows = [];
for (const k of ks) {
  const tally = { service: [0, 0, 0], mean: [0, 0, 0], max: [0, 0, 0] }; // right, wrong, inconclusive
  for (let t = 0; t < opt.trials; t++) {
    const type = k === 0 ? 'notumor' : pick(['glioma', 'meningioma', 'pituitary']);
    const slices = [];
    for (let i = 0; i < opt.slices - k; i++) slices.push(pick(byLabel.notumor));
    for (let i = 0; i < k; i++) slices.splice(Math.floor(rand() * (slices.length + 1)), 0, pick(byLabel[type]));
    for (const [name, rule] of [['service', serviceRule], ['mean', meanRule], ['max', maxRule]]) {
      const ans = rule(slices);
      tally[name][ans === null ? 2 : ans === type ? 0 : 1]++;
    }
  }
  rows.push({ k, ...tally });
}
const pct = (n) => `${((100 * n) / opt.trials).toFixed(1)}%`;
console.log(`${opt.trials} pseudo-series of ${opt.slices} slices per row; test split: ${Object.entries(byLabel).map(([l, v]) => `${l} ${v.length}`).join(', ')}`);
console.log('| tumour slices k among 24 | service rule (top-2, no unconfirmed "nothing found"): right · wrong · inconclusive | mean of all slices | single most suspicious slice |');
console.log('|---|---|---|---|');
for (const r of rows) {
  const f = (t) => `${pct(t[0])} · ${pct(t[1])} · ${pct(t[2])}`;
  console.log(`| ${r.k}${r.k === 0 ? ' (none: right = notumor)' : ''} | ${f(r.service)} | ${f(r.mean)} | ${f(r.max)} |`);
}
