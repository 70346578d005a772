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
 * variations, keeps fontkit's own subset, but for its unused subroutines (next).
 *
 * A CFF face's subset (fontkit's CFFSubset) keeps every subroutine index entry, since the glyphs
 * call theirs by number, and writes each one no kept glyph calls as a one-byte "return": Noto Sans
 * CJK's FD 13 alone has 22,293 local subroutines, so the index's offsets counted up one byte at a
 * time (two bytes an entry, which deflate barely shrinks) and were most of the program. They are
 * written empty instead (never called, never read): the offsets then repeat, and a CJK report's
 * Noto Sans SC subset took 5,639 bytes in the file instead of 46,713 (emptyUnusedSubrs; its pages
 * drawn by poppler at 300 dpi identical).
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

/** The part of fontkit 2.0.4's CFFSubset this replaces: each index entry, kept or not (`used`: by index). */
interface CffSubset {
  subsetSubrs(subrs: unknown[], used: Record<number, boolean>): Uint8Array[];
}

/** Font programs kept per face, the most recent first. */
export const SUBSET_PROGRAMS = 8;

const EMPTY = new Uint8Array(0);

/**
 * A CFF subset whose subroutines no kept glyph calls are written empty (as fontkit writes them, a
 * "return" each, they cost ~3 bytes apiece). The last entry stays as fontkit wrote it: an index with
 * no data at all (a font dict none of whose subroutines the kept glyphs call) made FreeType, and so
 * poppler, refuse the whole font.
 */
function emptyUnusedSubrs<T>(subset: T): T {
  const cff = subset as T & Partial<CffSubset>;
  const own = cff.subsetSubrs;
  if (typeof own === 'function') cff.subsetSubrs = (subrs, used) => own.call(cff, subrs, used).map((subr, i, all) => (used[i] || i === all.length - 1 ? subr : EMPTY));
  return subset;
}

/** `createSubset` for a face: fontkit's, with its glyphs read once per face (a TrueType face without variations). */
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
  if (!ttf.directory.tables.glyf || ttf._variationProcessor) return () => reuse(emptyUnusedSubrs(ttf.createSubset()));
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
