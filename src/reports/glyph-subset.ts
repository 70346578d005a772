import type { Font } from 'fontkit';

/**
 * The subset pdfkit embeds is built anew for each document (fontkit's TTFSubset), and for each
 * glyph it decoded the glyph's whole outline only to learn whether it is composite: ~9 % of a
 * metadata report's CPU, for the same few hundred glyphs each time. Here each glyph's bytes,
 * components and metrics are read once per face and reused; the subset's own work (new glyph
 * ids for components, the tables) is fontkit's as before, and its output byte for byte the same
 * (glyph-subset.spec.ts).
 *
 * This reaches into fontkit's TrueType subset (its fields glyf, loca, hmtx, offset): fontkit is
 * pinned exactly (package.json) for it. A face with CFF outlines (the CJK fallbacks), or one with
 * variations, keeps fontkit's own.
 *
 * And the last few subsets' font programs are kept whole, by their glyphs in subset order (which
 * is all encode() reads): a CJK face's subset carries its CID font's subroutine indexes, tens of
 * thousands of entries, and encoding them was ~60 % of a report with CJK in it (~13 ms) — the same
 * program each time a user with a CJK name downloads another report.
 */

/** The parts of fontkit 2.0.4's TTFSubset and TTFFont this uses. */
interface TtfSubset {
  includeGlyph(glyph: number): number;
  glyphs: number[];
  encode(): Uint8Array;
  glyf: Uint8Array[];
  loca: { offsets: number[] };
  hmtx: { metrics: { advance: number; bearing: number }[] };
  offset: number;
  _addGlyph(gid: number): number;
}
interface TtfInternals {
  directory: { tables: Record<string, unknown> };
  _variationProcessor?: unknown;
  loca: { offsets: number[] };
  _getTableStream(tag: string): { pos: number; readBuffer(length: number): Uint8Array };
  getGlyph(gid: number): { advanceWidth: number; _decode(): { numberOfContours: number; components?: { glyphID: number; pos: number }[] } | null; _getMetrics(): { leftBearing: number } };
  createSubset(): TtfSubset;
}

interface GlyphRecord {
  bytes: Uint8Array;
  /** a composite glyph's parts: their glyph ids and where in `bytes` each id is written */
  components: { glyphID: number; pos: number }[] | null;
  advance: number;
  bearing: number;
}

/** `createSubset` for a face: fontkit's, with its glyphs read once per face (a TrueType face without variations). */
/** Font programs kept per face, the most recent first. */
export const SUBSET_PROGRAMS = 8;

export function cachedSubsets(face: Font): () => unknown {
  const ttf = face as unknown as TtfInternals;
  const programs = new Map<string, Uint8Array>();
  /** the subset's encode(), answered from `programs` when the same glyphs were encoded lately */
  const reuse = (subset: TtfSubset): TtfSubset => {
    const encode = subset.encode.bind(subset);
    subset.encode = () => {
      const key = subset.glyphs.join(',');
      let program = programs.get(key);
      if (program) programs.delete(key);
      else program = encode();
      programs.set(key, program);
      if (programs.size > SUBSET_PROGRAMS) programs.delete(programs.keys().next().value!);
      return program;
    };
    return subset;
  };
  if (!ttf.directory.tables.glyf || ttf._variationProcessor) return () => reuse(ttf.createSubset());
  const glyphs = new Map<number, GlyphRecord>();
  const read = (gid: number): GlyphRecord => {
    let g = glyphs.get(gid);
    if (!g) {
      const glyph = ttf.getGlyph(gid);
      const glyf = glyph._decode();
      const stream = ttf._getTableStream('glyf');
      stream.pos += ttf.loca.offsets[gid];
      const bytes = stream.readBuffer(ttf.loca.offsets[gid + 1] - ttf.loca.offsets[gid]);
      g = { bytes, components: glyf && glyf.numberOfContours < 0 ? (glyf.components ?? []).map((c) => ({ glyphID: c.glyphID, pos: c.pos })) : null, advance: glyph.advanceWidth, bearing: glyph._getMetrics().leftBearing };
      glyphs.set(gid, g);
    }
    return g;
  };
  return () => {
    const subset = ttf.createSubset();
    // TTFSubset._addGlyph, with the glyph read once
    subset._addGlyph = (gid: number): number => {
      const g = read(gid);
      let bytes = g.bytes;
      if (g.components) {
        bytes = new Uint8Array(g.bytes);
        const view = new DataView(bytes.buffer);
        for (const c of g.components) view.setUint16(c.pos, subset.includeGlyph(c.glyphID));
      }
      subset.glyf.push(bytes);
      subset.loca.offsets.push(subset.offset);
      subset.hmtx.metrics.push({ advance: g.advance, bearing: g.bearing });
      subset.offset += bytes.length;
      return subset.glyf.length - 1;
    };
    return reuse(subset);
  };
}
