import type { Font, Glyph, GlyphRun } from 'fontkit';
import { cachedSubsets } from './glyph-subset';

/**
 * The object handed to pdfkit for a parsed face: the face itself for everything (metrics, glyphs,
 * subsetting: the prototype), with its own layout(). Two things are done there that neither
 * pdfkit nor fontkit does:
 *
 * 1. Right-to-left runs. The reports write text in visual order (pdf-text.ts reorders it by the
 *    Unicode bidi algorithm), and pdfkit hands words to the font one at a time. Arabic letters take
 *    their joined forms from their neighbours in reading order, so each run of right-to-left letters
 *    is turned back into reading order here and shaped as right-to-left: fontkit picks the forms
 *    (init, medi, fina, lam-alef) and returns the glyphs reversed, i.e. in the visual order the run
 *    arrived in. Everything else is laid out as it comes.
 *
 * 2. Layouts shared across documents. pdfkit caches a word's layout per document only, and shaping
 *    (GSUB, GPOS kerning) was ~40 % of a metadata report's CPU, the same few hundred words in every
 *    report. Kept here per face (the glyphs are the face's own objects; the positions are copied
 *    out, since pdfkit scales them in place). The subset's glyph data likewise (glyph-subset.ts).
 */

/** Letters of the right-to-left scripts the report fonts have, with the marks between them. */
const RTL_RUN = /[\p{Mn}\p{Me}]*[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}][\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Mn}\p{Me}]*/gu;
const HAS_RTL = /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u;

/**
 * Distinct words kept per face; past it the cache starts again. A metadata report with both model
 * cards lays out ~400 words in the regular face, nearly all of them the same in every report.
 */
export const LAYOUT_CACHE_WORDS = 1024;

interface CachedRun {
  glyphs: Glyph[];
  /** each glyph's xAdvance, in font units */
  advances: number[];
  /** xOffset, yOffset, yAdvance of each glyph, only where one is not 0 (marks, vertical kerning) */
  offsets?: number[];
}

/** What pdfkit reads of a layout: it scales each position's fields in place and sums xAdvance. */
interface PdfkitRun {
  glyphs: Glyph[];
  positions: { xAdvance: number; yAdvance: number; xOffset: number; yOffset: number }[];
  readonly advanceWidth: number;
}

const ARABIC = /\p{Script=Arabic}/u;

/** A face's vertical metrics in ems: what pdfkit places a line's baseline by (ascent) and advances a line by (all three). */
export interface LineMetrics {
  ascent: number;
  descent: number;
  lineGap: number;
}

/** The face's own vertical metrics, in ems. */
export const lineMetricsOf = (face: Font): LineMetrics => ({ ascent: face.ascent / face.unitsPerEm, descent: face.descent / face.unitsPerEm, lineGap: face.lineGap / face.unitsPerEm });

/**
 * `beforeArabic`: called once, before the first text with Arabic in it is laid out (the face's Arabic glyph pre-load).
 * `metrics`: vertical metrics pdfkit is to read instead of the face's own (a fallback face takes the report font's:
 * pdfkit sets each run's baseline at its face's ascent below the line's top, and advances a line by the line
 * height of the face that ended it; Noto Sans CJK's, 0.88 em and 1.5 em against DejaVu Sans' 0.928 and 1.164,
 * put CJK 0.048 em above the Latin beside it and a row ending in CJK 3.4 pt lower at 10 pt).
 */
export function shapingFont(face: Font, beforeArabic?: () => void, metrics?: LineMetrics): Font {
  const cache = new Map<string, CachedRun>();
  const shaped = Object.create(face) as Font;
  if (metrics) {
    const units = (em: number) => ({ value: em * face.unitsPerEm });
    Object.defineProperties(shaped, { ascent: units(metrics.ascent), descent: units(metrics.descent), lineGap: units(metrics.lineGap) });
  }
  let arabicPending = beforeArabic;
  shaped.layout = ((text: string, features?: unknown): GlyphRun | PdfkitRun => {
    if (arabicPending && ARABIC.test(text)) {
      arabicPending();
      arabicPending = undefined;
    }
    // with features of its own (pdfkit's `features` option, unused by the reports): as fontkit does it
    if (features !== undefined) return face.layout(text, features);
    let run = cache.get(text);
    if (!run) {
      run = shape(face, text);
      if (cache.size >= LAYOUT_CACHE_WORDS) cache.clear();
      cache.set(text, run);
    }
    return fresh(run);
  }) as Font['layout'];
  (shaped as unknown as { createSubset: () => unknown }).createSubset = cachedSubsets(face);
  return shaped;
}

function shape(face: Font, text: string): CachedRun {
  const parts: GlyphRun[] = [];
  if (!HAS_RTL.test(text)) parts.push(face.layout(text));
  else {
    let at = 0;
    for (const m of text.matchAll(RTL_RUN)) {
      if (m.index > at) parts.push(face.layout(text.slice(at, m.index), undefined, undefined, undefined, 'ltr'));
      // back into reading order for the shaper, which returns the glyphs in visual order again
      parts.push(face.layout([...m[0]].reverse().join(''), undefined, undefined, undefined, 'rtl'));
      at = m.index + m[0].length;
    }
    if (at < text.length) parts.push(face.layout(text.slice(at), undefined, undefined, undefined, 'ltr'));
  }
  const glyphs = parts.flatMap((p) => p.glyphs);
  const positions = parts.flatMap((p) => p.positions);
  const run: CachedRun = { glyphs, advances: positions.map((p) => p.xAdvance) };
  if (positions.some((p) => p.xOffset || p.yOffset || p.yAdvance)) run.offsets = positions.flatMap((p) => [p.xOffset, p.yOffset, p.yAdvance]);
  return run;
}

function fresh(run: CachedRun): PdfkitRun {
  const { advances, offsets } = run;
  const positions = advances.map((xAdvance, i) => (offsets ? { xAdvance, xOffset: offsets[3 * i], yOffset: offsets[3 * i + 1], yAdvance: offsets[3 * i + 2] } : { xAdvance, yAdvance: 0, xOffset: 0, yOffset: 0 }));
  return {
    glyphs: run.glyphs,
    positions,
    get advanceWidth() {
      let width = 0;
      for (const p of this.positions) width += p.xAdvance;
      return width;
    },
  };
}
