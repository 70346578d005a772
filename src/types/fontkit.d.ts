/**
 * The little of fontkit (pdfkit's font engine, a direct dependency for the report font) that
 * src/reports uses; fontkit ships no types. Its create() also returns a collection for .ttc/.dfont
 * files, which have no hasGlyphForCodePoint (report-fonts.ts checks).
 */
declare module 'fontkit' {
  export interface Glyph {
    readonly id: number;
    /** the characters this glyph was first reached by (what pdfkit writes as its text) */
    readonly codePoints: number[];
    readonly advanceWidth: number;
  }
  export interface GlyphPosition {
    xAdvance: number;
    yAdvance: number;
    xOffset: number;
    yOffset: number;
  }
  export interface GlyphRun {
    glyphs: Glyph[];
    positions: GlyphPosition[];
    readonly advanceWidth: number;
    readonly script: string;
    readonly direction: 'ltr' | 'rtl';
  }
  export interface Font {
    readonly postscriptName: string;
    /** font units per em: a run's advanceWidth over it is its width at 1 pt */
    readonly unitsPerEm: number;
    /** vertical metrics in font units (hhea; descent negative): pdfkit sets a line's baseline at ascent below its top and advances by all three */
    readonly ascent: number;
    readonly descent: number;
    readonly lineGap: number;
    /** true when the font's cmap maps the code point to a glyph */
    hasGlyphForCodePoint(codePoint: number): boolean;
    /** every code point the font's cmap maps */
    readonly characterSet: number[];
    /** the glyph for a code point (cached by the font with that code point, if not cached yet) */
    glyphForCodePoint(codePoint: number): Glyph;
    /** shaped glyphs; script and direction found from the text when not given (an RTL run comes back in visual order) */
    layout(text: string, features?: unknown, script?: string, language?: string, direction?: 'ltr' | 'rtl'): GlyphRun;
  }
  export interface FontCollection {
    readonly fonts: Font[];
  }
  export function create(buffer: Uint8Array, postscriptName?: string): Font | FontCollection;
}


/**
 * pdfkit takes a parsed fontkit font wherever it takes a font file (PDFFontFactory.open accepts
 * any object with layout()); @types/pdfkit lists files only. report-fonts.ts says why the reports
 * share one parse.
 */
declare namespace PDFKit.Mixins {
  interface PDFFont {
    registerFont(name: string, src: import('fontkit').Font): this;
  }
}
