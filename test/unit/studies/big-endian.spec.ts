import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { el, maxDiff, mrDicom, ref } from '../../support/dicom-pixel-fixtures';

/*
 * Explicit VR Big Endian (retired, still in old archives): pixel words are big endian. The dcmjs
 * fixtures write the header big endian but leave the pixel bytes as given, so these files come
 * from the byte-exact writer, whose OW values are 16-bit words written big endian.
 */
const BE = '1.2.840.10008.1.2.2';
const LIMITS: StudyLimits = { maxBytes: 64 * 1024 * 1024, maxSlices: 50, minSide: 16, maxPixels: 1_000_000 };
const win = (c: number, w: number) => [el.ds(0x00281050, c), el.ds(0x00281051, w)];

async function pixels(file: Buffer): Promise<Uint8Array[]> {
  const study = await loadStudy([new Uint8Array(file)], LIMITS);
  if (study.kind !== 'slices') throw new Error('expected slices');
  expect(study.meta.windowing).toBe('header');
  return study.slices.map((s) => s.image.data);
}

describe('Explicit VR Big Endian pixel data', () => {
  it('16-bit signed, Bits Stored 12 with overlay bits above: the same picture as little endian', async () => {
    const v = Array.from({ length: 32 * 32 }, (_, i) => ((i * 37) % 4096) - 2048);
    const words = v.map((x) => (x & 0xfff) | 0xa000); // bits 12–15: garbage (an overlay plane)
    const o = { rows: 32, columns: 32, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 1 as const, words, extra: win(0, 4096) };
    const [be] = await pixels(mrDicom({ ...o, transferSyntax: BE }));
    expect(maxDiff(be, v.map((x) => ref.linear(x, 0, 4096)))).toBe(0);
  });

  it('8-bit samples in an OW value (every two samples stored swapped) are put back in order, OB ones left as they are', async () => {
    const v = Array.from({ length: 32 * 32 }, (_, i) => (i * 7) % 256);
    const want = v.map((x) => ref.linear(x, 128, 256));
    for (const pixelVr of ['OB', 'OW'] as const) {
      const [img] = await pixels(mrDicom({ rows: 32, columns: 32, bitsAllocated: 8, pixelVr, words: v, extra: win(128, 256), transferSyntax: BE }));
      expect([pixelVr, maxDiff(img, want)]).toEqual([pixelVr, 0]); // OW without the fix: 0,7,14,21… read as 7,0,21,14…, up to 249 levels off
    }
  });

  it('8-bit OW, frames of an odd size: the second frame starts mid-pair', async () => {
    const n = 17 * 17;
    const v = Array.from({ length: 2 * n }, (_, i) => (i * 5) % 256);
    const imgs = await pixels(mrDicom({ rows: 17, columns: 17, frames: 2, bitsAllocated: 8, pixelVr: 'OW', words: v, extra: win(128, 256), transferSyntax: BE }));
    imgs.forEach((img, f) => expect(maxDiff(img, v.slice(f * n, (f + 1) * n).map((x) => ref.linear(x, 128, 256)))).toBe(0));
  });

  it('8-bit RGB in OW, colour by plane (Planar Configuration 1): each pixel keeps its own colour', async () => {
    const n = 32 * 32;
    const rgb = Array.from({ length: n }, (_, i) => [i % 256, (i * 3) % 256, 255 - (i % 256)]);
    const planes = [0, 1, 2].flatMap((c) => rgb.map((p) => p[c]));
    for (const transferSyntax of ['1.2.840.10008.1.2.1', BE]) {
      const file = mrDicom({ rows: 32, columns: 32, bitsAllocated: 8, photometric: 'RGB', planar: 1, pixelVr: 'OW', words: planes, transferSyntax });
      const study = await loadStudy([new Uint8Array(file)], LIMITS);
      if (study.kind !== 'slices') throw new Error('expected slices');
      expect([transferSyntax, maxDiff(study.slices[0].image.data, rgb.flat())]).toEqual([transferSyntax, 0]);
    }
  });
});
