/**
 * The report faces' subsets read each glyph once per face (glyph-subset.ts) instead of decoding
 * its outline in every document. What is embedded must not change: the font program is compared
 * byte for byte with fontkit's own subset of the same glyphs, composites (accented letters built
 * from their parts, whose part ids are renumbered per subset) included, and a second document's
 * subset — served from the cache — in another glyph order too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { create, type Font } from 'fontkit';
import { cachedSubsets } from '../../src/reports/glyph-subset';

interface Subset {
  includeGlyph(glyph: number): number;
  encode(): Uint8Array;
}

describe('cached glyph subsets', () => {
  const bytes = fs.readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'));
  const text = 'Dvořák Ångström Żółć Иванов Ωμέγα office ﬁ →';

  const subsetOf = (font: Font, make: () => unknown, order: (ids: number[]) => number[]) => {
    const subset = make() as Subset;
    for (const id of order(font.layout(text).glyphs.map((g) => g.id))) subset.includeGlyph(id);
    return Buffer.from(subset.encode());
  };

  it('embeds the same font program as fontkit, glyph for glyph, the first time and from the cache', () => {
    const plain = create(bytes) as Font;
    const cached = create(bytes) as Font;
    const make = cachedSubsets(cached);
    const fontkitOwn = () => (plain as unknown as { createSubset(): unknown }).createSubset();
    // composites are there: some glyph of the text has components (else this test would prove little)
    const composite = plain.layout(text).glyphs.some((g) => ((g as unknown as { _decode(): { numberOfContours: number } | null })._decode()?.numberOfContours ?? 0) < 0);
    expect(composite).toBe(true);
    for (const order of [(ids: number[]) => ids, (ids: number[]) => [...ids].reverse()]) {
      const expected = subsetOf(plain, fontkitOwn, order);
      expect(subsetOf(cached, make, order).equals(expected)).toBe(true);
      expect(subsetOf(cached, make, order).equals(expected)).toBe(true);
    }
  });

  it('a face with CFF outlines (a CJK fallback) keeps fontkit\'s own subset; the same glyphs again get the program already encoded', () => {
    const file = path.join(path.dirname(require.resolve('@embedpdf/fonts-kr')), '..', 'fonts', 'NotoSansKR-Regular.otf');
    const cff = create(fs.readFileSync(file)) as Font;
    const make = cachedSubsets(cff);
    const own = (cff as unknown as { createSubset(): Subset }).createSubset;
    const encodes = jest.spyOn(Object.getPrototypeOf(own.call(cff)) as Subset, 'encode');
    const ids = (text: string) => cff.layout(text).glyphs.map((g) => g.id);
    const encode = (glyphs: number[]) => {
      const subset = make() as Subset;
      for (const id of glyphs) subset.includeGlyph(id);
      return subset.encode();
    };
    try {
      const first = encode(ids('뇌 영상'));
      const expected = own.call(cff);
      for (const id of ids('뇌 영상')) expected.includeGlyph(id);
      expect(Buffer.from(first).equals(Buffer.from(expected.encode()))).toBe(true);
      encodes.mockClear();
      expect(encode(ids('뇌 영상'))).toBe(first);
      expect(encodes).not.toHaveBeenCalled();
      // other glyphs, or the same in another order (other subset ids): encoded anew
      expect(encode(ids('영상 뇌'))).not.toBe(first);
      expect(encodes).toHaveBeenCalledTimes(1);
    } finally {
      encodes.mockRestore();
    }
  });
});
