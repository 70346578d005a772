/**
 * What the series-description scrub (src/studies/deidentify.ts) cuts and what it keeps. Not a test:
 * run by hand,
 *   node -r ts-node/register/transpile-only scripts/measure-description-scrub.ts
 * Prints, for a table of identifier-bearing descriptions, what is stored with the case's header
 * identifiers and whether the identifier is gone; how many are caught with those identifiers and with
 * none (the identifier-free rules, which also cut another person's and are what
 * `npm run descriptions:rescrub` re-applies); and, over the 313 protocol names of
 * test/support/series-descriptions.ts, how many change with no identifier, with each of their
 * numbers taken for the header's ID, and with each 3-character piece with a digit taken for it.
 * Privacy pass (this script's first run): caught 18 / 33 with the header's identifiers before, 32 after; 8 / 33
 * with none before, 16 after; protocol names changed 0, 0 and 0 → 1 ("fl2d1_r" for an ID "2D1").
 * Header-ID-position pass (a 4-digit header ID kept only as a b-value, then a name's initials beside
 * it): its 14 cases caught 2 → 8 → 14 with the identifiers (1 → 1 → 1 with none); protocol names changed with no identifier 0 → 0; of the 79
 * numbers run into a word taken for the ID 0 → 16 (TR2000 with an ID 2000: each a TR, TI, PLD, ms
 * or matrix of 4 digits); 3-character pieces 1 → 1.
 */
import { scrubDescription } from '../src/studies/deidentify';
import { cutBareNumbers } from '../src/studies/deidentify-patterns';
import { SERIES_DESCRIPTIONS } from '../test/support/series-descriptions';
/** [description, the header's identifiers, the identifier text that must be gone] */
const CASES: [string, string[], string][] = [
  ['T1 PID_4711', ['4711'], '4711'],
  ['PID_4711 T2', [], '4711'],
  ['PAT_ID_4711 T2', [], '4711'],
  ['PATIENT_ID_0042 T1', [], '0042'],
  ['Patient-ID: 0042 T2', [], '0042'],
  ['MRN_123456 T1', [], '123456'],
  ['MRN12345 T1', [], '12345'],
  ['ACC_NO_4711 T1', [], '4711'],
  ['MR_NO 4711 T1', [], '4711'],
  ['T2 [MRN 4711]', [], '4711'],
  ['T2 (PID 4711)', [], '4711'],
  ['DOE^JOHN T1', [], 'DOE'],
  ['DOB 1970-01-01 T1', [], '1970'],
  ['Smith J 1970-01-01', ['SMITH^JOHN', '19700101'], 'Smith'],
  ['ACC 20240101123', [], '20240101123'],
  ['T2 #4711', ['4711'], '4711'],
  ['T2 #4711', [], '4711'],
  ['T1_4711_AX', ['4711'], '4711'],
  ['T1-4711-AX', ['4711'], '4711'],
  ['T1.4711.AX', ['4711'], '4711'],
  ['T1 [4711]', ['4711'], '4711'],
  ['T1 (4711)', ['4711'], '4711'],
  ['DWI b4711', ['4711'], '4711'],
  ['DWI 4711b', ['4711'], '4711'],
  ['b4711_T1', ['4711'], '4711'],
  ['PAT042 T1', ['042'], '042'],
  ['T1_P042', ['042'], '042'],
  ['042T1 FLAIR', ['042'], '042'],
  ['T1 AB1X', ['AB1'], 'AB1'],
  ['SUBJ123_T1w', ['123'], '123'],
  ['A12_T2', ['A12'], 'A12'],
  ['T2 ID A12', ['A12'], 'A12'],
  ['CASE_b4711', ['4711'], '4711'],
];
/**
 * Header-ID-position pass: an ID written as a parameter other than a b-value, a b-value no scanner
 * uses, and a name's initial beside its family name. [description, identifiers, what must be gone
 * (a word, case aside)]. Before the pass: 2 / 14 with the identifiers, 1 / 14 with none.
 */
const CASES_2: [string, string[], string][] = [
  ['T1 TR4711', ['4711'], '4711'],
  ['T1 4711ms', ['4711'], '4711'],
  ['FLAIR TI4711', ['4711'], '4711'],
  ['pCASL_PLD4711', ['4711'], '4711'],
  ['T1 4711x256', ['4711'], '4711'],
  ['DWI b=4711', ['4711'], '4711'],
  ['DWI b1050', ['1050'], '1050'],
  ['DWI b1000 1000', ['1000'], ' 1000'],
  ['Smith J T1', ['SMITH^JOHN'], 'J'],
  ['J Smith T1', ['SMITH^JOHN'], 'J'],
  ['SMITH^J T1', ['SMITH^JOHN'], 'J'],
  ['Smith, J. T1', ['SMITH^JOHN'], 'J'],
  ['T1 J. SMITH', ['SMITH^JOHN'], 'J'],
  ['Mueller J T2', ['MÜLLER^JÜRGEN'], 'J'],
];
/** Whether `id` is still in what is shown: a letter (an initial) or a number marked with a leading space as a word of its own, anything else anywhere. */
const kept = (shown: string | null, id: string) =>
  id.length === 1 || id.startsWith(' ') ? new RegExp(`(?<![\\p{L}\\p{N}])${id.trim()}(?![\\p{L}\\p{N}])`, 'iu').test(shown ?? '') : (shown ?? '').toLowerCase().includes(id.toLowerCase());
const caught = (cases: [string, string[], string][], withIds: boolean) => cases.filter(([d, ids, id]) => !kept(scrubDescription(d, withIds ? ids : []), id));
for (const [d, ids, id] of [...CASES, ...CASES_2]) {
  const s = scrubDescription(d, ids);
  console.log(`${kept(s, id) ? 'KEPT  ' : 'cut   '} ${JSON.stringify(d)} ids=${JSON.stringify(ids)} -> ${JSON.stringify(s)}`);
}
console.log(`caught with header ids ${caught(CASES, true).length}/${CASES.length}; identifier-free (ids=[]) ${caught(CASES, false).length}/${CASES.length}`);
console.log(`header-ID-position cases: caught with header ids ${caught(CASES_2, true).length}/${CASES_2.length}; identifier-free ${caught(CASES_2, false).length}/${CASES_2.length}`);
const bValueKept = ['DWI b1000 1000', 'DWI b=1000', 'Ax DWI 1000b'].map((d) => `${d} -> ${scrubDescription(d, ['1000'])}`);
console.log('a header ID 1000 where written as a b-value (kept by design):', bValueKept);
const changed = SERIES_DESCRIPTIONS.filter((d) => scrubDescription(d, []) !== d);
console.log(`protocol names changed (no ids): ${changed.length}/${SERIES_DESCRIPTIONS.length}`, changed);
// every number of 2–4 digits and every 3-char alnum piece in a protocol name taken as the header ID
const nums = SERIES_DESCRIPTIONS.flatMap((d) => [...d.matchAll(/\d{2,4}/g)].map((m) => ({ d, id: m[0] })));
const runIn = nums.filter(({ d, id }) => !new RegExp(`(?<![\\p{L}\\p{N}])${id}(?![\\p{L}\\p{N}])`, 'u').test(d));
const dn = runIn.filter(({ d, id }) => scrubDescription(d, [id]) !== d);
console.log(`run-in numbers as ID: ${runIn.length} pairs (of ${nums.length} numbers), changed: ${dn.length}`, dn.slice(0, 40));
const pieces3: { d: string; id: string }[] = [];
for (const d of SERIES_DESCRIPTIONS) for (const w of d.match(/[\p{L}\p{N}]+/gu) ?? []) for (let i = 0; i + 3 <= w.length; i++) { const p = w.slice(i, i + 3); if (/\d/.test(p) && w.length > 3) pieces3.push({ d, id: p }); }
const d3 = pieces3.filter(({ d, id }) => scrubDescription(d, [id]) !== d);
console.log(`3-char alnum pieces inside words as ID: ${pieces3.length}, changed: ${d3.length}`, d3);
// what `npm run descriptions:rescrub --cut-bare-numbers` cuts of a stored row ("T2 #4711" was stored "T2 4711")
const bareChanged = SERIES_DESCRIPTIONS.filter((d) => cutBareNumbers(d, ' ') !== d);
let bareCut = 0;
for (let n = 1000; n <= 9999; n++) if (cutBareNumbers(`T2 ${n}`, ' ') !== `T2 ${n}`) bareCut++;
console.log(`bare 4-digit numbers (rescrub --cut-bare-numbers): protocol names changed ${bareChanged.length}/${SERIES_DESCRIPTIONS.length}`, bareChanged, `; stored "T2 NNNN" rows cut: ${bareCut} of 9000`);
