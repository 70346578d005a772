/**
 * A figure beside its threshold reads on its own side of it (percentBeside): an answer at 0.58349 under
 * CONFIDENCE_THRESHOLD=0.58348 read "58.3 %" beside "58.348 %", as if below the threshold it passed.
 */
import { percentBeside, thresholdPercent } from '../../src/presentation/percent';
import { FIGURE_BESIDE_CASES } from '../support/figure-beside-cases';

/** The number a figure reads as ("> 99.9 %" reads 99.9 and more). */
const reads = (s: string) => Number(s.replace(/^[<>] /, '').replace(/ %$/, ''));

describe('percentBeside', () => {
  it.each(FIGURE_BESIDE_CASES)('%p beside %p reads %p', (v, t, written) => {
    expect(percentBeside(v, t)).toBe(written);
  });

  it('never reads on the wrong side of the threshold as written, nor 100 % / 0 % for what is not', () => {
    // thresholds as configured (thresholdPercent writes them as they are; 1/3 it rounds to 6 decimals, as pctBelow does not)
    for (const t of [0.6, 0.58348, 0.6049, 0.75, 0.5, 0.12345, 0.9993, 0.9]) {
      for (const d of [0, 1e-9, 1e-7, 1e-6, 1e-5, 4e-5, 5e-5, 1e-4, 4.9e-4, 5e-4, 1e-3, 0.01, 0.2]) {
        for (const v of [t - d, t + d].filter((x) => x > 0 && x < 1)) {
          const [fig, rule] = [percentBeside(v, t), thresholdPercent(t)];
          if (v < t) expect({ v, t, fig, below: reads(fig) < reads(rule) }).toEqual({ v, t, fig, below: true });
          else expect({ v, t, fig, atOrAbove: fig.startsWith('>') || reads(fig) >= reads(rule) }).toEqual({ v, t, fig, atOrAbove: true });
          expect(/^(100(\.0+)?|0(\.0+)?) %$/.test(fig)).toBe(false);
        }
      }
    }
  });
});
