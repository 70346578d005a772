import { DctDecoder, JpegDctError, readDctHeader } from '../../../src/studies/jpeg-dct';
import { DctOptions, encodeDctJpeg, phantom } from '../../support/jpeg-dct-fixtures';
import { edited, expectThrows, markerAt } from '../../support/jpeg-edits';

/**
 * The sequential DCT decoder (T.81 Annex F, 8- and 12-bit, one component) against the test encoder:
 * every sample equals the exact inverse DCT of the quantised coefficients (computed by the fixture
 * with the direct 2-D formula), whatever the tables, restart interval or frame size; the loss against
 * the source image is what the quantisation leaves; a damaged or foreign stream is a JpegDctError
 * naming what is wrong, never a hang or another exception.
 */

function decodeAll(bytes: Uint8Array, band = 1 << 20): Uint16Array {
  const dec = new DctDecoder(bytes, 1 << 24);
  while (!dec.done) dec.next(band);
  return dec.out;
}

/** Largest absolute difference, and PSNR in dB over the precision's range. */
function error(a: ArrayLike<number>, b: ArrayLike<number>, precision: number): { max: number; psnr: number } {
  let max = 0;
  let se = 0;
  for (let i = 0; i < a.length; i++) {
    const e = a[i] - b[i];
    max = Math.max(max, Math.abs(e));
    se += e * e;
  }
  return { max, psnr: 10 * Math.log10((2 ** precision - 1) ** 2 / (se / a.length)) };
}

describe('sequential DCT JPEG decoder (T.81 Annex F)', () => {
  const cases: [string, DctOptions][] = [
    ['12-bit, quality 90, 48 × 40', { width: 48, height: 40, precision: 12, quality: 90 }],
    ['12-bit, quality 50, 45 × 37 (partial edge blocks)', { width: 45, height: 37, precision: 12, quality: 50 }],
    ['12-bit, quality 100, 16-bit quantisation entries, tables 2 / 3 / 1, flat Huffman tables', { width: 33, height: 17, precision: 12, quality: 100, quant16: true, quantId: 2, dcId: 3, acId: 1, huffman: 'flat' }],
    ['12-bit, restart every 5 blocks (RST0–7 wrap), sampling factors 2 × 2 in the frame header', { width: 64, height: 48, precision: 12, restartBlocks: 5, sampling: 2 }],
    ['12-bit, restart every block', { width: 24, height: 16, precision: 12, restartBlocks: 1 }],
    ['8-bit baseline (SOF0)', { width: 40, height: 24, precision: 8, frameType: 0 }],
    ['8-bit extended (SOF1), quality 75, flat tables', { width: 31, height: 29, precision: 8, frameType: 1, quality: 75, huffman: 'flat' }],
    ['one pixel', { width: 1, height: 1, precision: 12 }],
    ['one column', { width: 1, height: 50, precision: 12 }],
  ];

  it.each(cases)('%s: every sample is the exact inverse DCT of the coded coefficients', (_, o) => {
    const { stream, expected } = encodeDctJpeg(phantom(o.width, o.height, o.precision), o);
    expect(readDctHeader(stream)).toMatchObject({ width: o.width, height: o.height, precision: o.precision, components: 1, frameType: o.frameType ?? 1 });
    expect(decodeAll(stream)).toEqual(expected);
  });

  it('decoded a block row at a time or all at once: the same samples (the bands lose no state, restarts included)', () => {
    const o = { width: 70, height: 53, precision: 12, restartBlocks: 7 };
    const { stream } = encodeDctJpeg(phantom(70, 53, 12), o);
    expect(decodeAll(stream, 1)).toEqual(decodeAll(stream));
  });

  // measured on this 128 × 96 phantom: 12-bit q90 60.5 dB (max error 15 of 4095), q75 52.5 dB (42), q50 46.5 dB (75); 8-bit q90
  // 37.8 dB (14 of 255): the same table is 16× finer against 12-bit samples. (DCMTK's 8-bit q90 files gave ~44 dB, its 12-bit ones 60.5.)
  it.each([
    [12, 90, 59, 20],
    [12, 75, 51, 50],
    [12, 50, 45, 90],
    [8, 90, 36.5, 18],
  ] as const)('%i-bit at quality %i: within the loss the quantisation allows (PSNR ≥ %i dB, max error ≤ %i)', (precision, quality, psnr, max) => {
    const src = phantom(128, 96, precision, 11);
    const e = error(decodeAll(encodeDctJpeg(src, { width: 128, height: 96, precision, quality }).stream), src, precision);
    expect(e.psnr).toBeGreaterThanOrEqual(psnr);
    expect(e.max).toBeLessThanOrEqual(max);
  });

  it('white and black saturate without wrapping: a 4095 disc on 0 decodes to ≥ 3900 inside and ≤ 200 outside', () => {
    const src = Array.from({ length: 64 * 64 }, (_, i) => (Math.hypot((i % 64) - 32, Math.floor(i / 64) - 32) < 20 ? 4095 : 0));
    const out = decodeAll(encodeDctJpeg(src, { width: 64, height: 64, precision: 12, quality: 30 }).stream);
    expect(out.every((v, i) => (src[i] ? v >= 3900 : v <= 200))).toBe(true);
  });
});

describe('a damaged or foreign stream is a JpegDctError naming what is wrong', () => {
  const o: DctOptions = { width: 48, height: 40, precision: 12, restartBlocks: 6 };
  const good = encodeDctJpeg(phantom(48, 40, 12), o).stream;
  const edit = (f: (b: Uint8Array) => void) => edited(good, f);
  const sof = markerAt(good, 0xc1);
  const sos = markerAt(good, 0xda);
  const dqt = markerAt(good, 0xdb);
  const dht = markerAt(good, 0xc4);

  /** A hand-made 8 × 8 stream: one-code DC and AC tables (code 0 → `dc`, `ac`), then `data` as its entropy-coded bytes. */
  const tiny = (dc: number, ac: number, data: number[], precision = 12) =>
    Uint8Array.from([
      ...[0xff, 0xd8, 0xff, 0xdb, 0, 67, 0, ...new Array<number>(64).fill(1)],
      ...[0xff, 0xc1, 0, 11, precision, 0, 8, 0, 8, 1, 1, 0x11, 0],
      ...[0xff, 0xc4, 0, 20, 0x00, 1, ...new Array<number>(15).fill(0), dc],
      ...[0xff, 0xc4, 0, 20, 0x10, 1, ...new Array<number>(15).fill(0), ac],
      ...[0xff, 0xda, 0, 8, 1, 1, 0x00, 0, 63, 0],
      ...data,
      0xff,
      0xd9,
    ]);

  const cases: [string, Uint8Array, RegExp][] = [
    ['not a JPEG', Uint8Array.from([1, 2, 3, 4, 5]), /does not start with a JPEG SOI marker/],
    ['a progressive (SOF2) frame', edit((b) => (b[sof + 1] = 0xc2)), /progressive \(SOF2\) JPEG, not the sequential DCT/],
    ['a lossless (SOF3) frame', edit((b) => (b[sof + 1] = 0xc3)), /lossless \(SOF3\)/],
    ['an arithmetic-coded (SOF9) frame', edit((b) => (b[sof + 1] = 0xc9)), /arithmetic-coded \(SOF9\)/],
    ['precision 16', edit((b) => (b[sof + 4] = 16)), /precision is 16 bits \(8 or 12 allowed\)/],
    ['a 12-bit baseline (SOF0) frame', edit((b) => (b[sof + 1] = 0xc0)), /baseline \(SOF0\) frame of 12-bit samples/],
    ['height 0 (a DNL marker, which DICOM does not use)', edit((b) => ((b[sof + 5] = 0), (b[sof + 6] = 0))), /declares 48×0 px/],
    ['a scan using DC table 2, never defined', edit((b) => (b[sos + 6] = 0x20)), /DC Huffman table 2, which it does not define/],
    ['a scan using AC table 3, never defined', edit((b) => (b[sos + 6] = 0x03)), /AC Huffman table 3, which it does not define/],
    ['a frame using quantisation table 1, never defined', edit((b) => (b[sof + 12] = 1)), /quantisation table 1, which it does not define/],
    ['a Huffman table id 5', edit((b) => (b[dht + 4] = 0x05)), /class 0, id 5 is not one T.81 defines/],
    ['a quantisation table id 4', edit((b) => (b[dqt + 4] = 0x04)), /quantisation table 4 \(precision 0\)/],
    ['a scan naming another component', edit((b) => (b[sos + 5] = 9)), /names a component its frame header does not declare/],
    ['a spectral-selection scan', edit((b) => (b[sos + 8] = 5)), /not a sequential one/],
    ['two components in the scan', edit((b) => (b[sos + 4] = 2)), /codes 2 components/],
    ['cut before the scan', good.subarray(0, sos), /no scan \(truncated\?\)/],
    ['cut in the entropy-coded data', good.subarray(0, good.length - 400), /entropy-coded data end before/],
    ['a restart marker missing', edit((b) => (b[markerAt(b, 0xd2) + 1] = 0xd5)), /restart marker 3 is missing/],
    ['entropy-coded data of ones (stuffed FF 00: the all-ones code no table defines)', edit((b) => { for (let i = sos + 10; i + 3 < b.length; i += 2) b.set([0xff, 0], i); }), /code its Huffman table does not define/],
    ['a DC difference of 16 bits in a 12-bit frame', tiny(16, 0, [0, 0, 0, 0]), /DC difference of 16 bits \(at most 15 for 12-bit samples\)/],
    ['a DC difference of 12 bits in an 8-bit frame', tiny(12, 0, [0, 0, 0, 0], 8), /DC difference of 12 bits \(at most 11 for 8-bit samples\)/],
    ['an AC coefficient of 15 bits in a 12-bit frame', tiny(0, 0x0f, [0, 0, 0, 0]), /AC coefficient of 15 bits/],
    ['runs of zeros past the 64th coefficient', tiny(0, 0xf1, [0, 0, 0, 0]), /run past the 64 coefficients of a block/],
  ];

  it.each(cases)('%s', (_, bytes, message) => expectThrows(() => decodeAll(bytes), JpegDctError, message));

  it('an over-subscribed Huffman table', () => {
    const b = tiny(0, 0, [0, 0]);
    const dht = b.indexOf(0xc4) - 1;
    // three codes of one bit (DC values 0, 1, 2) in place of the one
    const three = Uint8Array.from([...b.subarray(0, dht), 0xff, 0xc4, 0, 22, 0x00, 3, ...new Array<number>(15).fill(0), 0, 1, 2, ...b.subarray(dht + 22)]);
    expect(() => decodeAll(three)).toThrow(/over-subscribed/);
  });

  it('the output is allocated only for a size within the caller’s limit; the header alone is read for any size', () => {
    const big = edit((b) => b.set([0xea, 0x60, 0xea, 0x60], sof + 5)); // 60,000 × 60,000
    expect(readDctHeader(big)).toMatchObject({ width: 60_000, height: 60_000 });
    expect(() => new DctDecoder(big, 4_000_000)).toThrow(/60000×60000 px exceed the 4000000 allowed/);
  });

  it('400 byte-mutated and 100 cut streams: each gives a frame or a JpegDctError, nothing else', () => {
    let seed = 99;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const outcomes = { decoded: 0, refused: 0 };
    for (let k = 0; k < 500; k++) {
      const b = k < 400 ? Uint8Array.from(good) : good.subarray(0, rnd(good.length));
      if (k < 400) for (let m = 0; m <= rnd(4); m++) b[rnd(b.length)] = rnd(256);
      try {
        decodeAll(b);
        outcomes.decoded++;
      } catch (e) {
        if (!(e instanceof JpegDctError)) throw e;
        outcomes.refused++;
      }
    }
    expect(outcomes.decoded + outcomes.refused).toBe(500);
    expect(outcomes.refused).toBeGreaterThan(100);
  });
});
