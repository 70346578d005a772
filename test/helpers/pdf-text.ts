import { inflateSync } from 'node:zlib';
import type request from 'supertest';

/** supertest parser that keeps a binary answer (a PDF report) as one Buffer: `.buffer(true).parse(binary)`. */
export const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

/**
 * Text of a PDF written by pdfkit with its standard fonts: inflate every FlateDecode stream and
 * read the hex strings of TJ/Tj operators (WinAnsi, read as latin1). Enough to assert what a
 * report says without a PDF library.
 */
export function pdfText(pdf: Buffer): string {
  return pdfStreamTexts(pdf).join('\n');
}

/**
 * The text of each content stream that shows any, in file order: one per page of a pdfkit
 * document (pdfkit writes one content stream per page; images and fonts show no text).
 */
export function pdfStreamTexts(pdf: Buffer): string[] {
  const src = pdf.toString('latin1');
  const streams: string[] = [];
  // not the "stream" of "endstream": that match took the bytes between two streams for one, its
  // dictionary from a "<<" that happened to be in the previous stream's compressed data (then not
  // inflated, so not refused), and it ended at the next stream's end — skipping that page's text
  // (a two-page full report lost its page 2 in 1 of 8 runs: "Analysis id" not found)
  const streamRe = /(?<!end)stream\r?\n/g;
  let m: RegExpExecArray | null;
  while ((m = streamRe.exec(src))) {
    const start = m.index + m[0].length;
    const end = src.indexOf('endstream', start);
    if (end < 0) break;
    const dict = src.slice(Math.max(0, src.lastIndexOf('<<', m.index)), m.index);
    let body = pdf.subarray(start, end);
    if (/FlateDecode/.test(dict)) {
      try {
        body = inflateSync(body);
      } catch {
        continue;
      }
    } else if (/Subtype\s*\/Image/.test(dict)) continue;
    const content = body.toString('latin1');
    const lines: string[] = [];
    const opRe = /\[((?:[^\]\\]|\\.)*)\]\s*TJ|<([0-9A-Fa-f\s]*)>\s*Tj|\(((?:[^)\\]|\\.)*)\)\s*Tj/g;
    let op: RegExpExecArray | null;
    while ((op = opRe.exec(content))) {
      if (op[1] !== undefined) {
        const parts = [...op[1].matchAll(/<([0-9A-Fa-f\s]*)>|\(((?:[^)\\]|\\.)*)\)/g)].map((p) => (p[1] !== undefined ? hex(p[1]) : p[2]));
        lines.push(parts.join(''));
      } else if (op[2] !== undefined) lines.push(hex(op[2]));
      else lines.push(op[3]);
    }
    if (lines.length) streams.push(lines.join('\n'));
    streamRe.lastIndex = end;
  }
  return streams;
}

/** Pages of the document (each /Type /Page object; not the /Pages tree). */
export function pdfPageCount(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
}

/** WinAnsiEncoding's 0x80–0x9F differ from latin1 (dashes, quotes, bullet, euro…). */
const WIN_ANSI: Record<number, string> = {
  0x80: '€', 0x85: '…', 0x91: '‘', 0x92: '’', 0x93: '“', 0x94: '”', 0x95: '•', 0x96: '–', 0x97: '—', 0x99: '™',
};

function hex(h: string): string {
  const bytes = Buffer.from(h.replace(/\s+/g, ''), 'hex');
  return [...bytes].map((b) => WIN_ANSI[b] ?? String.fromCharCode(b)).join('');
}

/** Whitespace-collapsed text, for phrases that wrap across lines. */
export function pdfFlatText(pdf: Buffer): string {
  return pdfText(pdf).replace(/\s+/g, ' ');
}
