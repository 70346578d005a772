import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { CorruptStudyError } from '../../../src/studies/study-errors';
import { El, el, maxDiff, mrDicom, ref } from '../../support/dicom-pixel-fixtures';

const LIMITS: StudyLimits = { maxBytes: 64 * 1024 * 1024, maxSlices: 50, minSide: 16, maxPixels: 1_000_000 };
const R = 32;
const stored = (k: number) => Uint16Array.from({ length: R * R }, (_, i) => (i * 37 + k * 11) % 1000);
/**
 * Values 496–504 only: a threshold or a window a few values wide over data 0–999 flattens it and is
 * set aside for the percentile window (window-check.ts: the last test here); over data this narrow
 * no window shows more, so the header's is applied, and its transfer function can be checked.
 */
const narrow = (k: number) => Uint16Array.from({ length: R * R }, (_, i) => 496 + ((i * 37 + k * 11) % 9));
const WC = 0x00281050;
const WW = 0x00281051;
const FN = 0x00281056;

async function slicesOf(files: Buffer[]) {
  const study = await loadStudy(files.map((b) => new Uint8Array(b)), LIMITS);
  if (study.kind !== 'slices') throw new Error(`expected slices, got ${study.kind}`);
  return study;
}

function classic(fn: string | null, c: number, w: number, extra: El[] = [], values = stored) {
  return [0, 1].map((k) =>
    mrDicom({
      rows: R,
      columns: R,
      bitsAllocated: 16,
      words: values(k),
      z: 5 * k,
      instanceNumber: k + 1,
      extra: [el.ds(WC, c), el.ds(WW, w), ...(fn ? [el.str(FN, 'CS', fn)] : []), ...extra],
    }),
  );
}

describe('VOI LUT Function (0028,1056), PS3.3 C.11.2.1.2 / C.11.2.1.3', () => {
  it('SIGMOID is applied as the sigmoid, not as a linear window', async () => {
    const study = await slicesOf(classic('SIGMOID', 500, 400));
    expect(study.meta.windowing).toBe('header');
    study.slices.forEach((s, k) => expect(maxDiff(s.image.data, Array.from(stored(k), (x) => ref.sigmoid(x, 500, 400)))).toBe(0));
  });

  it('LINEAR_EXACT has no −0.5 / −1 terms (a narrow window shows the difference)', async () => {
    const study = await slicesOf(classic('LINEAR_EXACT', 500, 4, [], narrow));
    study.slices.forEach((s, k) => expect(maxDiff(s.image.data, Array.from(narrow(k), (x) => ref.linearExact(x, 500, 4)))).toBe(0));
  });

  it('LINEAR (explicit or absent) keeps the c − 0.5 / w − 1 formula', async () => {
    for (const fn of ['LINEAR', null]) {
      const study = await slicesOf(classic(fn, 500, 600));
      study.slices.forEach((s, k) => expect(maxDiff(s.image.data, Array.from(stored(k), (x) => ref.linear(x, 500, 600)))).toBe(0));
    }
  });

  it('a multi-valued Window Center / Width (several presets): the first pair is the one applied', async () => {
    const files = [0, 1].map((k) =>
      mrDicom({ rows: R, columns: R, bitsAllocated: 16, words: stored(k), z: 5 * k, instanceNumber: k + 1, extra: [el.str(WC, 'DS', '500\\40'), el.str(WW, 'DS', '600\\80')] }),
    );
    const study = await slicesOf(files);
    expect(study.meta.windowing).toBe('header');
    study.slices.forEach((s, k) => expect(maxDiff(s.image.data, Array.from(stored(k), (x) => ref.linear(x, 500, 600)))).toBe(0));
  });

  it('an unknown VOI LUT Function is not guessed: the study gets the percentile window', async () => {
    const study = await slicesOf(classic('LOG', 500, 400));
    expect(study.meta.windowing).toBe('percentile');
  });

  it('a VOI LUT Sequence without a window is not silently taken for one: percentile window, reported as such', async () => {
    const lut = el.sq(0x00283010, [[el.us(0x00283002, 1000, 0, 8), el.bytes(0x00283006, 'OW', new Uint8Array(2000))]]);
    const files = [0, 1].map((k) => mrDicom({ rows: R, columns: R, bitsAllocated: 16, words: stored(k), z: 5 * k, instanceNumber: k + 1, extra: [lut] }));
    const study = await slicesOf(files);
    expect(study.meta.windowing).toBe('percentile');
  });

  it('Enhanced MR: each frame uses the function of its own Frame VOI LUT functional group', async () => {
    const frameGroup = (z: number, fn: string) => [
      el.sq(0x00209113, [[el.ds(0x00200032, -100, -100, z)]]),
      el.sq(0x00289132, [[el.ds(WC, 500), el.ds(WW, 400), el.str(FN, 'CS', fn)]]),
    ];
    const words = Uint16Array.from([...stored(0), ...stored(1)]);
    const file = mrDicom({
      rows: R,
      columns: R,
      bitsAllocated: 16,
      frames: 2,
      words,
      extra: [
        el.sq(0x52009229, [[el.sq(0x00209116, [[el.ds(0x00200037, 1, 0, 0, 0, 1, 0)]])]]),
        el.sq(0x52009230, [frameGroup(0, 'SIGMOID'), frameGroup(5, 'LINEAR')]),
      ],
    });
    const study = await slicesOf([file]);
    expect(study.meta.windowing).toBe('header');
    expect(maxDiff(study.slices[0].image.data, Array.from(stored(0), (x) => ref.sigmoid(x, 500, 400)))).toBe(0);
    expect(maxDiff(study.slices[1].image.data, Array.from(stored(1), (x) => ref.linear(x, 500, 400)))).toBe(0);
  });
});

/**
 * The narrowest windows the standard defines (C.11.2.1.2.1: LINEAR width ≥ 1; C.11.2.1.3.2:
 * LINEAR_EXACT and C.11.2.1.3.1: SIGMOID width > 0): a LINEAR width of 1 is a threshold at c − 0.5, a
 * LINEAR_EXACT width of 1 or less a ramp at most one value wide around c, a SIGMOID one a curve grey
 * only within about 1.6 widths of c. They fell back to the percentile window (only widths over 1 were
 * taken), which showed the data's whole range instead of the threshold asked for.
 */
describe('narrow windows: what the standard defines is applied, what it does not stays refused', () => {
  it.each([
    ['LINEAR', 500, 1, ref.linear],
    [null, 500, 1, ref.linear],
    ['LINEAR_EXACT', 500, 1, ref.linearExact],
    ['LINEAR_EXACT', 500.25, 0.5, ref.linearExact],
    ['LINEAR_EXACT', 500, 1e-9, ref.linearExact],
    ['SIGMOID', 500, 1, ref.sigmoid],
    ['SIGMOID', 500.25, 0.5, ref.sigmoid],
    ['SIGMOID', 500, 1e-9, ref.sigmoid],
    ['SIGMOID', 500, 1e-320, ref.sigmoid],
  ])('%s, centre %d, width %d: the header window, as the standard computes it', async (fn, c, w, reference) => {
    const study = await slicesOf(classic(fn, c, w, [], narrow));
    expect(study.meta.windowing).toBe('header');
    study.slices.forEach((s, k) => expect(maxDiff(s.image.data, Array.from(narrow(k), (x) => reference(x, c, w)))).toBe(0));
    // a threshold: black below, white above; grey only for values within the ramp (LINEAR_EXACT)
    const [black, white] = [0, 255].map((v) => study.slices[0].image.data.filter((y) => y === v).length);
    // SIGMOID: grey (1..254) only where 4|x − c|/w < ln 509, i.e. within 1.56 widths of c
    const inRamp = narrow(0).filter((x) => (fn === 'LINEAR_EXACT' && Math.abs(x - c) <= w / 2) || (fn === 'SIGMOID' && Math.abs(x - c) < 1.56 * w)).length;
    expect(R * R - black - white).toBeLessThanOrEqual(inRamp);
    expect(black).toBeGreaterThan(0);
    expect(white).toBeGreaterThan(0);
  });

  it.each([
    ['LINEAR', 0.5],
    [null, 0],
    ['LINEAR_EXACT', 0],
    ['LINEAR_EXACT', -1],
    ['SIGMOID', 0],
    ['SIGMOID', -1],
  ])('%s with width %d (not a window the standard defines): the percentile window, as before', async (fn, w) => {
    const study = await slicesOf(classic(fn, 500, w));
    expect(study.meta.windowing).toBe('percentile');
  });

  it('the same threshold over data 0–999 (the head a black and white silhouette) is set aside for the percentile window', async () => {
    const study = await slicesOf(classic('LINEAR', 500, 1));
    expect(study.meta.windowing).toBe('percentile');
    expect(study.meta.headerWindowIgnored).toMatchObject({ saturated: 1, greyLevels: 2 });
  });
});

describe('Modality LUT Sequence (0028,3000)', () => {
  const lutSeq = (entries: number, first: number, f: (v: number) => number) => {
    const data = Buffer.alloc(entries * 2);
    for (let i = 0; i < entries; i++) data.writeUInt16LE(f(first + i), 2 * i);
    return el.sq(0x00283000, [[el.us(0x00283002, entries, first, 16), el.bytes(0x00283006, 'OW', data)]]);
  };

  it('is applied instead of rescale, values outside the table clamping to its ends', async () => {
    // table covers stored 100..899 only: 900..999 clamp to the last entry, 0..99 to the first
    const files = classic(null, 500, 1000, [lutSeq(800, 100, (v) => 1000 - v), el.ds(0x00281053, 3), el.ds(0x00281052, 7)]);
    const study = await slicesOf(files);
    const viaLut = (v: number) => 1000 - Math.min(899, Math.max(100, v));
    study.slices.forEach((s, k) => expect(maxDiff(s.image.data, Array.from(stored(k), (x) => ref.linear(viaLut(x), 500, 1000)))).toBe(0));
  });

  it('a malformed one (data shorter than its descriptor) → 422 CORRUPT_IMAGE, not ignored', async () => {
    const bad = el.sq(0x00283000, [[el.us(0x00283002, 4096, 0, 16), el.bytes(0x00283006, 'OW', new Uint8Array(16))]]);
    await expect(loadStudy(classic(null, 500, 1000, [bad]).map((b) => new Uint8Array(b)), LIMITS)).rejects.toBeInstanceOf(CorruptStudyError);
  });
});
