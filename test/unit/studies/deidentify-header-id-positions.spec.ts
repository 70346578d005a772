/**
 * Where a short ID known from the header (a 4-digit patient ID, accession or study ID) may stay in
 * a series description: only where it is written as a b-value scanners are set to (b1000, b=1000,
 * 1000b), because there it cannot be told from the protocol's own b-value. Everywhere else it is
 * cut, also where it reads as another sequence parameter: "TR4711" and "4711ms" with a patient ID
 * 4711 were stored as written (every parameter word kept its number), and "b=1000" lost its
 * b-value to a study ID 1000 although "b1000" kept it. Which b-values count was narrowed too: a
 * multiple of 50 up to 10000 let 180 of the 9,000 4-digit numbers through as b-values.
 */
import { scrubDescription } from '../../../src/studies/deidentify';
import { isBValueWord } from '../../../src/studies/deidentify-patterns';
import { SERIES_DESCRIPTIONS } from '../../support/series-descriptions';

const shown = (d: string, ids: string[]) => ({ d, shown: scrubDescription(d, ids) });

describe('a header ID in a parameter position', () => {
  it('a 4-digit header ID written as a timing or other parameter is cut (was "TR4711", "4711ms")', () => {
    for (const [d, s] of [
      ['T1 TR4711', 'T1 TR'],
      ['T1 4711ms', 'T1 ms'],
      ['T1_TE4711_AX', 'T1_TE _AX'],
      ['FLAIR TI4711', 'FLAIR TI'],
      ['pCASL_PLD4711', 'pCASL_PLD'],
      ['matrix 4711x256', 'matrix x256'],
      ['BW4711Hz', 'BW Hz'],
      ['T1 TR4711ms', 'T1 TR ms'],
    ] as const) {
      expect(shown(d, ['4711'])).toEqual({ d, shown: s });
    }
  });

  it('timing parameters that are not the ID stay', () => {
    const d = 'T2 TSE TR4000 TE100 TI1800 1800ms PLD2000 b1000 256x256';
    expect(shown(d, ['4711', '0815', 'A4711'])).toEqual({ d, shown: d });
  });

  it('an ID that is a b-value scanners use stays where it is written as one (b1000, b=1000, b 1000, 1000b), and is cut anywhere else', () => {
    for (const [d, s] of [
      ['DWI b1000 1000', 'DWI b1000'],
      // (the character set stores "=" as a space)
      ['DWI b=1000', 'DWI b 1000'],
      ['DWI b = 1000', 'DWI b 1000'],
      ['DWI b 1000', 'DWI b 1000'],
      ['ep2d_diff_b_1000', 'ep2d_diff_b_1000'],
      ['Ax DWI 1000b', 'Ax DWI 1000b'],
      ['DWI_b1000_PAT1000', 'DWI_b1000_PAT'],
      ['TR1000 TE80', 'TR TE80'],
      ['ep2d_pcasl_1000ms', 'ep2d_pcasl_ ms'],
      ['EP2D 1000X', 'EP2D X'],
      ['DWI b=1000x', 'DWI b x'],
      ['DWI ASSET 1000', 'DWI ASSET'],
      ['DWI ab 1000', 'DWI ab'],
    ] as const) {
      expect(shown(d, ['1000'])).toEqual({ d, shown: s });
    }
    // not a b-value a scanner is set to: cut in the b-value position as well
    expect(shown('DWI b=4711', ['4711'])).toEqual({ d: 'DWI b=4711', shown: 'DWI b' });
    expect(shown('DWI b1050', ['1050'])).toEqual({ d: 'DWI b1050', shown: 'DWI b' });
    expect(shown('DWI b=1050', ['1050'])).toEqual({ d: 'DWI b=1050', shown: 'DWI b' });
  });

  it('b-values as protocols name them: multiples of 100 up to 3000 (and 1250, 1750, 2250, 2750), of 500 up to 10000', () => {
    for (const w of ['b0', 'b50', 'b120', 'b800', 'b1000', 'b1250', 'b1400', 'b1500', 'b2000', 'b2500', 'b3000', 'b3500', 'b5000', 'b10000', '1000b']) {
      expect({ w, bValue: isBValueWord(w) }).toEqual({ w, bValue: true });
    }
    for (const w of ['b4711', 'b1050', 'b3100', 'b4750', 'b10050', 'b0042', 'TR1000', '1000ms', 'b']) {
      expect({ w, bValue: isBValueWord(w) }).toEqual({ w, bValue: false });
    }
    // 4-digit numbers kept when an ID is written as a b-value: 180 of 9,000 before (every multiple of 50)
    let kept = 0;
    for (let n = 1000; n <= 9999; n++) if (isBValueWord(`b${n}`)) kept++;
    expect(kept).toBe(38);
  });

  it('every b-value of the protocol names is one, and none of them changes with no identifier', () => {
    const bWords = SERIES_DESCRIPTIONS.flatMap((d) => d.match(/(?<![\p{L}\p{N}])(?:b\d+|\d+b)(?![\p{L}\p{N}])/giu) ?? []);
    expect(bWords.length).toBeGreaterThanOrEqual(15);
    expect(bWords.filter((w) => !isBValueWord(w))).toEqual([]);
    expect(SERIES_DESCRIPTIONS.filter((d) => scrubDescription(d, []) !== d)).toEqual([]);
  });
});
