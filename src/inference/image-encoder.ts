import sharp from 'sharp';

/** PNG-encodes raw RGB(A) pixels in memory; returns a data URL (nothing touches the disk). */
export async function encodePngDataUrl(rgb: Uint8Array, width: number, height: number, channels: 3 | 4): Promise<string> {
  const png = await sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.length), { raw: { width, height, channels } })
    .png({ compressionLevel: 6 })
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}
