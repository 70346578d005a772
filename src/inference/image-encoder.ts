import sharp from 'sharp';

/**
 * PNG-encodes raw RGB(A) pixels in memory; returns a data URL (nothing touches the disk).
 * zlib level 1 without adaptive filtering: measured on the bench's heat maps (~256² RGB) it
 * costs 1.2 ms of CPU instead of 2.4 ms at level 6, for 124 KB instead of 109 KB (level 0 would
 * be 0.5 ms but 180 KB, uncompressed, to every browser).
 */
export async function encodePngDataUrl(rgb: Uint8Array, width: number, height: number, channels: 3 | 4): Promise<string> {
  const png = await sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.length), { raw: { width, height, channels } })
    .png({ compressionLevel: 1, adaptiveFiltering: false })
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}
