/**
 * The heat map lies on the image the page shows. Chromium turns a JPEG by its EXIF Orientation
 * and a PNG by its eXIf chunk; the server decodes it turned the same way (sharp's rotate()), and the
 * heat map is drawn over that. A white image with one dark disc, stored turned (orientations 1-8),
 * is shown, under the heat map and in the heat map itself, with the disc where the orientation puts
 * it: if either side turned it otherwise, the heat map would explain another part of the picture.
 * Fake models (they answer on a near-white image, with a heat map); images built in code.
 */
import sharp from 'sharp';
import { pngChunk } from '../hostile/bytes';
import { drawnPixels, HAVE_CHROMIUM, useSignedInPage } from './harness';

const ADMIN = { email: 'heatmap-orientation-admin@example.org', password: 'heatmap-orientation-password-1' };
const SIDE = 300;
// the disc's centre as stored, on no axis of symmetry of the eight orientations: (0.2, 0.7) of the width and height
const [U, V] = [0.2, 0.7];

/** Where a point (u, v) of the stored image is shown under each EXIF orientation (TIFF 6.0 / CIPA DC-008). */
const SHOWN: Record<number, [number, number]> = { 1: [U, V], 2: [1 - U, V], 3: [1 - U, 1 - V], 4: [U, 1 - V], 5: [V, U], 6: [1 - V, U], 7: [1 - V, 1 - U], 8: [V, 1 - U] };

function stored(): Buffer {
  const d = Buffer.alloc(SIDE * SIDE, 255);
  for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) if ((x + 0.5 - U * SIDE) ** 2 + (y + 0.5 - V * SIDE) ** 2 < 64) d[y * SIDE + x] = 0;
  return d;
}

/** A big-endian EXIF block holding only Orientation (an eXIf chunk's body: no "Exif\0\0" prefix). */
function exifBody(o: number): Buffer {
  const b = Buffer.alloc(26);
  b.write('MM', 0, 'latin1');
  b.writeUInt16BE(42, 2);
  b.writeUInt32BE(8, 4);
  b.writeUInt16BE(1, 8); // one entry
  b.writeUInt16BE(0x0112, 10); // Orientation, SHORT, 1 value
  b.writeUInt16BE(3, 12);
  b.writeUInt32BE(1, 14);
  b.writeUInt16BE(o, 18);
  return b; // next IFD offset 0
}

(HAVE_CHROMIUM ? describe : describe.skip)('the heat map lies on the image as the page shows it, whatever its EXIF orientation', () => {
  const h = useSignedInPage({ admin: ADMIN });

  /** The dark disc's centre in each picture of the result, as Chromium draws it (0..1 of its width and height). */
  async function discs(buffer: Buffer, name: string, mimeType: string): Promise<Record<string, [number, number] | null>> {
    const page = h.page;
    await page.goto(`${h.base}/`);
    await page.setInputFiles('#file-input', { name, mimeType, buffer });
    await page.waitForFunction((n: string) => document.getElementById('selected-name')?.textContent === n, name);
    await page.click('#submit-btn');
    await page.locator('#result-heatmap').waitFor({ state: 'visible' });
    const out: Record<string, [number, number] | null> = {};
    for (const sel of ['#result-original', '.viewer-base', '#result-heatmap']) {
      const { width, height, rgba: d } = await drawnPixels(page, sel);
      let sx = 0, sy = 0, n = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const o = (y * width + x) * 4;
          if ((d[o] + d[o + 1] + d[o + 2]) / 3 < 60) { sx += x + 0.5; sy += y + 0.5; n++; }
        }
      }
      out[sel] = n ? [sx / n / width, sy / n / height] : null;
    }
    return out;
  }

  /** Every picture's disc within 1 % of the side of where the orientation puts it (a quarter turn off is 0.5 away). */
  function expectAt(got: Record<string, [number, number] | null>, want: [number, number]): void {
    for (const [sel, at] of Object.entries(got)) {
      const off = at ? Math.max(Math.abs(at[0] - want[0]), Math.abs(at[1] - want[1])) : Infinity;
      expect([sel, at, off < 0.01]).toEqual([sel, at, true]);
    }
  }

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('JPEG with EXIF Orientation %i', async (o) => {
    const jpeg = await sharp(stored(), { raw: { width: SIDE, height: SIDE, channels: 1 } }).jpeg({ quality: 95 }).withMetadata({ orientation: o }).toBuffer();
    expectAt(await discs(jpeg, `o${o}.jpg`, 'image/jpeg'), SHOWN[o]);
  });

  it.each([3, 6, 7])('PNG with an eXIf chunk (before IDAT), Orientation %i', async (o) => {
    const png = await sharp(stored(), { raw: { width: SIDE, height: SIDE, channels: 1 } }).png().toBuffer();
    const tagged = Buffer.concat([png.subarray(0, 33), pngChunk('eXIf', exifBody(o)), png.subarray(33)]); // right after IHDR
    expectAt(await discs(tagged, `o${o}.png`, 'image/png'), SHOWN[o]);
  });
});
