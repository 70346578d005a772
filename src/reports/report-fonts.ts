import { Injectable, OnModuleInit } from '@nestjs/common';
import * as fs from 'node:fs';
import { create, type Font } from 'fontkit';
import { StartupError } from '../startup-error';

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
  private warmed = false;

  constructor(private readonly parsed: Font) {}

  /** The font, its glyphs pre-loaded (once, by the first caller). */
  get font(): Font {
    if (!this.warmed) {
      warm(this.parsed);
      this.warmed = true;
    }
    return this.parsed;
  }

  /** The face's own coverage, from its cmap: never a glyph made, so the pre-load can wait. */
  hasGlyphForCodePoint(codePoint: number): boolean {
    return this.parsed.hasGlyphForCodePoint(codePoint);
  }
}

/**
 * Every glyph a character maps to, reached through that character; a ligature ("ffi", which the
 * font's liga feature makes of "f", "f", "i") through its letters, before its compatibility
 * character U+FB03 could claim it — else "confidence" would read back with "ﬁ" in it. ~0.15 s a
 * face, once.
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
  for (const ch of compatibility) font.glyphForCodePoint(ch.codePointAt(0)!);
}

/** Whether the font's cmap reads and maps "A"; false for a damaged table (fontkit throws). */
function mapsLatinA(font: Font): boolean {
  try {
    return font.hasGlyphForCodePoint(0x41);
  } catch {
    return false;
  }
}

export interface ReportFaces {
  regular: ReportFace;
  bold: ReportFace;
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
    if (!('hasGlyphForCodePoint' in parsed) || !mapsLatinA(parsed)) throw new ReportFontError(`MRI Sentinel did not start: the PDF report font ${id} is not a TrueType font: reinstall it (npm ci)`);
    return new ReportFace(parsed);
  };
  return { regular: face(FILES.regular), bold: face(FILES.bold) };
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
