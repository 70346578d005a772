import { UnsupportedTypeError } from '../common/errors';
import { walkJpegSegments } from './jpeg-markers';

/** What a JPEG's frame header (SOFn) and Adobe APP14 segment say, read from its markers only. */
export interface JpegFrameInfo {
  /** Nf of the first frame header: 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK */
  components: number;
  /** the Adobe APP14 transform before that frame header (0 none: RGB/CMYK, 1 YCbCr, 2 YCCK); null without one */
  adobeTransform: number | null;
  /** sample precision P of the frame header: 8, or 12 (which libvips does not read), 2–16 for lossless */
  precision: number;
  /** the size the frame header declares (a height of 0 is left to a DNL marker, which no MR export uses) */
  width: number;
  height: number;
}

/** SOF0–SOF15 but DHT (C4), JPG (C8) and DAC (CC), which share the range. */
const isFrameHeader = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/**
 * The first frame header of a JPEG, walked to from SOI without decoding anything; null when the
 * bytes are not a JPEG or end (or stop being markers) before a frame header — the decoder then
 * says what is wrong with them.
 */
export function readJpegFrame(bytes: Uint8Array): JpegFrameInfo | null {
  let adobeTransform: number | null = null;
  let frame: JpegFrameInfo | null = null;
  walkJpegSegments(bytes, ({ marker, body, length, end }) => {
    if (marker === 0xda || end > bytes.length) return false; // a scan before any frame header, or cut short
    // APP14 "Adobe": version (2), flags0 (2), flags1 (2), then the colour transform
    if (marker === 0xee && length >= 14 && String.fromCharCode(...bytes.subarray(body, body + 5)) === 'Adobe') adobeTransform = bytes[body + 11];
    if (!isFrameHeader(marker)) return true;
    // frame header: precision (1), height (2), width (2), then Nf
    if (length >= 8) frame = { components: bytes[body + 5], adobeTransform, precision: bytes[body], height: (bytes[body + 1] << 8) | bytes[body + 2], width: (bytes[body + 3] << 8) | bytes[body + 4] };
    return false;
  });
  return frame;
}

/**
 * JPEGs refused from the frame header, before any decode:
 *  - CMYK and YCCK. libvips converts their ink values to sRGB through a CMYK profile, PIL (ml/,
 *    which trained and calibrated the models) inverts the ink without one: a 4-component grey
 *    gradient came out up to 25 levels apart in the RGB the model would see (mean ~10), so the
 *    served model would be judged on pixels the contract does not describe. An MRI export is never
 *    CMYK — a 4-component JPEG is a print export.
 *  - More than 8 bits a sample (12-bit DCT, 12- or 16-bit lossless, as DICOM tools write them out):
 *    valid files, but libvips reads 8-bit JPEG only, and they were refused as "could not be decoded
 *    (corrupt or truncated file)". Lossless JPEG of 8 bits or fewer is read, and passes.
 */
export function refuseJpegFrame(bytes: Uint8Array): void {
  const frame = readJpegFrame(bytes);
  if (!frame) return;
  if (frame.components === 4) {
    const kind = frame.adobeTransform === 2 ? 'YCCK (CMYK)' : 'CMYK';
    throw new UnsupportedTypeError(`${kind} JPEG: a print export, not a scan; save it as greyscale or RGB.`);
  }
  // T.81 allows 2–16 bits; a byte outside that is a damaged header, left to the decoder to call corrupt
  if (frame.precision > 8 && frame.precision <= 16) {
    throw new UnsupportedTypeError(`${frame.precision}-bit JPEG: only 8-bit JPEGs are read; save it as a 16-bit PNG (or an 8-bit JPEG).`);
  }
}

/**
 * Whether the colour markers before the first scan include a JFIF APP0 ("JFIF\0", 14 bytes or
 * more, as libjpeg reads it): JFIF defines the components as YCbCr (or grey), and libjpeg applies the
 * YCbCr transform whatever else the stream says.
 */
export function hasJfifMarker(bytes: Uint8Array): boolean {
  let jfif = false;
  walkJpegSegments(bytes, ({ marker, body, length, end }) => {
    if (marker === 0xda || end > bytes.length) return false;
    if (marker === 0xe0 && length >= 16 && String.fromCharCode(...bytes.subarray(body, body + 5)) === 'JFIF\0') jfif = true;
    return !jfif;
  });
  return jfif;
}

/**
 * A copy of a 3-component JPEG that libjpeg decodes with the colour transform the caller says
 * (1: the components are YCbCr, converted to RGB; 0: they are RGB, taken as they are): every Adobe
 * APP14 and JFIF APP0 before the first scan removed, and one Adobe APP14 with `transform` written
 * after SOI. Without JFIF or Adobe markers libjpeg guesses from the component ids ('R' 'G' 'B': RGB,
 * anything else YCbCr); an Adobe marker settles it (jdapimin.c), but for a JFIF marker, which
 * outranks it (always YCbCr) — so that goes too (it holds only a pixel density, which nothing here
 * reads). Nothing else in the stream changes; the entropy-coded data are copied as they are.
 */
export function withAdobeTransform(bytes: Uint8Array, transform: 0 | 1): Buffer {
  const cut: [number, number][] = [];
  walkJpegSegments(bytes, ({ marker, body, length, end }) => {
    if (marker === 0xda || end > bytes.length) return false;
    // the segment starts at its marker, 4 bytes before its body
    const name = String.fromCharCode(...bytes.subarray(body, body + 5));
    if ((marker === 0xee && length >= 14 && name === 'Adobe') || (marker === 0xe0 && name === 'JFIF\0')) cut.push([body - 4, end]);
    return true;
  });
  const parts: Uint8Array[] = [bytes.subarray(0, 2), adobeSegment(transform)];
  let from = 2;
  for (const [start, end] of cut) {
    parts.push(bytes.subarray(from, start));
    from = end;
  }
  parts.push(bytes.subarray(from));
  return Buffer.concat(parts);
}

/** APP14 "Adobe": version 100, flags 0 and 0, then the transform (libjpeg reads 12 bytes of body). */
const adobeSegment = (transform: 0 | 1): Uint8Array => Uint8Array.from([0xff, 0xee, 0, 14, 0x41, 0x64, 0x6f, 0x62, 0x65, 0, 100, 0, 0, 0, 0, transform]);
