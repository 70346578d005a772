/**
 * An orientation that PIL's exif_transpose (ml/, the contract's reference) applies and libvips does
 * not is applied as PIL applies it (src/inference/pil-reading.ts): the XMP packet's tiff:Orientation
 * where the EXIF has none, and a PNG's "Raw profile type exif" text chunk (ImageMagick's way of
 * keeping EXIF in a PNG) where it has no eXIf chunk. Before, such an image reached the model
 * unturned: in the encoder-variant campaign (scripts/decode-campaign) 10 of 20 re-encoded MRI test
 * images with XMP orientation 6, 3 of 20 with 3, and 10 of 20 PNGs with a raw-profile orientation 6
 * were decided otherwise than by the Python reference; so were PNGs whose eXIf repeats the
 * "Exif\\0\\0" prefix or comes after the image data (PIL reads both, libvips neither).
 */
import * as zlib from 'node:zlib';
import sharp from 'sharp';
import { decodeImage, readImageHeader } from '../../src/inference/image-decoder';
import { tiffOrientation } from '../../src/inference/pil-reading';
import { pngChunk } from '../hostile/bytes';

const LIMITS = { maxPixels: 40_000_000, minSide: 1 };
const W = 40;
const H = 24;
/** every pixel different: value = (x * 5 + y * 11) % 256, grey */
const grey = Buffer.from(Array.from({ length: W * H }, (_, i) => ((i % W) * 5 + Math.floor(i / W) * 11) % 256));
const source = () => sharp(grey, { raw: { width: W, height: H, channels: 1 } });

/** EXIF (big-endian TIFF) whose IFD0 holds only Orientation, with the "Exif\0\0" prefix */
function exifOrientation(o: number): Buffer {
  const t = Buffer.from([0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, o, 0, 0, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), t]);
}

function withXmp(jpeg: Buffer, xmp: string): Buffer {
  const body = Buffer.concat([Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1'), Buffer.from(xmp, 'utf8')]);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length + 2);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xe1]), len, body, jpeg.subarray(2)]);
}

const xmpOrientation = (o: number) =>
  `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="${o}"/></rdf:RDF></x:xmpmeta>`;

/** the PNG with a zTXt "Raw profile type exif" (ImageMagick's layout: blank line, "exif", length, hex lines) before IEND */
function withRawProfile(png: Buffer, exif: Buffer): Buffer {
  const hex = exif.toString('hex').match(/.{1,72}/g)!.join('\n');
  const text = `\nexif\n${String(exif.length).padStart(8)}\n${hex}\n`;
  const chunk = pngChunk('zTXt', Buffer.concat([Buffer.from('Raw profile type exif\0\0', 'latin1'), zlib.deflateSync(Buffer.from(text, 'latin1'))]));
  return Buffer.concat([png.subarray(0, png.length - 12), chunk, png.subarray(png.length - 12)]);
}

async function decoded(bytes: Buffer): Promise<{ w: number; h: number; px: number[] }> {
  const d = await decodeImage(bytes, LIMITS);
  const px: number[] = [];
  for (let i = 0; i < d.width * d.height; i++) px.push(d.channels === 1 ? d.data[i] : d.data[i * 3]);
  return { w: d.width, h: d.height, px };
}

describe('orientation PIL reads outside EXIF', () => {
  it.each([2, 3, 4, 5, 6, 7, 8])('JPEG with XMP tiff:Orientation %i and no EXIF decodes as with that EXIF Orientation', async (o) => {
    const jpeg = await source().jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer();
    const viaExif = await source().jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).withMetadata({ orientation: o }).toBuffer();
    const want = await decoded(viaExif);
    expect(want.w).toBe(o >= 5 ? H : W); // the EXIF path turns it (libvips and PIL agree there)
    expect(await decoded(withXmp(jpeg, xmpOrientation(o)))).toEqual(want);
    // a browser draws it unturned: the page shows the analysed image
    expect((await readImageHeader(withXmp(jpeg, xmpOrientation(o)), LIMITS)).shownOtherwise).toBe(true);
  });

  it('an EXIF Orientation wins over the XMP one, as in PIL', async () => {
    const exif3 = await source().jpeg({ quality: 100 }).withMetadata({ orientation: 3 }).toBuffer();
    expect(await decoded(withXmp(exif3, xmpOrientation(6)))).toEqual(await decoded(exif3));
  });

  it('PNG with a "Raw profile type exif" orientation: 6 is PIL ROTATE_270 (a quarter turn clockwise), 5 TRANSPOSE', async () => {
    const png = await source().png().toBuffer();
    const at = (x: number, y: number) => grey[y * W + x];
    const six = await decoded(withRawProfile(png, exifOrientation(6)));
    expect([six.w, six.h]).toEqual([H, W]);
    expect(six.px).toEqual(Array.from({ length: W * H }, (_, i) => at(Math.floor(i / H), H - 1 - (i % H))));
    const five = await decoded(withRawProfile(png, exifOrientation(5)));
    expect(five.px).toEqual(Array.from({ length: W * H }, (_, i) => at(Math.floor(i / H), i % H)));
    // without the chunk (or with orientation 1) nothing turns
    expect((await decoded(withRawProfile(png, exifOrientation(1)))).px).toEqual(Array.from(grey));
  });

  it('PNG eXIf that libvips cannot read and PIL does: with the "Exif\\0\\0" prefix, or after the image data', async () => {
    const png = await source().png().toBuffer();
    const want = await decoded(withRawProfile(png, exifOrientation(6)));
    const prefixed = Buffer.concat([png.subarray(0, 33), pngChunk('eXIf', exifOrientation(6)), png.subarray(33)]); // right after IHDR
    expect(await decoded(prefixed)).toEqual(want);
    const afterIdat = Buffer.concat([png.subarray(0, png.length - 12), pngChunk('eXIf', exifOrientation(6).subarray(6)), png.subarray(png.length - 12)]);
    expect(await decoded(afterIdat)).toEqual(want);
    // an eXIf (even one without Orientation) is PIL's EXIF: the raw profile is then not read
    const both = withRawProfile(Buffer.concat([png.subarray(0, 33), pngChunk('eXIf', exifOrientation(1).subarray(6)), png.subarray(33)]), exifOrientation(6));
    expect((await decoded(both)).px).toEqual(Array.from(grey));
  });

  it('reads the Orientation tag of little- and big-endian EXIF, with the Exif prefix once, twice or not at all', () => {
    const be = exifOrientation(7);
    expect(tiffOrientation(be)).toBe(7);
    expect(tiffOrientation(be.subarray(6))).toBe(7);
    expect(tiffOrientation(Buffer.concat([be.subarray(0, 6), be]))).toBe(7);
    const le = Buffer.from([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0]);
    expect(tiffOrientation(le)).toBe(4);
    expect(tiffOrientation(Buffer.from('MM\0*\0\0\0\xff', 'latin1'))).toBeNull();
  });
});
