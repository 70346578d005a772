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
 */
import { scrubDescription } from '../src/studies/deidentify';
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
const caught = (withIds: boolean) => CASES.filter(([d, ids, id]) => !(scrubDescription(d, withIds ? ids : []) ?? '').toLowerCase().includes(id.toLowerCase()));
for (const [d, ids, id] of CASES) {
  const s = scrubDescription(d, ids);
  console.log(`${(s ?? '').toLowerCase().includes(id.toLowerCase()) ? 'KEPT  ' : 'cut   '} ${JSON.stringify(d)} ids=${JSON.stringify(ids)} -> ${JSON.stringify(s)}`);
}
console.log(`caught with header ids ${caught(true).length}/${CASES.length}; identifier-free (ids=[]) ${caught(false).length}/${CASES.length}`);
const changed = SERIES_DESCRIPTIONS.filter((d) => scrubDescription(d, []) !== d);
console.log(`protocol names changed (no ids): ${changed.length}/${SERIES_DESCRIPTIONS.length}`, changed);
// every number of 2–4 digits and every 3-char alnum piece in a protocol name taken as the header ID
const nums = SERIES_DESCRIPTIONS.flatMap((d) => [...d.matchAll(/\d{2,4}/g)].map((m) => ({ d, id: m[0] })));
const dn = nums.filter(({ d, id }) => scrubDescription(d, [id]) !== d && !new RegExp(`(?<![\\p{L}\\p{N}])${id}(?![\\p{L}\\p{N}])`, 'u').test(d));
console.log(`run-in numbers as ID: ${nums.length} pairs, changed (not whole word): ${dn.length}`, dn.slice(0, 40));
const pieces3: { d: string; id: string }[] = [];
for (const d of SERIES_DESCRIPTIONS) for (const w of d.match(/[\p{L}\p{N}]+/gu) ?? []) for (let i = 0; i + 3 <= w.length; i++) { const p = w.slice(i, i + 3); if (/\d/.test(p) && w.length > 3) pieces3.push({ d, id: p }); }
const d3 = pieces3.filter(({ d, id }) => scrubDescription(d, [id]) !== d);
console.log(`3-char alnum pieces inside words as ID: ${pieces3.length}, changed: ${d3.length}`, d3);
