/**
 * A short patient or study ID (4 characters with a digit: "4711") run into a word of a series
 * description — "PAT4711", "ID4711_T1" — was kept: IDs under 5 characters were cut as whole tokens
 * only, so that StudyID 1000 left "DWI b1000" whole. They are cut inside a word now, where they meet
 * it at a letter–digit seam, except in a word that reads as a b-value (b1000, 1000b); a word that
 * reads as another sequence parameter (TR2000, 256x256, PLD1800) kept a 4-digit ID until the
 * header-ID-position pass (deidentify-header-id-positions.spec.ts), which cuts "TR4711" and "4711ms".
 * Measured on the 313 protocol names of test/support/series-descriptions.ts with every number run
 * into a word in them taken for the ID (79, 43 of 4 digits): none changed before that pass, 16 since
 * (TR2000 with an ID 2000). Left as it was: an ID beginning or ending with a letter run into letters
 * ("XAB12"); "b4711", and 3-character IDs run into a word, are cut since
 * (deidentify-parameter-ids.spec.ts).
 */
import { scrubDescription } from '../../../src/studies/deidentify';
import { shownName } from '../../../src/studies/skipped-files';
import { identifierTokens } from '../../../src/studies/deidentify';
import { SERIES_DESCRIPTIONS } from '../../support/series-descriptions';

/** Every run of 2–4 digits inside a word of `d` (touching a letter): an ID of those digits must leave `d` as it is. */
function embeddedNumbers(d: string): string[] {
  return [...d.matchAll(/(?<=\p{L})\d{2,4}(?!\d)|(?<!\d)\d{2,4}(?=\p{L})/gu)].map((m) => m[0]);
}

/** The 4-character pieces with a digit of every word of `d`: an alphanumeric ID colliding with a protocol name. */
function alphanumericPieces(d: string): string[] {
  const out: string[] = [];
  for (const word of d.match(/[\p{L}\p{N}]+/gu) ?? []) {
    for (let i = 0; i + 4 <= word.length; i++) if (/\d/.test(word.slice(i, i + 4))) out.push(word.slice(i, i + 4));
  }
  return out;
}

describe('short IDs run into a word', () => {
  it(`the ${SERIES_DESCRIPTIONS.length} protocol names are kept as written with no identifier`, () => {
    const changed = SERIES_DESCRIPTIONS.filter((d) => scrubDescription(d, []) !== d);
    expect(changed).toEqual([]);
    expect(SERIES_DESCRIPTIONS.length).toBeGreaterThanOrEqual(300);
  });

  it('a protocol name loses a number of its own only where a 4-digit ID has its digits and it is no b-value (TR2000 with StudyID 2000)', () => {
    const pairs = SERIES_DESCRIPTIONS.flatMap((d) => embeddedNumbers(d).map((id) => ({ d, id })));
    expect(pairs.length).toBeGreaterThanOrEqual(75);
    const damaged = pairs.filter(({ d, id }) => scrubDescription(d, [id]) !== d);
    // measured: 16 of 79 (43 of 4 digits), each a timing parameter, a matrix or a PLD of the ID's
    // digits (deidentify-header-id-positions.spec.ts: a header ID is kept only as a b-value); none of
    // 2 or 3 digits, no b-value (b1000 with StudyID 1000 as before)
    expect(damaged.length).toBe(16);
    expect(damaged.filter(({ id }) => id.length < 4)).toEqual([]);
    expect(damaged.filter(({ d, id }) => new RegExp(`(?<![\\p{L}\\p{N}])(?:b${id}|${id}b)(?![\\p{L}\\p{N}])`, 'iu').test(d))).toEqual([]);
    for (const { d, id } of damaged) expect({ d, id, kept: scrubDescription(d, [id])?.replace(/[\s_]+/g, '') }).toEqual({ d, id, kept: d.replace(id, '').replace(/[\s_]+/g, '') });
  });

  it('a 4-character piece of a protocol word taken for an alphanumeric ID is cut from inside a word only where it meets it at a letter-digit seam', () => {
    // pieces that stand as a word of their own ("ep2d" in "ep2d_diff", "TE80") were cut before as now: whole tokens
    const whole = (d: string, id: string) => new RegExp(`(?<![\\p{L}\\p{N}])${id}(?![\\p{L}\\p{N}])`, 'iu').test(d);
    // (4 digits, no letter: the test above)
    const pairs = SERIES_DESCRIPTIONS.flatMap((d) => alphanumericPieces(d).map((id) => ({ d, id }))).filter(({ d, id }) => !whole(d, id) && /\p{L}/u.test(id));
    expect(pairs.length).toBeGreaterThanOrEqual(125);
    // measured: 5 of 131, IDs no one has ("1map", "32ch"); letter beside letter ("mb|ep2d", "3pla|ne") is never cut
    expect(pairs.filter(({ d, id }) => scrubDescription(d, [id]) !== d)).toEqual([
      { d: 'tfl_b1map', id: '1map' },
      { d: 'B1map_TR5000', id: '1map' },
      { d: 'fl2d1_r', id: 'fl2d' },
      { d: 'Ref_Head32ch', id: '32ch' },
      { d: 'iso1mm', id: 'iso1' },
    ]);
  });

  it('a 4-digit ID run into a word is cut, a dozen ways', () => {
    const cases: [string, string][] = [
      ['PAT4711 T1', 'PAT T1'],
      ['ID4711_T1', 'ID _T1'],
      ['T1 P4711', 'T1 P'],
      ['4711PAT T2', 'PAT T2'],
      ['SUBJ4711 DWI', 'SUBJ DWI'],
      ['MRN4711 FLAIR', 'MRN FLAIR'],
      ['CASE4711b', 'CASE b'],
      ['T2_S4711_AX', 'T2_S _AX'],
      ['4711T1 MPRAGE', 'T1 MPRAGE'],
      ['AX T1 pt4711', 'AX T1 pt'],
      ['DWI_4711a', 'DWI_ a'],
      ['Smith4711 T1', 'Smith T1'],
      ['T1 ID:4711', 'T1 ID:'],
      ['sub-4711_T1w', 'sub- _T1w'],
      ['STUDY4711-4711', 'STUDY'],
    ];
    for (const [d, shown] of cases) expect({ d, shown: scrubDescription(d, ['4711']) }).toEqual({ d, shown });
  });

  it('a 4-character ID with letters is cut where it meets a word at a letter-digit seam, not inside a longer number or run of letters', () => {
    expect(scrubDescription('T1 AB12X T2', ['AB12'])).toBe('T1 X T2');
    expect(scrubDescription('T1 123AB T2', ['23AB'])).toBe('T1 123AB T2');
    expect(scrubDescription('T1 4711AB T2', ['1AB'])).toBe('T1 4711AB T2');
    expect(scrubDescription('T1 12AB T2', ['12AB'])).toBe('T1 T2');
    // a letter run into letters is a word of the description ("mb" + "ep2d"): kept, as an ID starting with letters run into letters is
    expect(scrubDescription('T1 XAB12 T2', ['AB12'])).toBe('T1 XAB12 T2');
    // AB123 is another number than AB12; "A12" (3 characters) is cut as a whole word only
    expect(scrubDescription('TRA12 AB123 AB12 A12 T2', ['A12', 'AB12'])).toBe('TRA12 AB123 T2');
  });

  it('a b-value of the same digits stays; another sequence parameter of them is cut (was kept: TR/TE/TI, PLD, matrix, units)', () => {
    for (const d of ['DWI b1000', 'Ax DWI 1000b', 'B1000 ADC']) {
      expect({ d, shown: scrubDescription(d, ['1000']) }).toEqual({ d, shown: d });
    }
    for (const [d, shown] of [
      ['TR1000 TE80', 'TR TE80'],
      ['FLAIR TI1000', 'FLAIR TI'],
      ['pCASL_PLD1000', 'pCASL_PLD'],
      ['matrix 1000x1000', 'matrix x'],
      ['ep2d_pcasl_1000ms', 'ep2d_pcasl_ ms'],
      ['EP2D 1000X', 'EP2D X'],
    ]) {
      expect({ d, shown: scrubDescription(d, ['1000']) }).toEqual({ d, shown });
    }
  });

  it('a skipped file’s shown name loses a short ID run into it as well', () => {
    expect(shownName('PAT4711_referral.pdf', identifierTokens(['4711']))).toBe('PAT#_referral.pdf');
    expect(shownName('b1000_notes.txt', identifierTokens(['1000']))).toBe('b1000_notes.txt');
  });
});
