import { Injectable, OnModuleInit } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { create, type Font } from 'fontkit';
import { StartupError } from '../startup-error';
import { type LineMetrics, lineMetricsOf, shapingFont } from './shaping-font';

/**
 * The reports' font: DejaVu Sans (Bitstream Vera licence, redistribution and embedding allowed),
 * from the npm package pinned in package.json. Helvetica, pdfkit's standard font, encodes
 * WinAnsi only, so Cyrillic, Greek and most of Latin Extended printed as "?"; DejaVu Sans has
 * those (and Armenian, Georgian, many signs). pdfkit embeds a subset: the glyphs a report uses.
 */
export const REPORT_FONT_PACKAGE = 'dejavu-fonts-ttf';
const FILES = { regular: 'ttf/DejaVuSans.ttf', bold: 'ttf/DejaVuSans-Bold.ttf' } as const;

/**
 * A face, parsed once and handed to every document (pdfkit takes a parsed fontkit font as it takes
 * a file). Parsed per document instead, each report re-read the face's layout tables: a metadata report
 * took ~86 ms, against ~26 ms shared (Helvetica: ~9 ms; interleaved runs on a busy 2-core box).
 *
 * Shared, one fontkit habit must be undone first: it caches each glyph with the characters it was
 * first reached by, and pdfkit writes those as the PDF's text layer (ToUnicode, what copy, search
 * and screen readers get). Subsetting reaches the letters inside accented ones ("a" in "á") by no
 * character: after one report with "Dvořák", every later one read "page" back as "pge". So each
 * glyph is reached first through its own character (warm), before the font is handed to anyone.
 *
 * That pre-load is done by the first report, not at start-up: it took ~0.3 s of the main thread
 * at every start (it lays out each ligature-like character's letters, which decodes the layout
 * tables), and a free instance that sleeps when idle starts on a user's request. Start-up keeps
 * the check that the font is there and is one (loadReportFaces: its directory and cmap read).
 * (A fontkit font per document over this one's decoded tables needs no pre-load at all, but in
 * interleaved runs it cost ~15 % more CPU a report than this, and ~17 MB more RSS after 800.)
 */
export class ReportFace {
  private parsed: Font | undefined;
  private shaped: Font | undefined;

  /**
   * `source`: the parsed face, or how to parse it (a fallback face, read at its first use).
   * `preload`: pre-load its glyphs before it is first handed out (warm).
   * `lang`: 'ja' for the face with Japanese letterforms (GlyphCoverage).
   * `metrics`: the vertical metrics pdfkit places and spaces its lines by, when not the face's own (a fallback's: shapingFont).
   */
  constructor(
    private readonly source: Font | (() => Font),
    private readonly preload = true,
    readonly lang?: 'ja',
    private readonly metrics?: LineMetrics,
  ) {
    if (typeof source !== 'function') this.parsed = source;
  }

  /** The parsed face itself (its own metrics, no pre-load). */
  face(): Font {
    this.parsed ??= (this.source as () => Font)();
    return this.parsed;
  }

  /** The font as pdfkit gets it (shapingFont: bidi runs, layouts shared), its glyphs pre-loaded by the first caller. */
  get font(): Font {
    if (!this.shaped) {
      const face = this.face();
      if (this.preload) warm(face);
      this.shaped = shapingFont(face, this.preload ? () => warmArabic(face) : undefined, this.metrics);
    }
    return this.shaped;
  }

  /** The face's own coverage, from its cmap: never a glyph made, so the pre-load can wait. */
  hasGlyphForCodePoint(codePoint: number): boolean {
    return this.face().hasGlyphForCodePoint(codePoint);
  }
}

/** Arabic presentation forms: compatibility characters for the glyphs Arabic letters are joined into. */
const isArabicForm = (cp: number) => (cp >= 0xfb50 && cp <= 0xfdff) || (cp >= 0xfe70 && cp <= 0xfeff);

/**
 * Every glyph a character maps to, reached through that character; a ligature ("ffi", which the
 * font's liga feature makes of "f", "f", "i") through its letters, before its compatibility
 * character U+FB03 could claim it — else "confidence" would read back with "ﬁ" in it. ~0.06 s a
 * face, once. The Arabic presentation forms wait for warmArabic.
 */
function warm(font: Font): void {
  const compatibility: string[] = [];
  for (const codePoint of font.characterSet) {
    const ch = String.fromCodePoint(codePoint);
    if (ch.normalize('NFKC') === ch) font.glyphForCodePoint(codePoint);
    else compatibility.push(ch);
  }
  for (const ch of compatibility) {
    const letters = ch.normalize('NFKC');
    if ([...letters].length > 1) font.layout(letters);
  }
  for (const ch of compatibility) if (!isArabicForm(ch.codePointAt(0)!)) font.glyphForCodePoint(ch.codePointAt(0)!);
}

/**
 * Arabic letters' joined forms reached through the letters (each between tatweels, and lam-alef),
 * then the presentation-form characters (U+FE91 "ﺑ"), which would otherwise have claimed them: a
 * shaped "بيت" reads back as its letters. ~0.11 s a face: done before the first Arabic text is laid
 * out (shapingFont), not by every first report.
 */
function warmArabic(font: Font): void {
  const arabic = font.characterSet.filter((cp) => cp >= 0x620 && cp <= 0x6ff).map((cp) => String.fromCodePoint(cp)).filter((ch) => /\p{L}/u.test(ch));
  for (const ch of arabic) font.layout(`\u0640${ch}\u0640 ${ch}\u0640 \u0640${ch} ${ch}`);
  for (const alef of ['\u0627', '\u0622', '\u0623', '\u0625']) font.layout(`\u0644${alef} \u0640\u0644${alef}`);
  for (const cp of font.characterSet) if (isArabicForm(cp)) font.glyphForCodePoint(cp);
}

/** Whether the font's cmap reads and maps `codePoint`; false for a damaged table (fontkit throws). */
function maps(font: Font, codePoint: number): boolean {
  try {
    return font.hasGlyphForCodePoint(codePoint);
  } catch {
    return false;
  }
}

/**
 * The fallback faces, for what DejaVu Sans has no glyph for: CJK. Noto Sans CJK (SIL OFL 1.1) in
 * the npm packages of EmbedPDF's fallback fonts, pinned: the Simplified Chinese face has 27,500
 * Han ideographs (all but 47 of the unified block, and extension A: Chinese, Japanese kanji,
 * Korean hanja, in their Chinese forms) and the kana; the Korean face adds Hangul. Japanese text
 * (text with kana: pdf-text.ts) takes its kanji from the Japanese face first, whose 12,950 are in
 * their Japanese forms; a kanji it lacks comes from the Chinese face. Regular only: a record's own
 * text falls back, and it prints in the regular weight. 8.4 + 4.6 + 4.5 MB, read at the first
 * report that needs one (most never do); start-up checks that each file is there and begins as an
 * OpenType font. (@fontsource's Noto Sans SC, ~100 woff2 slices a weight, has ~12,000 Han
 * ideographs only; the packages' other weights are pruned from the image: Containerfile.)
 */
export const FALLBACK_FONTS: readonly { package: string; file: string; probe: number; lang?: 'ja' }[] = [
  { package: '@embedpdf/fonts-sc', file: 'fonts/NotoSansHans-Regular.otf', probe: 0x4e2d },
  { package: '@embedpdf/fonts-kr', file: 'fonts/NotoSansKR-Regular.otf', probe: 0xd55c },
  { package: '@embedpdf/fonts-jp', file: 'fonts/NotoSansJP-Regular.otf', probe: 0x3042, lang: 'ja' },
];

export interface ReportFaces {
  regular: ReportFace;
  bold: ReportFace;
  /** tried in order for a character the face in use lacks */
  fallbacks: ReportFace[];
}

/** The report font is not installed or not readable: the service does not start (ReportFonts.onModuleInit). */
export class ReportFontError extends StartupError {
  constructor(message: string) {
    super(message);
    this.name = 'ReportFontError';
  }
}

/**
 * Both faces, read and parsed once (their glyphs pre-loaded by the first report: ReportFace).
 * `resolve` finds a file inside the package (require.resolve: wherever npm put node_modules, never
 * a path written here); tests pass one that fails.
 */
export function loadReportFaces(resolve: (id: string) => string = require.resolve): ReportFaces {
  const face = (file: string): ReportFace => {
    const id = `${REPORT_FONT_PACKAGE}/${file}`;
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(resolve(id));
    } catch (err) {
      throw new ReportFontError(`MRI Sentinel did not start: the PDF report font ${id} is not installed (${err instanceof Error ? err.message.split('\n')[0] : String(err)}): run npm ci`);
    }
    let parsed: ReturnType<typeof create>;
    try {
      parsed = create(bytes);
    } catch {
      parsed = { fonts: [] };
    }
    // the table directory and the cmap (~1 ms): a font whose cmap does not map "A" prints nothing
    if (!('hasGlyphForCodePoint' in parsed) || !maps(parsed, 0x41)) throw new ReportFontError(`MRI Sentinel did not start: the PDF report font ${id} is not a TrueType font: reinstall it (npm ci)`);
    return new ReportFace(parsed);
  };
  const regular = face(FILES.regular);
  // a CJK run sits on the report font's baseline and spaces its line as the report font does (shapingFont)
  const metrics = lineMetricsOf(regular.face());
  return { regular, bold: face(FILES.bold), fallbacks: FALLBACK_FONTS.map((f) => fallbackFace(f, resolve, metrics)) };
}

/** A face of FALLBACK_FONTS: its file checked now, parsed at its first use (a ReportFontError if it is not a font then). */
function fallbackFace(spec: (typeof FALLBACK_FONTS)[number], resolve: (id: string) => string, metrics: LineMetrics): ReportFace {
  const id = `${spec.package}/${spec.file}`;
  let file: string;
  const head = Buffer.alloc(4);
  try {
    // the packages export their index only: the font files lie beside it (dist/../fonts)
    file = path.join(path.dirname(resolve(spec.package)), '..', spec.file);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, head, 0, 4, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    throw new ReportFontError(`MRI Sentinel did not start: the PDF report font ${id} is not installed (${err instanceof Error ? err.message.split('\n')[0] : String(err)}): run npm ci`);
  }
  // 'OTTO' (CFF outlines) or 0x00010000 (TrueType)
  if (!head.equals(Buffer.from('OTTO')) && head.readUInt32BE(0) !== 0x10000) throw new ReportFontError(`MRI Sentinel did not start: the PDF report font ${id} is not an OpenType font: reinstall it (npm ci)`);
  return new ReportFace(() => {
    const parsed = create(fs.readFileSync(file));
    if (!('hasGlyphForCodePoint' in parsed) || !maps(parsed, spec.probe)) throw new ReportFontError(`the PDF report font ${id} is not readable: reinstall it (npm ci)`);
    return parsed;
  }, false, spec.lang, metrics);
}

/**
 * The faces as a provider, loaded when the app is built. A missing font stops the start-up with
 * a ReportFontError naming the file (main.ts prints it, exit 1), rather than a service whose every
 * report fails, or one that quietly prints names as "?" again. Thrown from onModuleInit, not from
 * the provider's factory: a throwing Nest factory aborts the process without the reason.
 */
@Injectable()
export class ReportFonts implements OnModuleInit {
  private constructor(private readonly loaded: ReportFaces | ReportFontError) {}

  static load(resolve?: (id: string) => string): ReportFonts {
    try {
      return new ReportFonts(loadReportFaces(resolve));
    } catch (err) {
      if (err instanceof ReportFontError) return new ReportFonts(err);
      throw err;
    }
  }

  onModuleInit(): void {
    this.faces();
  }

  /** The faces; a ReportFontError if they did not load. */
  faces(): ReportFaces {
    if (this.loaded instanceof ReportFontError) throw this.loaded;
    return this.loaded;
  }
}
