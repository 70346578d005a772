import { UnsupportedTypeError } from '../common/errors';

/** What a JPEG's frame header (SOFn) and Adobe APP14 segment say, read from its markers only. */
export interface JpegFrameInfo {
  /** Nf of the first frame header: 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK */
  components: number;
  /** the Adobe APP14 transform before that frame header (0 none: RGB/CMYK, 1 YCbCr, 2 YCCK); null without one */
  adobeTransform: number | null;
}

/** SOF0–SOF15 but DHT (C4), JPG (C8) and DAC (CC), which share the range. */
const isFrameHeader = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/**
 * The first frame header of a JPEG, walked to from SOI without decoding anything; null when the
 * bytes are not a JPEG or end (or stop being markers) before a frame header — the decoder then
 * says what is wrong with them.
 */
export function readJpegFrame(bytes: Uint8Array): JpegFrameInfo | null {
  const b = bytes;
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  let adobeTransform: number | null = null;
  let i = 2;
  while (i + 3 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++; // fill byte before a marker
      continue;
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // EOI or a scan before any frame header
    const length = (b[i + 2] << 8) | b[i + 3];
    if (length < 2 || i + 2 + length > b.length) return null;
    const body = i + 4;
    // APP14 "Adobe": version (2), flags0 (2), flags1 (2), then the colour transform
    if (marker === 0xee && length >= 14 && String.fromCharCode(...b.subarray(body, body + 5)) === 'Adobe') adobeTransform = b[body + 11];
    // frame header: precision (1), height (2), width (2), then Nf
    if (isFrameHeader(marker)) return length >= 8 ? { components: b[body + 5], adobeTransform } : null;
    i += 2 + length;
  }
  return null;
}

/**
 * CMYK and YCCK JPEGs are refused from the header, before any decode. libvips converts their ink
 * values to sRGB through a CMYK profile, PIL (ml/, which trained and calibrated the models)
 * inverts the ink without one: a 4-component grey gradient came out up to 25 levels apart in the
 * RGB the model would see (mean ~10), so the served model would be judged on pixels the contract
 * does not describe. An MRI export is never CMYK — a 4-component JPEG is a print export.
 */
export function refuseCmykJpeg(bytes: Uint8Array): void {
  const frame = readJpegFrame(bytes);
  if (frame?.components !== 4) return;
  const kind = frame.adobeTransform === 2 ? 'YCCK (CMYK)' : 'CMYK';
  throw new UnsupportedTypeError(`${kind} JPEG: a print export, not a scan; save it as greyscale or RGB.`);
}
