import { NestExpressApplication } from '@nestjs/platform-express';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import request from 'supertest';
import sharp from 'sharp';
import type { TestSession } from '../helpers/auth';
import { loginAs } from '../helpers/auth';
import { CapturingLogger, startLoggedApp } from '../helpers/capturing-logger';
import { binary, pdfText } from '../helpers/pdf-text';

/**
 * A data-protection check of the single-image path, as the study suites do for DICOM tags: every
 * text an image file can carry — its file name, JPEG EXIF (artist, description, GPS), XMP and COM
 * comments, PNG tEXt / zTXt / iTXt chunks — holds a marker, and no answer (API JSON, the decoded
 * heat map and preview data URLs and their metadata, history pages, CSV export, both PDFs), log line
 * or database file may hold it. Images and the ICC profile that brings a preview are made here.
 */
const MARK = 'ZZPHIDOEJANE';
const FILE = `${MARK}^JANE_19700101_MRN123456`;

function crc32(b: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of b) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** tEXt, zTXt and iTXt chunks carrying the marker, right after IHDR. */
function withPngText(png: Buffer): Buffer {
  const afterIhdr = 8 + 25;
  const text = pngChunk('tEXt', Buffer.from(`Comment\0Patient: ${MARK} DOB 1970-01-01`, 'latin1'));
  const ztxt = pngChunk('zTXt', Buffer.concat([Buffer.from('Author\0\0', 'latin1'), deflateSync(Buffer.from(`Dr ${MARK}`))]));
  const itxt = pngChunk('iTXt', Buffer.from(`Description\0\0\0en\0\0${MARK} MRN123456`, 'utf8'));
  return Buffer.concat([png.subarray(0, afterIhdr), text, ztxt, itxt, png.subarray(afterIhdr)]);
}

/** A COM segment with the marker right after SOI. */
function withJpegComment(jpeg: Buffer): Buffer {
  const text = Buffer.from(`Patient: ${MARK} MRN123456`);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(text.length + 2);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xfe]), len, text, jpeg.subarray(2)]);
}

/** A white image: the fake models' glioma (class = nearest brightness centre), 8-bit. */
function white(side: number): Buffer {
  return Buffer.alloc(side * side, 255);
}

async function images(): Promise<{ name: string; bytes: Buffer }[]> {
  const raw = { raw: { width: 300, height: 300, channels: 1 as const } };
  const xmp = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>${MARK}</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>`;
  const exif = { IFD0: { Artist: `Patient: ${MARK}`, ImageDescription: `${MARK} MRN123456`, Copyright: MARK } };
  const jpeg = withJpegComment(await sharp(white(300), raw).withExif(exif).withXmp(xmp).jpeg({ quality: 95 }).toBuffer());
  // an ICC profile: the answer carries a preview (the browser would draw the file otherwise)
  const jpegIcc = withJpegComment(await sharp(white(300), raw).withIccProfile('p3').withExif(exif).withXmp(xmp).jpeg({ quality: 95 }).toBuffer());
  const png = withPngText(await sharp(white(300), raw).png().toBuffer());
  const px16 = Buffer.alloc(300 * 300 * 2);
  white(300).forEach((v, i) => px16.writeUInt16BE(v * 16, i * 2));
  // 16-bit grey: a preview too
  const png16 = withPngText(await sharp(px16, { raw: { width: 300, height: 300, channels: 1 } }).toColourspace('grey16').png().toBuffer());
  return [
    { name: `${FILE}.jpg`, bytes: jpeg },
    { name: `${FILE}_icc.jpg`, bytes: jpegIcc },
    { name: `${FILE}.png`, bytes: png },
    { name: `${FILE}_16.png`, bytes: png16 },
  ];
}

describe('an image’s file name and embedded text reach no answer, log or database', () => {
  let app: NestExpressApplication;
  let user: TestSession;
  let dbDir: string;
  const logs = new CapturingLogger();
  const bodies: string[] = [];
  const dataUrls: Buffer[] = [];
  const pdfs: Buffer[] = [];
  const keep = (res: request.Response) => {
    bodies.push(res.text);
    for (const m of res.text.matchAll(/data:image\/(?:png|jpeg);base64,([A-Za-z0-9+/=]+)/g)) dataUrls.push(Buffer.from(m[1], 'base64'));
    return res;
  };
  const pdf = (r: request.Test) => r.buffer(true).parse(binary).expect(200).then((res) => pdfs.push(res.body as Buffer));

  beforeAll(async () => {
    ({ app, user, dbDir } = await startLoggedApp(logs, { RATE_LIMIT_ANALYSES_PER_MINUTE: '60' }));
  });
  afterAll(() => app.close());

  it('analyses, reports, history, export: the marker is nowhere, and no data URL carries EXIF, XMP, ICC or comments', async () => {
    const server = app.getHttpServer();
    let previews = 0;
    let heatmaps = 0;
    for (const { name, bytes } of await images()) {
      const res = keep(await request(server).post('/api/v1/analyses').set(user.bearer).attach('image', bytes, name).expect(200));
      expect(res.body.status).toMatch(/^(completed|inconclusive)$/);
      if (res.body.explanation?.heatmap) heatmaps++;
      if (res.body.preview) previews++;
      await pdf(request(server).post('/api/v1/reports').set(user.bearer).attach('image', bytes, name));
    }
    // the paths that draw pixels for the answer ran: heat maps, and previews (ICC profile, 16-bit)
    expect({ heatmaps: heatmaps >= 3, previews }).toEqual({ heatmaps: true, previews: 2 });
    // refusals: a cut-off JPEG and a text file, both named after the patient
    keep(await request(server).post('/api/v1/analyses').set(user.bearer).attach('image', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]), `${FILE}_cut.jpg`).expect(422));
    keep(await request(server).post('/api/v1/analyses').set(user.bearer).attach('image', Buffer.from(`Patient ${MARK}\n`.repeat(20)), `${FILE}.txt`).expect(415));

    const list = keep(await request(server).get('/api/v1/history?pageSize=100').set(user.bearer).expect(200));
    expect(list.body.items.length).toBe(6);
    for (const { id } of list.body.items as { id: string }[]) {
      keep(await request(server).get(`/api/v1/history/${id}`).set(user.bearer).expect(200));
      keep(await request(server).get(`/history/${id}`).set(user.headers).set('Accept', 'text/html').expect(200));
      await pdf(request(server).get(`/api/v1/history/${id}/report.pdf`).set(user.bearer));
    }
    keep(await request(server).get('/history').set(user.headers).set('Accept', 'text/html').expect(200));
    const admin = await loginAs(app, { role: 'admin' });
    keep(await request(server).get('/api/v1/history/export.csv').set(admin.bearer).expect(200));

    for (const b of bodies) expect(b.toUpperCase()).not.toContain(MARK);
    expect(dataUrls.length).toBe(heatmaps + previews);
    for (const img of dataUrls) {
      expect(img.includes(Buffer.from(MARK))).toBe(false);
      const meta = await sharp(img).metadata();
      expect({ exif: !!meta.exif, xmp: !!meta.xmp, icc: !!meta.icc, comments: meta.comments ?? [] }).toEqual({ exif: false, xmp: false, icc: false, comments: [] });
    }
    expect(pdfs.length).toBe(10);
    for (const p of pdfs) {
      expect(p.includes(Buffer.from(MARK))).toBe(false);
      expect(pdfText(p).toUpperCase()).not.toContain(MARK);
    }
  });

  it('no log line and no database file holds the marker', () => {
    // (an image's analysis writes no log line of its own: this catches one that would name it)
    for (const l of logs.lines) expect(l.toUpperCase()).not.toContain(MARK);
    const files = fs.readdirSync(dbDir);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const bytes = fs.readFileSync(path.join(dbDir, f));
      expect(bytes.includes(Buffer.from(MARK))).toBe(false);
      expect(bytes.includes(Buffer.from(MARK, 'utf16le'))).toBe(false);
    }
  });
});
