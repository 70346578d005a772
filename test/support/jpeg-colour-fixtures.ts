/**
 * Colour JPEG Baseline streams for the DICOM colour specs, built from what sharp writes: whether a
 * decoder applies the YCbCr → RGB transform is decided by markers a stream may or may not carry
 * (JFIF APP0, Adobe APP14, component ids 'R' 'G' 'B'), so the tests write each combination.
 *
 * sharp (libvips) writes colour only as YCbCr, and nothing writes baseline RGB without the colour
 * transform; `threeGreyComponents` makes one: three components each coded exactly as a grey JPEG's
 * one (three scans of one component each, the grey scan's entropy-coded data three times: T.81
 * allows a sequential frame to code its components in separate scans), so that read without the
 * transform every pixel is (g, g, g) with g the grey JPEG's own decoded sample.
 */
import sharp from 'sharp';

/** A marker segment with its length field. */
export const segment = (marker: number, body: number[]): Buffer => Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body]);

/** Adobe APP14: version 100, no flags, then the colour transform (0: none, components are RGB; 1: YCbCr). */
export const adobe = (transform: 0 | 1): Buffer => segment(0xee, [...Buffer.from('Adobe'), 0, 100, 0, 0, 0, 0, transform]);

/** JFIF APP0 1.01, no density, no thumbnail (JFIF: the components are YCbCr). */
export const jfif = (): Buffer => segment(0xe0, [...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0]);

interface Seg {
  marker: number;
  body: Uint8Array;
}

/** The segments of a stream written as sharp writes it (no fill bytes, one scan): the scan's entropy-coded data last. */
function split(jpeg: Uint8Array): { segs: Seg[]; scan: Seg; data: Uint8Array } {
  const segs: Seg[] = [];
  for (let i = 2; i + 4 <= jpeg.length; ) {
    if (jpeg[i] !== 0xff) throw new Error(`not at a marker at ${i}`);
    const marker = jpeg[i + 1];
    const end = i + 2 + ((jpeg[i + 2] << 8) | jpeg[i + 3]);
    const body = jpeg.subarray(i + 4, end);
    if (marker === 0xda) return { segs, scan: { marker, body }, data: jpeg.subarray(end, jpeg.length - 2) };
    segs.push({ marker, body });
    i = end;
  }
  throw new Error('no scan');
}

/** `jpeg` with its APPn segments replaced by `app` (written right after SOI). */
export function withApp(jpeg: Uint8Array, app: Buffer[]): Buffer {
  const { segs, scan, data } = split(jpeg);
  const kept = segs.filter((s) => s.marker < 0xe0 || s.marker > 0xef).map((s) => segment(s.marker, [...s.body]));
  return Buffer.concat([Buffer.from([0xff, 0xd8]), ...app, ...kept, segment(0xda, [...scan.body]), Buffer.from(data), Buffer.from([0xff, 0xd9])]);
}

/** `jpeg` (one interleaved scan, as sharp writes it) with its components' ids replaced by `ids`, in the frame header and the scan header. */
export function withComponentIds(jpeg: Uint8Array, ids: [number, number, number]): Buffer {
  const out = Buffer.from(jpeg);
  const { segs, scan } = split(out);
  const sof = segs.find((s) => s.marker === 0xc0);
  if (!sof || sof.body[5] !== 3 || scan.body[0] !== 3) throw new Error('expected a three-component baseline JPEG in one scan');
  ids.forEach((id, k) => {
    sof.body[6 + 3 * k] = id; // subarrays of `out`: written in place
    scan.body[1 + 2 * k] = id;
  });
  return out;
}

/** One grey frame as sharp writes it at quality 100 (one component). */
export function greyJpeg(grey: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(Buffer.from(grey), { raw: { width, height, channels: 1 } }).toColourspace('b-w').jpeg({ quality: 100 }).toBuffer();
}

/** An RGB image as sharp writes it at quality 100: YCbCr, component ids 1 2 3, no APP marker; chroma 4:2:0 or 4:4:4. */
export function ycbcrJpeg(rgb: Uint8Array, width: number, height: number, chroma: '4:2:0' | '4:4:4'): Promise<Buffer> {
  return sharp(Buffer.from(rgb), { raw: { width, height, channels: 3 } }).jpeg({ quality: 100, chromaSubsampling: chroma }).toBuffer();
}

/**
 * A three-component baseline stream each of whose components is coded as the grey JPEG's one,
 * with component ids `ids` and the APPn segments `app`.
 */
export function threeGreyComponents(grey: Uint8Array, ids: [number, number, number], app: Buffer[] = []): Buffer {
  const { segs, scan, data } = split(grey);
  const sof = segs.find((s) => s.marker === 0xc0);
  if (!sof || sof.body[5] !== 1 || scan.body[0] !== 1) throw new Error('expected a one-component baseline JPEG');
  const tables = segs.filter((s) => s.marker === 0xdb || s.marker === 0xc4 || s.marker === 0xdd).map((s) => segment(s.marker, [...s.body]));
  const [tq, tables2] = [sof.body[8], scan.body[2]];
  const frame = segment(0xc0, [...sof.body.subarray(0, 5), 3, ...ids.flatMap((id) => [id, 0x11, tq])]);
  const scans = ids.flatMap((id) => [segment(0xda, [1, id, tables2, 0, 63, 0]), Buffer.from(data)]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), ...app, ...tables, frame, ...scans, Buffer.from([0xff, 0xd9])]);
}

/** sharp's decode of a JPEG as interleaved RGB (what libvips gives for the stream as its markers say). */
export async function sharpRgb(jpeg: Buffer): Promise<Uint8Array> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
  return new Uint8Array(data);
}
