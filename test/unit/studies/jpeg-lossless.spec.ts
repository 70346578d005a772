import { JpegLosslessError, LosslessDecoder, readLosslessHeader } from '../../../src/studies/jpeg-lossless';
import { edited, expectThrows, markerAt } from '../../support/jpeg-edits';
import { encodeLosslessJpeg, LosslessOptions } from '../../support/jpeg-lossless-fixtures';

/**
 * The lossless JPEG decoder against the test encoder: every predictor, precisions 2–16, point
 * transforms, restart intervals and two kinds of Huffman table give back exactly the samples that
 * were encoded; a damaged stream is a JpegLosslessError, never a hang or another exception.
 */

/** Deterministic noise, gradients and both extremes side by side (full-range jumps: category 16 differences at 16 bits). */
function image(w: number, h: number, precision: number, pt = 0): Uint16Array {
  const max = 2 ** precision - 1;
  let seed = 12345 + precision;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
  return Uint16Array.from({ length: w * h }, (_, i) => {
    const x = i % w;
    const y = Math.floor(i / w);
    const v = y % 4 === 0 ? (x % 2 ? max : 0) : y % 4 === 1 ? Math.floor(rnd() * (max + 1)) : Math.floor(((x + y) / (w + h)) * max);
    return (v >> pt) << pt; // the low Pt bits are what a point transform drops
  });
}

function decodeAll(bytes: Uint8Array, band = 1 << 20): Uint16Array {
  const dec = new LosslessDecoder(bytes, 1 << 24);
  while (!dec.done) dec.next(band);
  return dec.out;
}

describe('lossless JPEG decoder (T.81 Annex H)', () => {
  const cases: [string, LosslessOptions][] = [];
  for (const precision of [2, 8, 12, 16]) for (let predictor = 1; predictor <= 7; predictor++) cases.push([`P=${precision} predictor ${predictor}`, { width: 37, height: 23, precision, predictor }]);
  cases.push(
    ['P=7, fitted table', { width: 40, height: 30, precision: 7, predictor: 4, table: 'fitted' }],
    ['P=15, predictor 6, fitted table', { width: 33, height: 17, precision: 15, predictor: 6, table: 'fitted' }],
    ['P=16, point transform 3, predictor 5', { width: 31, height: 19, precision: 16, predictor: 5, pointTransform: 3 }],
    ['P=12, point transform 1, predictor 7, restart every 4 lines (10 intervals: RST0–7 wrap)', { width: 25, height: 40, precision: 12, predictor: 7, pointTransform: 1, restartLines: 4 }],
    ['P=16, restart every line', { width: 16, height: 9, precision: 16, predictor: 2, restartLines: 1 }],
    ['one pixel', { width: 1, height: 1, precision: 16, predictor: 1 }],
    ['one column', { width: 1, height: 50, precision: 10, predictor: 7 }],
  );

  it.each(cases)('%s: the decoded samples are exactly the encoded ones', (_, o) => {
    const px = image(o.width, o.height, o.precision, o.pointTransform);
    const jpeg = encodeLosslessJpeg(px, o);
    expect(readLosslessHeader(jpeg)).toEqual({
      precision: o.precision,
      width: o.width,
      height: o.height,
      components: 1,
      predictor: o.predictor ?? 1,
      pointTransform: o.pointTransform ?? 0,
      restartInterval: (o.restartLines ?? 0) * o.width,
    });
    expect(decodeAll(jpeg)).toEqual(px);
  });

  it('decoded a row at a time or all at once: the same samples (the band boundaries lose no state)', () => {
    const o: LosslessOptions = { width: 20, height: 30, precision: 12, predictor: 6, restartLines: 7 };
    const jpeg = encodeLosslessJpeg(image(20, 30, 12), o);
    const dec = new LosslessDecoder(jpeg, 1 << 20);
    let calls = 0;
    while (!dec.done) (dec.next(1), calls++);
    expect(calls).toBe(30);
    expect(dec.out).toEqual(decodeAll(jpeg));
  });

  describe('a damaged or foreign stream is a JpegLosslessError naming what is wrong', () => {
    const o: LosslessOptions = { width: 32, height: 32, precision: 12, predictor: 1 };
    const good = encodeLosslessJpeg(image(32, 32, 12), o);
    const sof = good.indexOf(0xc3) - 1;
    const sos = markerAt(good, 0xda);
    const edit = (f: (b: Uint8Array) => void) => edited(good, f);
    const cases: [string, Uint8Array, RegExp][] = [
      ['empty', new Uint8Array(0), /SOI/],
      ['garbage', Uint8Array.from({ length: 500 }, (_, i) => (i * 7919) & 0xff), /SOI/],
      ['cut in the markers', good.subarray(0, sof + 6), /cut off|no lossless frame header/],
      ['cut in the entropy-coded data', good.subarray(0, sos + 200), /truncated/],
      ['a baseline (SOF0) frame', edit((b) => (b[sof + 1] = 0xc0)), /not Huffman-coded lossless JPEG \(frame type SOF0/],
      ['an arithmetic-coded (SOF11) frame', edit((b) => (b[sof + 1] = 0xcb)), /SOF11/],
      ['precision 17', edit((b) => (b[sof + 4] = 17)), /precision is 17 bits/],
      ['precision 1', edit((b) => (b[sof + 4] = 1)), /precision is 1 bits/],
      ['predictor 0', edit((b) => (b[sos + 7] = 0)), /predictor is 0/],
      ['predictor 8', edit((b) => (b[sos + 7] = 8)), /predictor is 8/],
      ['a point transform as wide as the precision', edit((b) => (b[sos + 9] = 12)), /point transform \(12\)/],
      ['width 0', edit((b) => (b[sof + 7] = 0, b[sof + 8] = 0)), /declares 0×32 px/],
      ['a scan that uses an undefined Huffman table', edit((b) => (b[sos + 6] = 0x10)), /Huffman table it does not define/],
      ['no scan', good.subarray(0, sos), /no scan/],
    ];
    it.each(cases)('%s', (_, bytes, message) => expectThrows(() => decodeAll(bytes), JpegLosslessError, message));

    it('an over-subscribed Huffman table, and codes its table does not define', () => {
      const dht = markerAt(good, 0xc4);
      expect(() => decodeAll(edit((b) => ((b[dht + 6] = 3), (b[dht + 7] = 3))))).toThrow(/over-subscribed/); // 3 codes of 2 bits, then 3 of 3 bits: 9 > 8
      // all-ones data (FF, stuffed 00): the 14-bit all-ones code is the one the fixed table leaves out
      const ones = edit((b) => {
        for (let k = sos + 10; k < sos + 40; k += 2) (b[k] = 0xff), (b[k + 1] = 0);
      });
      expect(() => decodeAll(ones)).toThrow(/a code its Huffman table does not define/);
    });

    it('a missing restart marker', () => {
      const r = encodeLosslessJpeg(image(16, 16, 8), { width: 16, height: 16, precision: 8, restartLines: 4 });
      const b = edited(r, (x) => (x[markerAt(x, 0xd1) + 1] = 0xd5)); // RST5 where RST1 belongs
      expect(() => decodeAll(b)).toThrow(/restart marker 2 is missing/);
    });

    it('a restart interval that is not whole lines is refused from the header', () => {
      const r = encodeLosslessJpeg(image(16, 16, 8), { width: 16, height: 16, precision: 8, restartLines: 1 });
      const b = edited(r, (x) => (x[markerAt(x, 0xdd) + 5] = 10));
      expect(() => readLosslessHeader(b)).toThrow(/restart interval \(10\) is not a whole number of lines/);
    });

    it('the output is allocated only for a size within the caller’s limit', () => {
      expect(() => new LosslessDecoder(good, 32 * 32 - 1)).toThrow(/32×32 px exceed the 1023 allowed/);
    });
  });
});
