import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { el, mrDicom } from '../../support/dicom-pixel-fixtures';

const LIMITS: StudyLimits = { maxBytes: 64 * 1024 * 1024, maxSlices: 50, minSide: 16, maxPixels: 1_000_000 };
const R = 32;
const N = R * R;
const isPad = (i: number) => i % R < R / 2; // left half of each row is padding
const tissue = (i: number) => (i * 37) % 1000;

async function load(o: { words: number[]; signed?: boolean; photometric?: 'MONOCHROME1'; extra: ReturnType<typeof el.us>[] }) {
  const files = [0, 1].map((k) =>
    mrDicom({ rows: R, columns: R, bitsAllocated: 16, pixelRepresentation: o.signed ? 1 : 0, photometric: o.photometric, words: o.words, z: 5 * k, instanceNumber: k + 1, extra: o.extra }),
  );
  const study = await loadStudy(files.map((b) => new Uint8Array(b)), LIMITS);
  if (study.kind !== 'slices') throw new Error('expected slices');
  return study;
}

describe('Pixel Padding Value (0028,0120) / Range Limit (0028,0121)', () => {
  it('signed padding (−2000) is left out of the percentile window and rendered as its minimum', async () => {
    const words = Array.from({ length: N }, (_, i) => (isPad(i) ? -2000 : tissue(i)));
    const study = await load({ words, signed: true, extra: [el.ss(0x00280120, -2000)] });
    expect(study.meta.windowing).toBe('percentile');
    const img = study.slices[0].image.data;
    const tissuePx = Array.from(img).filter((_, i) => !isPad(i));
    // the window spans the tissue alone: its darkest reaches 0 and its brightest 255
    expect(Math.min(...tissuePx)).toBe(0);
    expect(Math.max(...tissuePx)).toBe(255);
    expect(Array.from(img).filter((_, i) => isPad(i)).every((v) => v === 0)).toBe(true);
  });

  it('a padding range (value … range limit, unsigned) is excluded as a whole, also under a header window', async () => {
    const words = Array.from({ length: N }, (_, i) => (isPad(i) ? 60000 + (i % 5000) : tissue(i)));
    const study = await load({ words, extra: [el.us(0x00280120, 65535), el.us(0x00280121, 60000), el.ds(0x00281050, 500), el.ds(0x00281051, 1000)] });
    expect(study.meta.windowing).toBe('header');
    const img = study.slices[0].image.data;
    // without the padding rule these values lie far above the window: 255, not the window's minimum
    expect(Array.from(img).filter((_, i) => isPad(i)).every((v) => v === 0)).toBe(true);
    expect(Math.max(...Array.from(img).filter((_, i) => !isPad(i)))).toBe(255);
  });

  // PS3.3 C.7.5.1.1.2 pads "with black" — 0 for MONOCHROME2, 2^BitsStored − 1 for MONOCHROME1 — and
  // viewers show padding black in both; MONOCHROME1 padding was inverted with the tissue, to white
  it.each([
    ['percentile window', [] as ReturnType<typeof el.us>[]],
    ['header window, LINEAR', [el.ds(0x00281050, 500), el.ds(0x00281051, 1000)]],
    ['header window, SIGMOID', [el.ds(0x00281050, 500), el.ds(0x00281051, 1000), el.str(0x00281056, 'CS', 'SIGMOID')]],
  ])('MONOCHROME1: padding is shown black, the tissue inverted (%s)', async (_, window) => {
    const words = Array.from({ length: N }, (_, i) => (isPad(i) ? 65535 : tissue(i)));
    const study = await load({ words, photometric: 'MONOCHROME1', extra: [el.us(0x00280120, 65535), ...window] });
    const img = Array.from(study.slices[0].image.data);
    expect(img.filter((_, i) => isPad(i)).every((v) => v === 0)).toBe(true);
    // inverted as MONOCHROME1 is: the lowest tissue value bright, the highest dark
    const inTissue = Array.from({ length: N }, (_, i) => i).filter((i) => !isPad(i));
    const lo = inTissue.reduce((a, i) => (tissue(i) < tissue(a) ? i : a));
    const hi = inTissue.reduce((a, i) => (tissue(i) > tissue(a) ? i : a));
    expect([img[lo] > 200, img[hi] < 55]).toEqual([true, true]);
  });
});
