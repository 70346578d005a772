/**
 * A multi-valued header tag with fewer values than it must have (a Pixel Spacing written as one
 * number, an Image Position with two) is unusable, as an unreadable one is: the slices are read
 * without it. dicom-parser throws a TypeError when asked for a value past the last one, and that
 * reached the client as a 500.
 */
import { loadStudy } from '../../../src/studies/study-loader';
import { el, mrDicom } from '../../support/dicom-pixel-fixtures';
import { LIMITS } from '../../support/study-loader-cases';

const pixels = (k: number) => Array.from({ length: 64 * 64 }, (_, i) => (i * 37 + k * 500) % 4096);
const slice = (k: number, extra: ReturnType<typeof el.ds>[]) =>
  new Uint8Array(mrDicom({ rows: 64, columns: 64, bitsAllocated: 16, bitsStored: 12, words: pixels(k), instanceNumber: 2 - k, extra }));

describe('multi-valued tags with too few values', () => {
  it('Pixel Spacing with one value: no usable spacing (assumed square), not a 500', async () => {
    const study = await loadStudy([slice(0, [el.ds(0x00280030, 0.9)])], LIMITS);
    expect(study.kind).toBe('slices');
    expect(study.meta.spacing).toMatchObject({ column: null, row: null });
    expect(study.meta.display?.pixels).toBe('assumed_square');
  });

  it.each([
    ['Image Position (Patient) with two values', el.ds(0x00200032, -100, -100)],
    ['Image Orientation (Patient) with three values', el.ds(0x00200037, 1, 0, 0)],
  ])('%s: the series is ordered by Instance Number, not a 500', async (_, short) => {
    const win = [el.ds(0x00281050, 2048), el.ds(0x00281051, 4096)];
    // written in reverse: slice k has Instance Number 2 − k
    const study = await loadStudy([slice(0, [short, ...win]), slice(1, [short, ...win])], LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.meta.ordering).toBe('instance_number');
    const alone = await Promise.all([1, 0].map((k) => loadStudy([slice(k, win)], LIMITS)));
    alone.forEach((one, i) => {
      if (one.kind !== 'slices') throw new Error('expected slices');
      expect(Buffer.from(study.slices[i].image.data).equals(Buffer.from(one.slices[0].image.data))).toBe(true);
    });
  });
});
