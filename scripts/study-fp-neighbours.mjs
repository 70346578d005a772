#!/usr/bin/env node
/**
 * Do the model's confident misreadings of tumour-free slices come in runs along a series? The
 * study rule's pair check (scripts/study-rule-sim.mjs) helps only if they do not.
 *
 *   node scripts/study-fp-neighbours.mjs ml/splits/brain_tumor.csv EVAL.jsonl [EVAL.jsonl …] [--within 3]
 *
 * Tumour-free slices are put into stacks — one patient's volume, sequence and plane — by their
 * file names (the sources with slice numbers: TCGA-LGG `…_<slice>_<sequence>`, BraTS, Open MS
 * Data, the paediatric and NiiVue volumes `…_<plane>_<slice>`). Within a stack, every pair of
 * tumour-free slices at most `--within` slice numbers apart is compared: is the neighbour of a
 * misread slice (completed, a tumour label) misread too, more often than tumour-free slices are?
 * Slice numbers are each source's own (1 mm apart in BraTS, a few mm in TCGA-LGG).
 */
import * as fs from 'node:fs';

const args = process.argv.slice(2);
const within = args.includes('--within') ? Number(args.splice(args.indexOf('--within'), 2)[1]) : 3;
const [manifest, ...evals] = args;
if (!manifest || !evals.length) {
  console.error('usage: node scripts/study-fp-neighbours.mjs SPLIT.csv EVAL.jsonl [EVAL.jsonl …] [--within N]');
  process.exit(2);
}
const truth = new Map(
  fs.readFileSync(manifest, 'utf8').trim().split('\n').slice(1).map((l) => {
    const c = l.split(',');
    return [c[0], { source: c[1], group: c[2], label: c[3], split: c[4] }];
  }),
);
/** sources whose file names number the slices of a volume (the Kaggle set's numbers are not slices) */
const ORDERED = /tcga_lgg|brats|ms_open_ms_data|paediatric_dbc|niivue_demos/;
/** stack key and slice number from a file name, or null when it carries none */
function position(path) {
  const stem = path.split('/').pop().replace(/\.jpg$/, '');
  const m = /^(.*)_(\d+)_(flair|t1post)$/.exec(stem) ?? /^(.*)_(\d+)$/.exec(stem);
  if (!m) return null;
  return { key: m[3] ? `${m[1].replace(/^(notumor|glioma)_/, '')}_${m[3]}` : m[1], at: Number(m[2]) };
}
const stacks = new Map();
let slices = 0;
let misread = 0;
for (const file of evals) {
  for (const line of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const r = JSON.parse(line);
    const t = truth.get(r.path);
    if (!t || t.label !== 'notumor' || r.task !== 'brain_tumor' || !ORDERED.test(t.source)) continue;
    const pos = position(r.path);
    if (!pos) continue;
    const bad = r.status === 'completed' && r.label !== 'notumor';
    slices++;
    misread += bad ? 1 : 0;
    const key = `${t.split}/${t.source}/${pos.key}`;
    if (!stacks.has(key)) stacks.set(key, []);
    stacks.get(key).push({ at: pos.at, bad, pFind: 1 - (r.probabilities.notumor ?? 1), path: r.path });
  }
}
const pairs = [];
for (const [key, s] of stacks) {
  s.sort((a, b) => a.at - b.at);
  for (let x = 0; x < s.length; x++)
    for (let y = x + 1; y < s.length && s[y].at - s[x].at <= within; y++) pairs.push({ key, a: s[x], b: s[y] });
}
const withBad = pairs.filter((p) => p.a.bad || p.b.bad);
const both = withBad.filter((p) => p.a.bad && p.b.bad);
console.log(`${slices} tumour-free slices with a slice number in ${stacks.size} stacks; ${misread} misread (${((100 * misread) / slices).toFixed(1)} %)`);
console.log(`${pairs.length} pairs at most ${within} slices apart; ${withBad.length} with a misread slice, ${both.length} of them both misread`);
// each pair seen from its misread end(s): how often is a misread slice's neighbour misread too?
const ends = withBad.length + both.length;
console.log(`neighbours of misread slices misread too: ${2 * both.length} of ${ends} (${ends ? ((200 * both.length) / ends).toFixed(0) : 0} %), against ${((100 * misread) / slices).toFixed(1)} % of all these slices`);
for (const p of withBad) {
  const f = (s) => `${s.at}${s.bad ? ' misread' : ''} (P(tumour) ${s.pFind.toFixed(2)})`;
  console.log(`  ${p.key}: ${f(p.a)} · ${f(p.b)}`);
}
