import sharp from 'sharp';

/** Synthetic test images, made in memory (real photos come from ../shared at test time). */
export function solidPng(width: number, height: number, grey: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: grey, g: grey, b: grey } } }).png().toBuffer();
}

export function solidJpeg(width: number, height: number, grey: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: grey, g: grey, b: grey } } }).jpeg().toBuffer();
}

/** A JPEG cut in half: valid magic bytes, undecodable body. */
export async function truncatedJpeg(): Promise<Buffer> {
  const noise = Buffer.alloc(256 * 256 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) % 251;
  const full = await sharp(noise, { raw: { width: 256, height: 256, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
  return full.subarray(0, Math.floor(full.length / 2));
}

/** 6 MB that start like a JPEG (the size limit must trip before anything looks inside). */
export function sixMegabytes(): Buffer {
  const b = Buffer.alloc(6 * 1024 * 1024, 0x41);
  b[0] = 0xff;
  b[1] = 0xd8;
  b[2] = 0xff;
  return b;
}

export const TEXT_AS_JPG = Buffer.from('This is a plain text file that someone named scan.jpg\n'.repeat(20));

/**
 * A real image with a colour overlay over its middle third (a heat map's red, half opaque), as
 * JPEG; `side` first resizes it to side × side (above 1 MP the upload is decoded in a worker).
 */
export async function withColourOverlay(bytes: Buffer, side?: number): Promise<Buffer> {
  const base = side ? await sharp(bytes).resize(side, side).toBuffer() : bytes;
  const { width = 0, height = 0 } = await sharp(base).metadata();
  const w = Math.round(width / 3);
  const h = Math.round(height / 3);
  const overlay = await sharp({ create: { width: w, height: h, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0.5 } } }).png().toBuffer();
  return sharp(base).composite([{ input: overlay, left: w, top: h }]).jpeg({ quality: 90 }).toBuffer();
}

/** The same image resized to side × side, still grey (JPEG). */
export function resizedJpeg(bytes: Buffer, side: number): Promise<Buffer> {
  return sharp(bytes).resize(side, side).jpeg({ quality: 90 }).toBuffer();
}

/**
 * A grey head-like phantom: an ellipse of textured tissue on a black background, so that an
 * upload goes past the blank and background checks to the models (a solid image is refused first).
 */
export function phantomPng(side: number): Promise<Buffer> {
  const data = Buffer.alloc(side * side);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const u = (x - side / 2) / (side * 0.38);
      const v = (y - side / 2) / (side * 0.45);
      if (u * u + v * v < 1) data[y * side + x] = 90 + Math.round(60 * Math.sin(x / 5) * Math.cos(y / 7)) + ((x * 7 + y * 13) % 17);
    }
  return sharp(data, { raw: { width: side, height: side, channels: 1 } }).png().toBuffer();
}
