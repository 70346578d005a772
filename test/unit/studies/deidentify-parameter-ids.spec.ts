/**
 * Identifiers the scrub kept after the run-in pass (deidentify-embedded-ids.spec.ts):
 * - a header ID written as a sequence parameter would be ("DWI b4711", "4711b"): every word that read
 *   as a parameter kept its number, so a patient ID 4711 typed behind a "b" was stored. A b-value is
 *   a parameter now only where it is one a scanner uses (b0, b50, b800, b1000, b3000: a multiple of
 *   10 below 1000, of 50 up to 10000, no leading zero); b4711 is not.
 * - an ID of 3 characters with a digit ("042", "A12") run into a word ("PAT042", "SUBJ123_T1w"):
 *   cut as a whole word only, as 4-character IDs were before e7199f6.
 * - a number behind an ID label joined by an underscore ("PID_4711", "PAT_ID_4711", "ACC_NO_4711")
 *   or behind "#" alone ("#4711"): the identifier-free rule knew ":", "#", "=", "-" and a space only.
 * Every protocol name of test/support/series-descriptions.ts stays as written.
 */
import { scrubDescription } from '../../../src/studies/deidentify';
import { isParameterWord } from '../../../src/studies/deidentify-patterns';
import { SERIES_DESCRIPTIONS } from '../../support/series-descriptions';

const shown = (d: string, ids: string[]) => ({ d, shown: scrubDescription(d, ids) });

describe('IDs written like parameters, 3-character IDs in words, underscore-joined labels', () => {
  it('a header ID written as a b-value that no scanner uses is cut (was "DWI b4711")', () => {
    for (const [d, s] of [
      ['DWI b4711', 'DWI b'],
      ['DWI 4711b', 'DWI b'],
      ['b4711_T1', 'b _T1'],
      ['CASE_b4711', 'CASE_b'],
      ['DWI b0042', 'DWI b'],
    ] as const) {
      expect(shown(d, ['4711', '0042'])).toEqual({ d, shown: s });
    }
  });

  it('a b-value a scanner uses keeps its number even where an ID has the same digits', () => {
    for (const [d, id] of [
      ['DWI b1000', '1000'],
      ['ep2d_diff_tra_b50_b800', '800'],
      ['cmrr_mbep2d_diff_b3000_AP', '3000'],
      ['Ax DWI 1000b hb3', '1000'],
      ['IVIM b120 b150', '120'],
      ['b1500 DWI', '1500'],
      ['DWI b1250', '1250'],
    ] as const) {
      expect({ id, ...shown(d, [id]) }).toEqual({ id, d, shown: d });
    }
  });

  it('which b-values are read as parameters', () => {
    for (const w of ['b0', 'b50', 'b120', 'b800', 'b1000', 'b1250', 'b3000', 'b10000', '1000b', 'TR4711', 'TE100', '256x256', '4711ms']) {
      expect({ w, parameter: isParameterWord(w) }).toEqual({ w, parameter: true });
    }
    for (const w of ['b4711', 'b0042', 'b123', 'b10050', 'b99999', '4711b', 'p4711', 'pat4711']) {
      expect({ w, parameter: isParameterWord(w) }).toEqual({ w, parameter: false });
    }
  });

  it('a 3-character ID run into a word at a letter-digit seam is cut (was "PAT042 T1")', () => {
    for (const [d, ids, s] of [
      ['PAT042 T1', ['042'], 'PAT T1'],
      ['T1_P042', ['042'], 'T1_P'],
      ['042T1 FLAIR', ['042'], 'T1 FLAIR'],
      ['SUBJ123_T1w', ['123'], 'SUBJ _T1w'],
      ['A12_T2', ['A12'], '_T2'],
    ] as [string, string[], string][]) {
      expect(shown(d, ids)).toEqual({ d, shown: s });
    }
  });

  it('a 3-character ID is not cut inside another number, a run of letters or a parameter word', () => {
    for (const [d, id] of [
      ['TR1000 TE80', '100'],
      ['mbME_TE100', '100'],
      ['svs_se_TE135', '135'],
      ['matrix 256x256', '256'],
      ['TRA12 T2', 'A12'],
      ['DWI b800', '800'],
      ['FOV240', '240'],
      // one digit in three characters: a piece of a sequence name (or a postcode), not cut inside a word
      ['ep2d_diff_b1000', 'EP2'],
      ['sT1W_3D_TFE', 'ST1'],
      ['t1_fl3d_tra_p2', 'FL3'],
      ['T1 AB1X', 'AB1'],
    ] as const) {
      expect({ id, ...shown(d, [id]) }).toEqual({ id, d, shown: d });
    }
  });

  it('no protocol name loses a 3-digit number of its own run into a word when an ID has its digits', () => {
    const pairs = SERIES_DESCRIPTIONS.flatMap((d) =>
      [...d.matchAll(/(?<=\p{L})\d{3}(?!\d)|(?<!\d)\d{3}(?=\p{L})/gu)].map((m) => ({ d, id: m[0] })),
    );
    expect(pairs.length).toBeGreaterThanOrEqual(12);
    expect(pairs.filter(({ d, id }) => scrubDescription(d, [id]) !== d)).toEqual([]);
  });

  it('a 3-character piece with a digit of a protocol word, taken for the ID, changes 1 protocol name (29 with one-digit pieces cut)', () => {
    const pairs: { d: string; id: string }[] = [];
    for (const d of SERIES_DESCRIPTIONS) {
      for (const word of d.match(/[\p{L}\p{N}]+/gu) ?? []) {
        for (let i = 0; word.length > 3 && i + 3 <= word.length; i++) if (/\d/.test(word.slice(i, i + 3))) pairs.push({ d, id: word.slice(i, i + 3) });
      }
    }
    expect(pairs.length).toBeGreaterThanOrEqual(300);
    // an ID "2D1" no one has
    expect(pairs.filter(({ d, id }) => scrubDescription(d, [id]) !== d)).toEqual([{ d: 'fl2d1_r', id: '2d1' }]);
  });

  it('a number behind an ID label joined by an underscore, or behind "#", is cut with no identifier known (was "PID_4711")', () => {
    for (const [d, s] of [
      ['PID_4711 T2', 'PID_ T2'],
      ['PAT_ID_4711 T2', 'PAT_ID_ T2'],
      ['PATIENT_ID_0042 T1', 'PATIENT_ID_ T1'],
      ['Patient-ID: 0042 T2', 'Patient-ID: T2'],
      ['ACC_NO_4711 T1', 'ACC_NO_ T1'],
      ['MR_NO 4711 T1', 'MR_NO T1'],
      ['T2 #4711', 'T2'],
      ['T2 # 123-456', 'T2'],
      ['T1 ID_b4711', 'T1 ID_'],
    ] as const) {
      expect(shown(d, [])).toEqual({ d, shown: s });
    }
    // not IDs: a series number, a label inside a word, a b-value behind the label
    for (const d of ['VALID_300', 'T1 ID_b1000', 'DTI_30dir', 'RAPID_1000']) expect(shown(d, [])).toEqual({ d, shown: d });
    // (the character set takes "#" out of every description; 1–2 digits behind it stay)
    expect(shown('Series #3', [])).toEqual({ d: 'Series #3', shown: 'Series 3' });
    expect(shown('T2 #12', [])).toEqual({ d: 'T2 #12', shown: 'T2 12' });
  });

  it(`none of the ${SERIES_DESCRIPTIONS.length} protocol names changes with no identifier`, () => {
    expect(SERIES_DESCRIPTIONS.filter((d) => scrubDescription(d, []) !== d)).toEqual([]);
  });
});
