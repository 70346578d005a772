import * as dicomPixels from '../../../src/studies/dicom-pixels';
import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { ScalarSlice, windowStudy } from '../../../src/studies/windowing';
import { dicomSeries, syntheticSlice } from '../../support/study-fixtures';

/**
 * The percentile window needs the whole volume before any slice can be rendered: its first pass
 * used to decode every slice only to sample it, and the second decoded every slice again. The
 * decoded slices are now kept between the passes, within the study's byte limit.
 */
const LIMITS: StudyLimits = { maxBytes: 100 * 1024 * 1024, maxSlices: 400, minSide: 16, maxPixels: 4 * 1024 * 1024 };

const slice = (k: number): ScalarSlice => {
  const values = new Float32Array(64 * 64);
  for (let i = 0; i < values.length; i++) values[i] = ((i * 7 + k * 13) % 1000) - 200;
  return { width: 64, height: 64, values };
};

async function counted(keepBytes: number | undefined) {
  const reads: number[] = [];
  const result = await windowStudy(4, 64 * 64, false, (i) => (reads.push(i), slice(i)), keepBytes === undefined ? {} : { keepBytes });
  return { reads, result };
}

describe('percentile-windowed studies decode each slice once', () => {
  it('a 20-slice DICOM series without a header window: 20 frame decodes, not 40', async () => {
    const src = Array.from({ length: 20 }, (_, k) => syntheticSlice(64, 64, (x, y) => (x * 3 + y + k * 10) % 256));
    const decode = jest.spyOn(dicomPixels, 'decodeFrame');
    try {
      const study = await loadStudy(dicomSeries(src, { window: false }).map((b) => new Uint8Array(b)), LIMITS);
      expect(study.kind === 'slices' && study.meta.windowing).toBe('percentile');
      expect(decode).toHaveBeenCalledTimes(20);
    } finally {
      decode.mockRestore();
    }
  });

  it('within keepBytes every slice is read once; past it the rest are read again, with the same images', async () => {
    const all = await counted(Infinity);
    expect(all.reads).toEqual([0, 1, 2, 3]);
    const half = await counted(2 * 64 * 64 * 4); // room for two slices of float32 values
    expect(half.reads).toEqual([0, 1, 2, 3, 2, 3]);
    const none = await counted(undefined); // the default keeps nothing: one decoded slice at a time
    expect(none.reads).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    for (const r of [half, none]) {
      expect(r.result.windowing).toBe('percentile');
      r.result.images.forEach((img, i) => expect(Buffer.from(img.data).equals(Buffer.from(all.result.images[i].data))).toBe(true));
    }
  });
});
