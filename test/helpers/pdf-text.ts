import { inflateSync } from 'node:zlib';
import type request from 'supertest';

/** supertest parser that keeps a binary answer (a PDF report) as one Buffer: `.buffer(true).parse(binary)`. */
export const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

/**
 * Text of a PDF written by pdfkit: each page's content read through the fonts it names. Enough to
 * assert what a report says without a PDF library.
 */
export function pdfText(pdf: Buffer): string {
  return pdfStreamTexts(pdf).join('\n');
}

/** One indirect object: its dictionary (latin1 text) and, for a stream, its decoded bytes. */
export interface PdfObject {
  dict: string;
  stream?: Buffer;
}

/**
 * The text of each page that shows any, in page order: one entry per text-showing operator (TJ,
 * Tj), joined by newlines. The reader follows the file's structure — xref table, catalog, page
 * tree, each page's /Contents and /Resources — and slices each stream by its /Length, so bytes
 * inside a compressed stream are never read as PDF syntax (a scan for "stream" took a "<<" in one
 * page's deflated bytes for a dictionary and lost the next page, 1 run in 8).
 *
 * Strings are decoded by the font the Tf operator last selected: an embedded (Type0, Identity-H)
 * font through its /ToUnicode CMap, two bytes a glyph, so ligature glyphs read as their letters
 * ("ffi"); a standard font (Helvetica) as WinAnsi.
 */
export function pdfStreamTexts(pdf: Buffer): string[] {
  return pdfShownStrings(pdf).map((page) => page.map((s) => s.text).join('\n')).filter((t) => t.length);
}

/** One text-showing operator's string: the font it was shown in (/BaseFont, subset tag dropped), its glyph codes and their text. */
export interface ShownString {
  font: string;
  /** the codes of an embedded font, two bytes each (subset glyph ids); a standard font's bytes */
  codes: number[];
  text: string;
  /** where the string starts on the page, in points from its left edge (the text matrix pdfkit set before it) */
  x: number;
  /** its baseline, in points from the page's top edge (the same text matrix) */
  baseline: number;
  /** the font size the Tf operator set */
  size: number;
  /** the text rendering mode (Tr) in force: 0 fill, 2 fill then stroke (a simulated bold) */
  render: number;
  /** the line width (w) in force outside the text object: what a stroked glyph's outline is drawn with */
  lineWidth: number;
  /** the fill and stroke colours in force (scn, SCN: their operands as written, "0 0 0" for black) */
  fill: string;
  stroke: string;
}

/** Every shown string of each page that shows any, in page and content order (what pdfStreamTexts joins). */
export function pdfShownStrings(pdf: Buffer): ShownString[][] {
  const objects = readObjects(pdf);
  const get = (ref: string | undefined): PdfObject => {
    const o = ref === undefined ? undefined : objects.get(Number(ref));
    if (!o) throw new Error(`PDF object ${ref} not found`);
    return o;
  };
  const src = pdf.toString('latin1');
  const trailer = src.slice(src.lastIndexOf('trailer'));
  const catalog = get(refIn(trailer, 'Root'));
  const pages: PdfObject[] = [];
  const walk = (node: PdfObject) => {
    if (/\/Type\s*\/Page\b(?!s)/.test(node.dict)) pages.push(node);
    else for (const kid of refsIn(node.dict, 'Kids')) walk(get(kid));
  };
  walk(get(refIn(catalog.dict, 'Pages')));

  interface Decoder {
    name: string;
    decode: (bytes: Buffer) => string;
    twoBytes: boolean;
  }
  const fontCache = new Map<string, Decoder>();
  const decoderOf = (ref: string) => {
    let d = fontCache.get(ref);
    if (!d) {
      const font = get(ref);
      const toUnicode = refIn(font.dict, 'ToUnicode');
      const name = (/\/BaseFont\s*\/([^\s/<>[\]()]+)/.exec(font.dict)?.[1] ?? '').replace(/^[A-Z]{6}\+/, '');
      d = toUnicode !== undefined ? { name, decode: cmapDecoder(get(toUnicode).stream!.toString('latin1')), twoBytes: true } : { name, decode: winAnsi, twoBytes: false };
      fontCache.set(ref, d);
    }
    return d;
  };

  const texts: ShownString[][] = [];
  for (const page of pages) {
    const resourcesRef = refIn(page.dict, 'Resources');
    const resources = resourcesRef !== undefined ? get(resourcesRef).dict : page.dict;
    const fontDict = /\/Font\s*<<([^>]*)>>/.exec(resources)?.[1] ?? '';
    const fonts = new Map([...fontDict.matchAll(/\/([^\s/<>[\]()]+)\s+(\d+)\s+\d+\s+R/g)].map((m) => [m[1], m[2]]));
    const content = refsIn(page.dict, 'Contents').map((r) => get(r).stream!.toString('latin1')).join('\n');
    const height = Number(/\/MediaBox\s*\[\s*[-\d.]+\s+[-\d.]+\s+[-\d.]+\s+([-\d.]+)\s*\]/.exec(page.dict)?.[1]);
    const lines: ShownString[] = [];
    let decoder: Decoder = { name: '', decode: winAnsi, twoBytes: false };
    let x = 0;
    let y = 0;
    let size = 0;
    // the mode and line width are graphics state: pdfkit sets them inside q…Q, which restores them
    const state = [{ render: 0, lineWidth: 1, fill: '0 0 0', stroke: '0 0 0' }];
    const opRe = /1 0 0 1 ([-\d.]+) ([-\d.]+) Tm|\/([^\s/<>[\]()]+)\s+([-\d.]+)\s+Tf|\[((?:[^\]\\]|\\.)*)\]\s*TJ|(<[0-9A-Fa-f\s]*>|\((?:[^)\\]|\\.)*\))\s*Tj|(?<![\w.])(\d) Tr\b|(?<![\w.])([\d.]+) w\b|(?<![\w.])([qQ])(?![\w])|([\d.]+ [\d.]+ [\d.]+) (scn|SCN)\b/g;
    let op: RegExpExecArray | null;
    while ((op = opRe.exec(content))) {
      const top = state[state.length - 1];
      if (op[9] === 'q') state.push({ ...top });
      else if (op[9] === 'Q') state.splice(Math.max(1, state.length - 1));
      else if (op[7] !== undefined) top.render = Number(op[7]);
      else if (op[8] !== undefined) top.lineWidth = Number(op[8]);
      else if (op[10] !== undefined) top[op[11] === 'scn' ? 'fill' : 'stroke'] = op[10];
      else if (op[1] !== undefined) {
        x = Number(op[1]);
        y = height - Number(op[2]);
      } else if (op[3] !== undefined) {
        size = Number(op[4]);
        const ref = fonts.get(op[3]);
        if (ref === undefined) throw new Error(`page uses font /${op[3]}, not in its resources`);
        decoder = decoderOf(ref);
      } else {
        const strings = op[5] !== undefined ? [...op[5].matchAll(/<[0-9A-Fa-f\s]*>|\((?:[^)\\]|\\.)*\)/g)].map((s) => s[0]) : [op[6]];
        const bytes = Buffer.concat(strings.map(stringBytes));
        const codes = decoder.twoBytes ? Array.from({ length: bytes.length >> 1 }, (_, i) => bytes.readUInt16BE(2 * i)) : [...bytes];
        lines.push({ font: decoder.name, codes, text: strings.map((s) => decoder.decode(stringBytes(s))).join(''), x, baseline: y, size, ...top });
      }
    }
    if (lines.length) texts.push(lines);
  }
  return texts;
}

/** Every indirect object the cross-reference table lists (pdfkit writes one table, no streams of objects). */
export function readObjects(pdf: Buffer): Map<number, PdfObject> {
  const src = pdf.toString('latin1');
  const start = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(src)?.[1]);
  const xref = /^xref\s+(\d+)\s+(\d+)\s+/.exec(src.slice(start));
  if (!xref) throw new Error('no cross-reference table');
  const objects = new Map<number, PdfObject>();
  const first = Number(xref[1]);
  const entries = src.slice(start + xref[0].length).split(/\r?\n|\r/).slice(0, Number(xref[2]));
  entries.forEach((line, i) => {
    const [offset, , kind] = line.trim().split(/\s+/);
    if (kind !== 'n') return;
    const at = Number(offset);
    const head = /^\d+\s+\d+\s+obj\s*/.exec(src.slice(at, at + 40));
    if (!head) throw new Error(`object ${first + i} is not at offset ${at}`);
    const dictStart = at + head[0].length;
    const dictEnd = src.startsWith('<<', dictStart) ? matchingClose(src, dictStart) : src.indexOf('endobj', dictStart);
    const dict = src.slice(dictStart, dictEnd);
    const after = /^\s*stream\r?\n/.exec(src.slice(dictEnd, dictEnd + 20));
    if (!after) return objects.set(first + i, { dict });
    const length = /\/Length\s+(\d+)(?!\s+\d+\s+R)/.exec(dict);
    if (!length) throw new Error(`stream ${first + i} has no direct /Length`);
    const bodyStart = dictEnd + after[0].length;
    let stream = pdf.subarray(bodyStart, bodyStart + Number(length[1]));
    if (/\/Filter\s*\/FlateDecode/.test(dict)) stream = inflateSync(stream);
    objects.set(first + i, { dict, stream });
  });
  return objects;
}

/** Index just past the ">>" closing the dictionary that opens at `from` (nested dictionaries and literal strings skipped). */
function matchingClose(src: string, from: number): number {
  let depth = 0;
  for (let i = from; i < src.length; i++) {
    if (src[i] === '(') {
      for (let nest = 1, j = i + 1; j < src.length; j++) {
        if (src[j] === '\\') j++;
        else if (src[j] === '(') nest++;
        else if (src[j] === ')' && --nest === 0) {
          i = j;
          break;
        }
      }
    } else if (src.startsWith('<<', i)) {
      depth++;
      i++;
    } else if (src.startsWith('>>', i)) {
      depth--;
      i++;
      if (depth === 0) return i + 1;
    }
  }
  throw new Error('unterminated dictionary');
}

const refIn = (dict: string, key: string): string | undefined => new RegExp(`/${key}\\s+(\\d+)\\s+\\d+\\s+R`).exec(dict)?.[1];

/** The objects a key refers to, as one reference or an array of them (/Kids, /Contents). */
function refsIn(dict: string, key: string): string[] {
  const m = new RegExp(`/${key}\\s*(\\[[^\\]]*\\]|\\d+\\s+\\d+\\s+R)`).exec(dict);
  return m ? [...m[1].matchAll(/(\d+)\s+\d+\s+R/g)].map((r) => r[1]) : [];
}

/** A PDF text string (<hex> or (literal)) as text: UTF-16BE after a byte-order mark, else latin1 (PDFDocEncoding's printable range). */
export function pdfString(s: string): string {
  const bytes = stringBytes(s);
  return bytes[0] === 0xfe && bytes[1] === 0xff ? Buffer.from(bytes.subarray(2)).swap16().toString('utf16le') : bytes.toString('latin1');
}

/** The bytes of a PDF string: <hex> or (literal) with its escapes. */
export function stringBytes(s: string): Buffer {
  if (s.startsWith('<')) return Buffer.from(s.slice(1, -1).replace(/\s+/g, ''), 'hex');
  const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' };
  const text = s.slice(1, -1).replace(/\\([0-7]{1,3}|\r?\n|.)/g, (_m, e: string) => (/^[0-7]/.test(e) ? String.fromCharCode(parseInt(e, 8)) : /^\r?\n$/.test(e) ? '' : (escapes[e] ?? e)));
  return Buffer.from(text, 'latin1');
}

/** A ToUnicode CMap (bfchar and bfrange, two-byte codes as pdfkit writes them) as a decoder. */
export function cmapDecoder(cmap: string): (bytes: Buffer) => string {
  const map = new Map<number, string>();
  const utf16 = (hex: string) => Buffer.from(hex.replace(/\s+/g, ''), 'hex').swap16().toString('utf16le');
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const m of block[1].matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f\s]+)>/g)) map.set(parseInt(m[1], 16), utf16(m[2]));
  }
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const m of block[1].matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f\s]+>)/g)) {
      const lo = parseInt(m[1], 16);
      const hi = parseInt(m[2], 16);
      if (m[3].startsWith('[')) [...m[3].matchAll(/<([0-9A-Fa-f\s]*)>/g)].forEach((d, i) => map.set(lo + i, utf16(d[1])));
      else {
        const base = parseInt(m[3].slice(1, -1).replace(/\s+/g, ''), 16);
        for (let c = lo; c <= hi; c++) map.set(c, String.fromCharCode(base + c - lo));
      }
    }
  }
  return (bytes) => {
    let out = '';
    for (let i = 0; i + 1 < bytes.length; i += 2) {
      const code = bytes.readUInt16BE(i);
      const text = map.get(code);
      if (text === undefined) throw new Error(`glyph code ${code} is not in the font's ToUnicode map`);
      out += text;
    }
    return out;
  };
}

/** Pages of the document (each /Type /Page object; not the /Pages tree). */
export function pdfPageCount(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
}

/** WinAnsiEncoding's 0x80–0x9F differ from latin1 (dashes, quotes, bullet, euro…). */
const WIN_ANSI: Record<number, string> = {
  0x80: '€', 0x85: '…', 0x91: '‘', 0x92: '’', 0x93: '“', 0x94: '”', 0x95: '•', 0x96: '–', 0x97: '—', 0x99: '™',
};

export function winAnsi(bytes: Buffer): string {
  return [...bytes].map((b) => WIN_ANSI[b] ?? String.fromCharCode(b)).join('');
}

/** Whitespace-collapsed text, for phrases that wrap across lines. */
export function pdfFlatText(pdf: Buffer): string {
  return pdfText(pdf).replace(/\s+/g, ' ');
}
