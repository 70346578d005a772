/**
 * The reports printed in Helvetica, whose WinAnsi encoding holds Western European letters only:
 * "Müller" printed, "Иванов", "Ωμέγα" and "Dvořák" came out as "?" with a note. They embed DejaVu
 * Sans now (dejavu-fonts-ttf, loaded once at start-up), subset to the glyphs a report uses; what
 * that font has no glyph for (CJK, emoji) is still "?" with the note, never an empty box.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Module } from '@nestjs/common';
import type { Font } from 'fontkit';
import PDFDocument from 'pdfkit';
import { NestFactory } from '@nestjs/core';
import type { HistoryItem } from '../../src/history/history.service';
import { type GlyphCoverage, printableRuns, REPLACED_NOTE } from '../../src/reports/pdf-text';
import { buildReportPdf } from '../../src/reports/report-pdf';
import { loadReportFaces, REPORT_FONT_PACKAGE, ReportFontError, ReportFonts } from '../../src/reports/report-fonts';
import { StartupError } from '../../src/startup-error';
import { notMriRecord } from '../helpers/history-item';
import { pdfFlatText, pdfStreamTexts } from '../helpers/pdf-text';
import { reportFaces } from '../helpers/report-fonts';

const study = (seriesDescription: string): HistoryItem['study'] => ({ modality: 'MR', seriesDescription, sliceCount: 3, usableSlices: 3, spacing: { column: 0.9, row: 0.9, slice: 3 }, rule: null, gaps: null, volumes: null, windowing: null, headerWindowIgnored: null, unevenSteps: null, copiesDropped: null });

/** Sum of the /Length of the embedded font programs (FontFile2 streams): the subsets, not the document. */
function embeddedFontBytes(pdf: Buffer): number[] {
  const src = pdf.toString('latin1');
  const files = [...src.matchAll(/\/FontFile2 (\d+) 0 R/g)].map((m) => m[1]);
  return files.map((n) => Number(new RegExp(`(?:^|\\n)${n} 0 obj\\s*<<[^>]*?/Length (\\d+)`).exec(src)?.[1]));
}

describe('PDF reports in a Unicode font', () => {
  const record = notMriRecord({ userEmail: 'ivanov@example.org' });

  it('prints Cyrillic, Greek and Latin Extended names exactly, without the "?" note', async () => {
    const names = 'Иванов Пётр · Ωμέγα Παπαδοπούλου · Dvořák Łódź Şahin Nguyễn';
    const pdf = await buildReportPdf({ record: { ...record, userEmail: 'пётр.иванов@пример.рф', study: study(names) }, generatedFor: 'Ωμέγα@example.gr', fonts: reportFaces() });
    const text = pdfFlatText(pdf);
    expect(text).toContain(`Series description: ${names}`);
    expect(text).toContain('User: пётр.иванов@пример.рф');
    expect(text).toContain('for Ωμέγα@example.gr');
    expect(text).not.toContain('?');
  });

  it('a report made after one with accented letters still reads back whole (no letter lost from its text layer)', async () => {
    // one parsed font shared by all reports read "page" as "pge" after a "Dvořák": the subset of
    // the first reached "a" and "r" inside "á" and "ř", and fontkit kept them with no character;
    // a ligature character typed as such ("ﬁ", U+FB01) must not become what "fi" reads back as
    await buildReportPdf({ record: { ...record, study: study('Dvořák Ångström Żółć ﬁle ﬂow') }, generatedFor: 'u@example.org', fonts: reportFaces() });
    const text = pdfFlatText(await buildReportPdf({ record: { ...record, study: study('radiograph page ozone office fluff') }, generatedFor: 'u@example.org', fonts: reportFaces() }));
    expect(text).toContain('Series description: radiograph page ozone office fluff');
    expect(text).toContain('Confidence threshold');
    expect(text).toContain('Disclaimer:');
  });

  it('a character no face has a glyph for (emoji) is "?" with the note; CJK prints in a fallback face, Hebrew in visual order (report-scripts.spec.ts)', async () => {
    const pdf = await buildReportPdf({ record: { ...record, study: study('脳 T1 軸位 Иванов 🧠 שלום') }, generatedFor: 'u@example.org', fonts: reportFaces() });
    expect(pdfFlatText(pdf).replace(/ (?=T1|Ив)|(?<=T1) /g, '')).toContain(`Series description: 脳T1軸位Иванов ? םולש${REPLACED_NOTE}`);
  });

  it('embeds subsets of the font: tens of KB, not the 1.4 MB of the two font files', async () => {
    const latin = await buildReportPdf({ record: { ...record, study: study('AX T1 post') }, generatedFor: 'u@example.org', fonts: reportFaces() });
    const mixed = await buildReportPdf({ record: { ...record, study: study('Иванов Ωμέγα Dvořák Łódź') }, generatedFor: 'u@example.org', fonts: reportFaces() });
    for (const pdf of [latin, mixed]) {
      const fonts = embeddedFontBytes(pdf);
      expect(fonts).toHaveLength(2); // regular and bold
      for (const n of fonts) expect(n).toBeLessThan(60_000);
      expect(pdf.length).toBeLessThan(150_000);
    }
    // the Cyrillic and Greek letters add their glyphs only
    expect(mixed.length - latin.length).toBeLessThan(15_000);
  });

  it('the glyph coverage comes from the face that prints the text, not a fixed range', () => {
    const printableText = (text: string, face: GlyphCoverage) => {
      const { runs, replaced } = printableRuns(text, [face]);
      return { text: runs.map((r) => r.text).join(''), replaced };
    };
    const noCaron = { hasGlyphForCodePoint: (cp: number) => cp < 0x100 || cp === 0x416 };
    expect(printableText('Dvořák Ж Ω', noCaron)).toEqual({ text: 'Dvo?ák Ж ?', replaced: 2 });
    // composed first: "e" + combining acute is one "é"; a control character is never printed
    expect(printableText('Rene\u0301\u0007', reportFaces().regular)).toEqual({ text: 'René?', replaced: 1 });
    expect(printableText('line one\nline two', reportFaces().regular).text).toBe('line one\nline two');
  });
});

describe('the report font at start-up', () => {
  const missing = (id: string): string => {
    throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
  };

  it('loads both faces from the installed package', () => {
    const fonts = ReportFonts.load();
    expect(() => fonts.onModuleInit()).not.toThrow();
    expect(fonts.faces().regular.hasGlyphForCodePoint(0x416)).toBe(true);
    expect(fonts.faces().bold.hasGlyphForCodePoint(0x3a9)).toBe(true);
  });

  it('a font missing from node_modules stops the start-up with a named error (main.ts prints a StartupError\'s message and exits 1)', async () => {
    expect(() => loadReportFaces(missing)).toThrow(ReportFontError);
    const fonts = ReportFonts.load(missing);
    expect(() => fonts.faces()).toThrow(ReportFontError);
    // in a Nest app: init() rejects with it (a throwing provider factory would abort the process instead)
    @Module({ providers: [{ provide: ReportFonts, useValue: fonts }] })
    class WithoutFont {}
    const err: unknown = await NestFactory.createApplicationContext(WithoutFont, { logger: false }).then(
      async (ctx) => {
        await ctx.init();
        await ctx.close();
        return null;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ReportFontError);
    expect(err).toBeInstanceOf(StartupError);
    expect((err as Error).message).toContain(`MRI Sentinel did not start: the PDF report font ${REPORT_FONT_PACKAGE}/ttf/DejaVuSans.ttf is not installed`);
    expect((err as Error).message).toContain('npm ci');
  });

  it('a CJK fallback face missing, or not a font, stops the start-up too, naming it; its file is read at its first use only', async () => {
    const withoutKorean = (id: string) => (id === '@embedpdf/fonts-kr' ? missing(id) : require.resolve(id));
    expect(() => loadReportFaces(withoutKorean)).toThrow(/the PDF report font @embedpdf\/fonts-kr\/fonts\/NotoSansKR-Regular.otf is not installed/);
    // a package whose font file is not one (text where the OpenType header should be)
    const pkg = fs.mkdtempSync(path.join(os.tmpdir(), 'fonts-sc-'));
    fs.mkdirSync(path.join(pkg, 'dist'));
    fs.mkdirSync(path.join(pkg, 'fonts'));
    fs.writeFileSync(path.join(pkg, 'fonts', 'NotoSansHans-Regular.otf'), 'not a font');
    try {
      expect(() => loadReportFaces((id) => (id === '@embedpdf/fonts-sc' ? path.join(pkg, 'dist', 'index.cjs') : require.resolve(id)))).toThrow(/NotoSansHans-Regular.otf is not an OpenType font/);
    } finally {
      fs.rmSync(pkg, { recursive: true });
    }
    const read = jest.spyOn(fs, 'readFileSync');
    try {
      const faces = loadReportFaces();
      const cjkReads = () => read.mock.calls.filter(([file]) => String(file).includes('@embedpdf')).length;
      // a report without CJK asks the fallbacks nothing (Hebrew: the report font has it)
      await buildReportPdf({ record: { ...notMriRecord(), study: study('Dvořák Иванов שלום') }, generatedFor: 'u@example.org', fonts: faces });
      expect(cjkReads()).toBe(0);
      expect(faces.fallbacks[0].hasGlyphForCodePoint(0x8133)).toBe(true); // 脳
      expect(faces.fallbacks[1].hasGlyphForCodePoint(0xb1cc)).toBe(true); // 뇌
      expect(cjkReads()).toBe(2);
    } finally {
      read.mockRestore();
    }
  });

  it('a file that is not a font is named too', () => {
    const notFont = require.resolve('dejavu-fonts-ttf/package.json');
    expect(() => loadReportFaces(() => notFont)).toThrow(/is not a TrueType font/);
  });
});

describe('one read of the font, shared by every report; its glyphs pre-loaded by the first report', () => {
  it('reads each font file once; start-up lays nothing out, the first report pre-loads the glyphs once', async () => {
    const read = jest.spyOn(fs, 'readFileSync');
    try {
      const fontReads = () => read.mock.calls.filter(([file]) => String(file).includes(REPORT_FONT_PACKAGE)).length;
      const faces = loadReportFaces();
      expect(fontReads()).toBe(2);
      // the pre-load lays out each ligature character's letters: "ffi" for U+FB03, once a face
      const parsed = [faces.regular, faces.bold].map((face) => (face as unknown as { parsed: Font }).parsed);
      const layouts = parsed.map((font) => jest.spyOn(font, 'layout'));
      const preloads = () => layouts.map((spy) => spy.mock.calls.filter(([text]) => text === 'ffi').length);
      expect(faces.regular.hasGlyphForCodePoint(0x416)).toBe(true);
      expect(preloads()).toEqual([0, 0]);
      for (const name of ['Dvořák', 'Иванов', 'page']) await buildReportPdf({ record: { ...notMriRecord(), study: study(name) }, generatedFor: 'u@example.org', fonts: faces });
      expect(preloads()).toEqual([1, 1]);
      expect(fontReads()).toBe(2);
    } finally {
      read.mockRestore();
    }
  });

  it('in one document, "ﬁ" typed as such before "fi" in a word: each reads back as letters, the word whole', async () => {
    const { regular } = loadReportFaces();
    const doc = new PDFDocument({ size: 'A4' });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
    doc.registerFont('R', regular.font).font('R').text('ﬁle ﬂow').text('office fluff confidence');
    doc.end();
    expect(pdfStreamTexts(await done)).toEqual(['file flow\noffice fluff confidence']);
  });
});
