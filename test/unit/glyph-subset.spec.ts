/**
 * The report faces' subsets read each glyph once per face (glyph-subset.ts) instead of decoding
 * its outline in every document. What is embedded must not change: the font program is compared
 * byte for byte with fontkit's own subset of the same glyphs, composites (accented letters built
 * from their parts, whose part ids are renumbered per subset) included, and a second document's
 * subset — served from the cache — in another glyph order too. A CFF face's (the CJK fallbacks')
 * subset is fontkit's with the subroutines no kept glyph calls written empty: each glyph's outline is
 * compared with fontkit's own subset's, read back by fontkit.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import { create, type Font } from 'fontkit';
import { cachedSubsets } from '../../src/reports/glyph-subset';

interface Subset {
  /** the face's glyph ids in subset order (the subset's own ids are their indexes) */
  glyphs: number[];
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

  describe('a face with CFF outlines (a CJK fallback)', () => {
    const file = (lang: string) => path.join(path.dirname(require.resolve(`@embedpdf/fonts-${lang}`)), '..', 'fonts', `NotoSans${lang === 'sc' ? 'Hans' : lang.toUpperCase()}-Regular.otf`);
    const open = (lang: string) => {
      const bytes = fs.readFileSync(file(lang));
      return { bytes, font: create(bytes) as Font };
    };
    const fontkitSubset = (font: Font) => (font as unknown as { createSubset(): Subset }).createSubset();
    const encode = (subset: Subset, glyphs: number[]) => {
      for (const id of glyphs) subset.includeGlyph(id);
      return subset.encode();
    };

    it('draws each glyph as fontkit\'s own subset does, in a fraction of its bytes: the subroutines no glyph calls are empty', () => {
      for (const [lang, text] of [['sc', '脳腫瘍 神経膠腫 髄膜腫 下垂体 頭部 軸位 造影後'], ['kr', '뇌 축상 영상 간호사'], ['jp', '頭部の画像 カタカナ']]) {
        const { bytes, font } = open(lang);
        const ids = font.layout(text).glyphs.map((g) => g.id);
        const subset = fontkitSubset(font);
        const own = Buffer.from(encode(subset, ids));
        const ours = Buffer.from(encode(cachedSubsets(font)() as Subset, ids));
        // deflated, as the PDF stores it: fontkit's counts every unused subroutine up one byte at a time
        expect(deflateSync(ours).length).toBeLessThan(deflateSync(own).length / 4);
        const [a, b] = [own, ours].map((program) => create(withCff(bytes, program)) as Font);
        expect(subset.glyphs.length).toBeGreaterThan(5);
        for (let gid = 0; gid < subset.glyphs.length; gid++) expect(pathOf(b, gid)).toBe(pathOf(a, gid));
        expect(pathOf(b, 1).length).toBeGreaterThan(20);
        // no subroutine index without any data (a font dict none of whose subroutines are called):
        // FreeType, and so poppler, refused such a font whole
        const cff = (b as unknown as { 'CFF ': CffTables })['CFF '];
        const indexes = [cff.globalSubrIndex, ...cff.topDict.FDArray.map((fd) => fd.Private?.Subrs ?? [])].filter((index) => index.length);
        expect(indexes.length).toBeGreaterThan(1);
        for (const index of indexes) expect(index.reduce((sum, subr) => sum + subr.length, 0)).toBeGreaterThan(0);
      }
    });

    it('the same glyphs again get the program already encoded', () => {
      const { font } = open('kr');
      const make = cachedSubsets(font);
      const encodes = jest.spyOn(Object.getPrototypeOf(fontkitSubset(font)) as Subset, 'encode');
      const ids = (text: string) => font.layout(text).glyphs.map((g) => g.id);
      try {
        const first = encode(make() as Subset, ids('뇌 영상'));
        encodes.mockClear();
        expect(encode(make() as Subset, ids('뇌 영상'))).toBe(first);
        expect(encodes).not.toHaveBeenCalled();
        // other glyphs, or the same in another order (other subset ids): encoded anew
        expect(encode(make() as Subset, ids('영상 뇌'))).not.toBe(first);
        expect(encodes).toHaveBeenCalledTimes(1);
      } finally {
        encodes.mockRestore();
      }
    });
  });
});

/** What fontkit reads of a CFF table's subroutine indexes: each entry's place in the table. */
interface CffTables {
  globalSubrIndex: { length: number }[];
  topDict: { FDArray: { Private?: { Subrs?: { length: number }[] } }[] };
}

/** A glyph's outline as SVG path data (fontkit runs its charstring, subroutines and all). */
const pathOf = (font: Font, gid: number) => (font as unknown as { getGlyph(id: number): { path: { toSVG(): string } } }).getGlyph(gid).path.toSVG();

/** The OpenType font `otf` with its CFF table replaced by `cff` (a subset's program), for fontkit to read. */
function withCff(otf: Buffer, cff: Buffer): Buffer {
  const count = otf.readUInt16BE(4);
  const tables = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const at = 12 + 16 * i;
    const tag = otf.toString('latin1', at, at + 4);
    if (['head', 'hhea', 'maxp'].includes(tag)) tables.set(tag, otf.subarray(otf.readUInt32BE(at + 8), otf.readUInt32BE(at + 8) + otf.readUInt32BE(at + 12)));
  }
  tables.set('CFF ', cff);
  const head = Buffer.alloc(12 + 16 * tables.size);
  head.write('OTTO', 0, 'latin1');
  head.writeUInt16BE(tables.size, 4);
  const parts: Buffer[] = [head];
  let offset = head.length;
  [...tables].forEach(([tag, data], i) => {
    head.write(tag, 12 + 16 * i, 'latin1');
    head.writeUInt32BE(offset, 12 + 16 * i + 8);
    head.writeUInt32BE(data.length, 12 + 16 * i + 12);
    const padded = Buffer.concat([data, Buffer.alloc((4 - (data.length % 4)) % 4)]);
    parts.push(padded);
    offset += padded.length;
  });
  return Buffer.concat(parts);
}
