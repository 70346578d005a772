/**
 * Hostile and broken uploads, built by code at test time from nothing committed: synthetic
 * images made with sharp, byte-level surgery on real JPEG/PNG files, hand-written containers
 * (BMP, ZIP, PDF, APNG) and the sample images in ../shared/samples (never copied into the repo).
 *
 * Each case says what the product promises for it:
 *   - `file`:    refused before any model runs with a 4xx and a stable error code;
 *   - `content`: a decodable image that is not a usable MRI — the models must refuse it
 *                (`rejected`; never `completed`), or a 4xx;
 *   - `request`: a malformed request (no `image` field, two files, broken multipart…) → 4xx.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import sharp from 'sharp';

import { apng, bmp24, findJpegMarker, findPngChunk, greyRaw, ihdr, minimalPdf, noiseBytes, PNG_SIG, pngChunk, SCREENSHOT_SVG, zipStored } from './bytes';

export const SAMPLES_DIR = path.resolve(__dirname, '../../../shared/samples');

export type Expectation =
  | { kind: 'file'; status: number; code: string }
  | { kind: 'content' }
  | { kind: 'request'; status: number };

export interface Upload {
  field: string;
  bytes: Buffer;
  filename: string;
  contentType: string;
}

export interface HostileCase {
  name: string;
  /** multipart parts (usually one `image` file) */
  files?: Upload[];
  /** extra text fields */
  fields?: Record<string, string>;
  /** a raw request body instead of a multipart form (with its content type) */
  raw?: { body: Buffer; contentType: string };
  expect: Expectation;
  /** bytes that must never appear on disk, in the database or in logs after the run */
  secretBytes?: Buffer[];
}

const file = (status: number, code: string): Expectation => ({ kind: 'file', status, code });
const content: Expectation = { kind: 'content' };

function sample(name: string): Buffer {
  return fs.readFileSync(path.join(SAMPLES_DIR, name));
}

const one = (bytes: Buffer, filename: string, contentType = 'image/jpeg'): Upload[] => [
  { field: 'image', bytes, filename, contentType },
];

// ---------------------------------------------------------------------------------------------
// the corpus
// ---------------------------------------------------------------------------------------------

/** Builds every case (a few seconds of sharp work; the bomb is built from zeros in memory). */
export async function buildCorpus(): Promise<HostileCase[]> {
  const brain = sample('brain-glioma-1.jpg');
  const xray = sample('not-mri-chest-xray.jpg');
  const ct = sample('not-mri-chest-ct.jpg');
  const chart = sample('not-mri-chart.jpg');
  const rgbNoise = noiseBytes(256 * 256 * 3, 7);
  const rgbNoiseImg = { raw: { width: 256, height: 256, channels: 3 as const } };

  // a clean baseline JPEG (non-progressive, known DHT) to operate on
  const baseJpeg = await sharp(brain).jpeg({ quality: 90, mozjpeg: false, optimiseCoding: false }).toBuffer();
  const basePng = await sharp(brain).png().toBuffer();

  const cases: HostileCase[] = [];
  const add = (c: HostileCase) => cases.push(c);

  // --- wrong or broken bytes: refused by the byte sniffer (415) -----------------------------
  // said to be empty, not "Only JPEG and PNG images are accepted" (415): its name and type were fine
  add({ name: 'empty file', files: one(Buffer.alloc(0), 'empty.jpg'), expect: file(400, 'EMPTY_FILE') });
  add({ name: 'plain text named .jpg', files: one(Buffer.from('just some text, not an image\n'), 'notes.jpg'), expect: file(415, 'UNSUPPORTED_TYPE') });
  add({
    name: 'HTML named .jpg',
    files: one(Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>'), 'page.jpg'),
    expect: file(415, 'UNSUPPORTED_TYPE'),
  });
  add({ name: 'PDF', files: one(minimalPdf(), 'scan.pdf', 'application/pdf'), expect: file(415, 'UNSUPPORTED_TYPE') });
  add({ name: 'ZIP holding a JPEG', files: one(zipStored('brain.jpg', brain), 'brain.zip', 'application/zip'), expect: file(415, 'UNSUPPORTED_TYPE'), secretBytes: [brain] });
  add({
    name: 'SVG with script',
    files: one(
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300" onload="alert(1)"><script>alert(2)</script><rect width="300" height="300"/></svg>'),
      'brain.svg',
      'image/svg+xml',
    ),
    expect: file(415, 'UNSUPPORTED_TYPE'),
  });
  add({ name: 'GIF', files: one(await sharp(brain).gif().toBuffer(), 'brain.gif', 'image/gif'), expect: file(415, 'UNSUPPORTED_TYPE') });
  add({ name: 'WebP', files: one(await sharp(brain).webp().toBuffer(), 'brain.webp', 'image/webp'), expect: file(415, 'UNSUPPORTED_TYPE') });
  const brainRgb = await sharp(brain).resize(128, 128).removeAlpha().toColourspace('srgb').raw().toBuffer();
  add({ name: 'BMP', files: one(bmp24(128, 128, brainRgb), 'brain.bmp', 'image/bmp'), expect: file(415, 'UNSUPPORTED_TYPE') });
  add({ name: 'TIFF', files: one(await sharp(brain).tiff().toBuffer(), 'brain.tiff', 'image/tiff'), expect: file(415, 'UNSUPPORTED_TYPE') });
  add({ name: 'AVIF', files: one(await sharp(brain).avif({ quality: 40, effort: 0 }).toBuffer(), 'brain.avif', 'image/avif'), expect: file(415, 'UNSUPPORTED_TYPE') });
  add({ name: 'JPEG magic only (3 bytes)', files: one(Buffer.from([0xff, 0xd8, 0xff]), 'tiny.jpg'), expect: file(422, 'CORRUPT_IMAGE') });
  add({ name: 'PNG signature only', files: one(PNG_SIG, 'tiny.png', 'image/png'), expect: file(422, 'CORRUPT_IMAGE') });
  add({ name: 'JPEG magic + random bytes', files: one(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), noiseBytes(20_000, 3)]), 'noise.jpg'), expect: file(422, 'CORRUPT_IMAGE') });

  // --- decodes badly: 422 CORRUPT_IMAGE ------------------------------------------------------
  add({ name: 'truncated JPEG', files: one(baseJpeg.subarray(0, Math.floor(baseJpeg.length * 0.6)), 'cut.jpg'), expect: file(422, 'CORRUPT_IMAGE') });
  {
    const bad = Buffer.from(baseJpeg);
    const dht = findJpegMarker(bad, 0xc4);
    // the 16 code-length counts after the Tc/Th byte: 0xff each claims 4080 codes (> 256): bogus table
    bad.fill(0xff, dht + 5, dht + 5 + 16);
    add({ name: 'JPEG with corrupt Huffman table', files: one(bad, 'huffman.jpg'), expect: file(422, 'CORRUPT_IMAGE') });
  }
  {
    const bad = Buffer.from(basePng);
    const idat = findPngChunk(bad, 'IDAT');
    const crcAt = idat + 8 + bad.readUInt32BE(idat);
    bad[crcAt] ^= 0xff;
    add({ name: 'PNG with bad IDAT CRC', files: one(bad, 'crc.png', 'image/png'), expect: file(422, 'CORRUPT_IMAGE') });
  }
  add({ name: 'truncated PNG', files: one(basePng.subarray(0, Math.floor(basePng.length / 2)), 'cut.png', 'image/png'), expect: file(422, 'CORRUPT_IMAGE') });

  // --- size and resolution --------------------------------------------------------------------
  add({
    name: '6 MB file',
    files: one(Buffer.concat([baseJpeg, noiseBytes(6 * 1024 * 1024, 11)]), 'huge.jpg'),
    expect: file(413, 'FILE_TOO_LARGE'),
  });
  add({ name: 'MRI shrunk to 63 px (below MIN_IMAGE_SIDE)', files: one(await sharp(brain).resize(63, 63).jpeg().toBuffer(), 'mri63.jpg'), expect: file(422, 'RESOLUTION_OUT_OF_RANGE') });
  add({ name: '10×10 image', files: one(await sharp(brain).resize(10, 10).png().toBuffer(), 'small.png', 'image/png'), expect: file(422, 'RESOLUTION_OUT_OF_RANGE') });
  add({
    name: '1×5000 image',
    files: one(await sharp({ create: { width: 1, height: 5000, channels: 3, background: '#808080' } }).png().toBuffer(), 'line.png', 'image/png'),
    expect: file(422, 'RESOLUTION_OUT_OF_RANGE'),
  });
  {
    // a real, valid 20000×20000 1-bit PNG: 50 MB of zero rows deflate to ~50 KB; decoded to
    // 8-bit it would be 400 MB. Refused from the header before any pixel is decoded.
    const w = 20000;
    const rows = Buffer.alloc((1 + w / 8) * w);
    const bomb = Buffer.concat([PNG_SIG, ihdr(w, w, 1, 0), pngChunk('IDAT', zlib.deflateSync(rows, { level: 9 })), pngChunk('IEND', Buffer.alloc(0))]);
    if (bomb.length > 200 * 1024) throw new Error(`bomb is ${bomb.length} bytes`);
    add({ name: '20000×20000 PNG decompression bomb', files: one(bomb, 'bomb.png', 'image/png'), expect: file(422, 'RESOLUTION_OUT_OF_RANGE') });
  }
  {
    // a small JPEG whose frame header claims 65000×65000 pixels
    const lie = Buffer.from(baseJpeg);
    const sof = findJpegMarker(lie, 0xc0);
    lie.writeUInt16BE(65000, sof + 5);
    lie.writeUInt16BE(65000, sof + 7);
    add({ name: 'JPEG header claiming 65000×65000', files: one(lie, 'lie.jpg'), expect: file(422, 'RESOLUTION_OUT_OF_RANGE') });
  }

  // --- decodable images that are not a usable MRI: models must refuse ------------------------
  const solid = (v: number) => sharp({ create: { width: 256, height: 256, channels: 3, background: { r: v, g: v, b: v } } });
  add({ name: 'all black', files: one(await solid(0).png().toBuffer(), 'black.png', 'image/png'), expect: content });
  add({ name: 'all white', files: one(await solid(255).png().toBuffer(), 'white.png', 'image/png'), expect: content });
  add({ name: 'uniform grey', files: one(await solid(128).jpeg().toBuffer(), 'grey.jpg'), expect: content });
  const noisePng = await sharp(rgbNoise, rgbNoiseImg).png().toBuffer();
  add({ name: 'random colour noise', files: one(noisePng, 'noise.png', 'image/png'), expect: content, secretBytes: [noisePng] });
  add({
    name: 'random grey noise JPEG',
    files: one(await sharp(noiseBytes(256 * 256, 5), { raw: { width: 256, height: 256, channels: 1 } }).jpeg().toBuffer(), 'noise.jpg'),
    expect: content,
  });
  add({ name: 'screenshot of a desktop app', files: one(await sharp(Buffer.from(SCREENSHOT_SVG)).png().toBuffer(), 'screenshot.png', 'image/png'), expect: content });
  add({
    name: 'CMYK JPEG (chart)',
    files: one(await sharp(chart).toColourspace('cmyk').jpeg().toBuffer(), 'cmyk.jpg'),
    expect: content,
  });
  {
    const g = await greyRaw(xray, 320);
    const wide = new Uint16Array(g.length);
    for (let i = 0; i < g.length; i++) wide[i] = g[i] * 257;
    const png16 = await sharp(wide, { raw: { width: 320, height: 320, channels: 1 } }).toColourspace('grey16').png().toBuffer();
    add({ name: '16-bit grey PNG (chest X-ray)', files: one(png16, 'xray16.png', 'image/png'), expect: content });
  }
  // the decoder reads only an APNG's default image, browsers play the animation (png-animation.ts)
  add({ name: 'animated PNG (chest CT frames)', files: one(apng([await greyRaw(ct, 256), await greyRaw(xray, 256)], 256), 'anim.png', 'image/png'), expect: file(415, 'UNSUPPORTED_TYPE') });
  add({
    name: 'animated PNG of chest frames hiding an MRI as its default image',
    files: one(apng([await greyRaw(ct, 256), await greyRaw(xray, 256)], 256, { hiddenDefault: await greyRaw(brain, 256) }), 'hidden.png', 'image/png'),
    expect: file(415, 'UNSUPPORTED_TYPE'),
  });
  add({ name: 'one-frame animated PNG (chest CT)', files: one(apng([await greyRaw(ct, 256)], 256), 'one-frame.png', 'image/png'), expect: content });
  add({
    name: 'fully transparent PNG of an MRI',
    files: one(await sharp(brain).ensureAlpha(0).png().toBuffer(), 'transparent.png', 'image/png'),
    expect: content,
  });
  add({ name: 'JPEG/ZIP polyglot (chest X-ray + archive)', files: one(Buffer.concat([xray, zipStored('x.html', Buffer.from('<script>alert(1)</script>'))]), 'poly.jpg'), expect: content });
  add({
    name: 'file name with HTML, quotes and path traversal',
    files: one(xray, `../../../etc/passwd/<img src=x onerror=alert(1)>"'\`;.jpg`),
    expect: content,
    secretBytes: [xray],
  });
  // MRI-derived images: see the product rule in hostile.e2e.spec.ts (mriDerived)
  add({ name: 'heavily blurred MRI', files: one(await sharp(brain).blur(25).jpeg().toBuffer(), 'blurred.jpg'), expect: content });
  add({ name: 'MRI shrunk to 64 px', files: one(await sharp(brain).resize(64, 64).jpeg().toBuffer(), 'small-mri.jpg'), expect: content });
  add({ name: 'inverted MRI', files: one(await sharp(brain).negate({ alpha: false }).jpeg().toBuffer(), 'inverted.jpg'), expect: content });

  // --- malformed requests ---------------------------------------------------------------------
  add({ name: 'multipart without the image field (file under "file")', files: [{ field: 'file', bytes: brain, filename: 'brain.jpg', contentType: 'image/jpeg' }], expect: { kind: 'request', status: 400 } });
  add({ name: 'multipart with only text fields', fields: { explain: 'true', note: 'hello' }, expect: { kind: 'request', status: 400 } });
  add({ name: '"image" sent as a text field', fields: { image: 'data:image/jpeg;base64,/9j/4AAQ' }, expect: { kind: 'request', status: 400 } });
  add({
    name: 'two files at once',
    files: [
      { field: 'image', bytes: brain, filename: 'a.jpg', contentType: 'image/jpeg' },
      { field: 'image', bytes: xray, filename: 'b.jpg', contentType: 'image/jpeg' },
    ],
    expect: { kind: 'request', status: 400 },
    secretBytes: [brain],
  });
  add({ name: 'JSON body instead of multipart', raw: { body: Buffer.from(JSON.stringify({ image: 'x' })), contentType: 'application/json' }, expect: { kind: 'request', status: 400 } });
  add({ name: 'raw JPEG body (not multipart)', raw: { body: brain, contentType: 'image/jpeg' }, expect: { kind: 'request', status: 400 } });
  {
    const boundary = 'XhostileBoundary';
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="cut.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`);
    add({
      name: 'multipart body cut off mid-file',
      raw: { body: Buffer.concat([head, brain.subarray(0, 2000)]), contentType: `multipart/form-data; boundary=${boundary}` },
      expect: { kind: 'request', status: 400 },
    });
    add({
      name: 'multipart without a boundary',
      raw: { body: Buffer.concat([head, brain]), contentType: 'multipart/form-data' },
      expect: { kind: 'request', status: 400 },
    });
  }
  return cases;
}
