/**
 * Byte-level builders for the hostile corpus (corpus.ts): PNG chunks, JPEG markers, BMP, ZIP, PDF
 * and APNG written by hand, and reproducible noise, so a case can break a container exactly where
 * it means to.
 */
import * as zlib from 'node:zlib';
import sharp from 'sharp';

export function u32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export function pngChunk(type: string, data: Buffer): Buffer {
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  return Buffer.concat([u32be(data.length), td, u32be(zlib.crc32(td))]);
}

export const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function ihdr(width: number, height: number, bitDepth: number, colourType: number): Buffer {
  const d = Buffer.alloc(13);
  d.writeUInt32BE(width, 0);
  d.writeUInt32BE(height, 4);
  d[8] = bitDepth;
  d[9] = colourType;
  return pngChunk('IHDR', d); // compression, filter, interlace = 0
}

/** Grey 8-bit rows with filter byte 0, deflated. */
export function greyIdatData(pixels: Buffer, width: number, height: number): Buffer {
  const rows = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) pixels.copy(rows, y * (width + 1) + 1, y * width, (y + 1) * width);
  return zlib.deflateSync(rows);
}

/** Finds a chunk's offset (of its length field) in a PNG. */
export function findPngChunk(png: Buffer, type: string): number {
  let off = 8;
  while (off + 8 <= png.length) {
    const len = png.readUInt32BE(off);
    if (png.toString('latin1', off + 4, off + 8) === type) return off;
    off += 12 + len;
  }
  throw new Error(`no ${type} chunk`);
}

/** Finds a JPEG marker segment (0xFF, marker) at the top level, before the scan data. */
export function findJpegMarker(jpeg: Buffer, marker: number): number {
  let off = 2;
  while (off + 4 <= jpeg.length) {
    if (jpeg[off] !== 0xff) throw new Error('lost JPEG sync');
    const m = jpeg[off + 1];
    if (m === marker) return off;
    if (m === 0xda) break; // start of scan
    off += 2 + jpeg.readUInt16BE(off + 2);
  }
  throw new Error(`no marker ${marker.toString(16)}`);
}

export function bmp24(width: number, height: number, rgb: Buffer): Buffer {
  const rowSize = Math.ceil((width * 3) / 4) * 4;
  const h = Buffer.alloc(54);
  h.write('BM', 0, 'latin1');
  h.writeUInt32LE(54 + rowSize * height, 2);
  h.writeUInt32LE(54, 10);
  h.writeUInt32LE(40, 14);
  h.writeInt32LE(width, 18);
  h.writeInt32LE(height, 22);
  h.writeUInt16LE(1, 26);
  h.writeUInt16LE(24, 28);
  h.writeUInt32LE(rowSize * height, 34);
  const body = Buffer.alloc(rowSize * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = ((height - 1 - y) * width + x) * 3;
      const d = y * rowSize + x * 3;
      body[d] = rgb[s + 2];
      body[d + 1] = rgb[s + 1];
      body[d + 2] = rgb[s];
    }
  }
  return Buffer.concat([h, body]);
}

/** A ZIP archive holding one stored (uncompressed) file. */
export function zipStored(name: string, data: Buffer): Buffer {
  const n = Buffer.from(name, 'utf8');
  const crc = zlib.crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(n.length, 28);
  const localPart = Buffer.concat([local, n, data]);
  const centralPart = Buffer.concat([central, n]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(centralPart.length, 12);
  end.writeUInt32LE(localPart.length, 16);
  return Buffer.concat([localPart, centralPart, end]);
}

export function minimalPdf(): Buffer {
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>',
    '<< /Length 35 >>\nstream\nBT /F1 12 Tf 20 100 Td (MRI) Tj ET\nendstream',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** Deterministic pseudo-random bytes (xorshift32), so failures are reproducible. */
export function noiseBytes(n: number, seed = 0x9e3779b9): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

export async function greyRaw(img: Buffer, size: number): Promise<Buffer> {
  return sharp(img).resize(size, size, { fit: 'fill' }).greyscale().raw().toBuffer();
}

export interface ApngOptions {
  /** a default image (IDAT) that is not part of the animation: no fcTL before it, frames all in fdAT */
  hiddenDefault?: Buffer;
  /** acTL num_frames as written, when it should differ from the frames given */
  declaredFrames?: number;
}

/** Animated PNG (acTL/fcTL/fdAT) of 8-bit grey frames, written by hand. */
export function apng(frames: Buffer[], size: number, opts: ApngOptions = {}): Buffer {
  let seq = 0;
  const fctl = () => {
    const d = Buffer.alloc(26);
    d.writeUInt32BE(seq++, 0);
    d.writeUInt32BE(size, 4);
    d.writeUInt32BE(size, 8);
    d.writeUInt16BE(1, 20); // delay 1/10 s
    d.writeUInt16BE(10, 22);
    return pngChunk('fcTL', d);
  };
  const actl = Buffer.alloc(8);
  actl.writeUInt32BE(opts.declaredFrames ?? frames.length, 0);
  const parts = [PNG_SIG, ihdr(size, size, 8, 0), pngChunk('acTL', actl)];
  if (opts.hiddenDefault) parts.push(pngChunk('IDAT', greyIdatData(opts.hiddenDefault, size, size)));
  frames.forEach((f, i) => {
    parts.push(fctl());
    const data = greyIdatData(f, size, size);
    const isDefault = i === 0 && !opts.hiddenDefault;
    parts.push(isDefault ? pngChunk('IDAT', data) : pngChunk('fdAT', Buffer.concat([u32be(seq++), data])));
  });
  parts.push(pngChunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

export const SCREENSHOT_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="1280" height="800">
  <rect width="1280" height="800" fill="#f3f4f6"/>
  <rect width="1280" height="36" fill="#2b2d31"/>
  <circle cx="20" cy="18" r="6" fill="#ff5f57"/><circle cx="40" cy="18" r="6" fill="#febc2e"/><circle cx="60" cy="18" r="6" fill="#28c840"/>
  <rect x="200" y="8" width="880" height="20" rx="10" fill="#3c3f45"/>
  <text x="220" y="23" font-family="sans-serif" font-size="13" fill="#ddd">https://example.org/dashboard</text>
  <rect x="0" y="36" width="240" height="764" fill="#ffffff"/>
  <text x="24" y="80" font-family="sans-serif" font-size="16" fill="#111">Inbox</text>
  <text x="24" y="112" font-family="sans-serif" font-size="16" fill="#111">Calendar</text>
  <text x="24" y="144" font-family="sans-serif" font-size="16" fill="#111">Settings</text>
  <rect x="270" y="70" width="980" height="120" rx="8" fill="#fff" stroke="#ddd"/>
  <text x="290" y="110" font-family="sans-serif" font-size="22" fill="#222">Quarterly report</text>
  <text x="290" y="145" font-family="sans-serif" font-size="14" fill="#555">Revenue grew 12% while costs fell. Click to open the spreadsheet.</text>
  <rect x="270" y="210" width="480" height="300" rx="8" fill="#fff" stroke="#ddd"/>
  <rect x="300" y="400" width="40" height="90" fill="#4f81bd"/><rect x="360" y="340" width="40" height="150" fill="#4f81bd"/>
  <rect x="420" y="300" width="40" height="190" fill="#c0504d"/><rect x="480" y="260" width="40" height="230" fill="#9bbb59"/>
  <rect x="770" y="210" width="480" height="300" rx="8" fill="#fff" stroke="#ddd"/>
  <text x="790" y="250" font-family="monospace" font-size="14" fill="#333">$ npm test</text>
  <text x="790" y="275" font-family="monospace" font-size="14" fill="#2a2">PASS  42 tests</text>
  <rect x="270" y="540" width="140" height="40" rx="6" fill="#2563eb"/>
  <text x="300" y="566" font-family="sans-serif" font-size="15" fill="#fff">Submit</text>
</svg>`;

