import sharp from 'sharp';
import { decodePixels, readImageHeader } from './image-decoder';
import { DISPLAY_MAX_SIDE } from './prepare';
import type { RawImage } from './preprocess';

/**
 * PNG-encodes raw RGB(A) pixels in memory; returns a data URL (nothing touches the disk).
 * zlib level 1 without adaptive filtering: for small images (slice thumbnails, report figures),
 * where a lossless copy matters more than its size.
 */
export async function encodePngDataUrl(rgb: Uint8Array, width: number, height: number, channels: 3 | 4): Promise<string> {
  const png = await sharp(toBuffer(rgb), { raw: { width, height, channels } })
    .png({ compressionLevel: 1, adaptiveFiltering: false })
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/**
 * A report figure from the upload's bytes: EXIF-rotated, alpha flattened onto black, its ICC
 * profile ignored as the decoder does (the figure shows the values the model saw), at most
 * `maxSide` px a side, 8-bit PNG — inside libvips (its own threads), with no full-size copy however
 * large the upload (a 40-megapixel image used to be decoded, converted and re-encoded at full size
 * on the main thread for the PDF). Only 16-bit grey takes a scaling pass in JS (below): for a large
 * one, ImageDecodeService.figure runs this in a worker.
 */
export async function reportFigurePng(bytes: Buffer | Uint8Array, maxPixels: number, maxSide = 1024): Promise<Buffer> {
  const limits = { maxPixels, minSide: 1 };
  const header = await readImageHeader(bytes, limits);
  // 16-bit grey: the figure is what the model saw, scaled by the image's maximum as ml/ does (an
  // 8-bit cast of a 12-bit or low-range scan is black); one pass over its pixels in JS. A PNG
  // transparency or orientation PIL reads otherwise than libvips (pil-reading.ts): the decoder's pixels, as PIL's.
  const exact = header.sixteenBit || header.pilTransparency || header.pilOrientation ? await decodePixels(bytes, header, limits) : null;
  const base = exact
    ? sharp(Buffer.from(exact.data.buffer, exact.data.byteOffset, exact.data.length), { raw: { width: exact.width, height: exact.height, channels: exact.channels } })
    : sharp(bytes, { limitInputPixels: maxPixels, failOn: 'warning', ignoreIcc: true }).rotate().flatten({ background: '#000000' }).toColourspace('srgb');
  return base
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .png({ compressionLevel: 6 })
    .toBuffer();
}

const HEATMAP_JPEG_QUALITY = 90;

/**
 * JPEG-encodes a heat map (RGB) as a data URL. A heat map is a smooth colour map blended over
 * the image, which a lossless encoder cannot shrink: on the bench's 256² brain MRIs PNG (level 1)
 * gave 132 KB in 1.7 ms of CPU, JPEG at quality 90 gives 14 KB in 1.0 ms, side by side
 * indistinguishable at 2× zoom. The 10× smaller answer is also what the browser, the socket and
 * the JSON encoder carry (the PNG's base64 was ~95 % of every completed result).
 */
export async function encodeHeatmapDataUrl(rgb: Uint8Array, width: number, height: number): Promise<string> {
  const jpeg = await sharp(toBuffer(rgb), { raw: { width, height, channels: 3 } })
    .jpeg({ quality: HEATMAP_JPEG_QUALITY })
    .toBuffer();
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
}

/**
 * The analysed image at the heat map's size (≤ DISPLAY_MAX_SIDE a side), as a JPEG data URL
 * (quality as the heat map's): what the page shows where a browser would draw the file otherwise
 * (DecodedImage.shownOtherwise). A large upload's pixels are gone after its decode
 * (RawImage.prepared): its display luma, the heat map's own background, is used (grey).
 */
export async function encodeAnalysedImageDataUrl(image: RawImage): Promise<string> {
  const display = image.prepared?.display;
  const grey = display ? Uint8Array.from(display.luma, (v) => Math.round(v)) : image.data;
  const width = display ? display.width : image.width;
  const height = display ? display.height : image.height;
  const jpeg = await sharp(toBuffer(grey), { raw: { width, height, channels: display ? 1 : image.channels } })
    .resize({ width: DISPLAY_MAX_SIDE, height: DISPLAY_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: HEATMAP_JPEG_QUALITY })
    .toBuffer();
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
}

function toBuffer(a: Uint8Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.length);
}
