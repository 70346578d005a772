/** JPEG Baseline DICOM fixtures, built in memory (sharp writes the JPEG, dcmjs the DICOM). */
import sharp from 'sharp';
import { DicomOptions, dicomSlice, GreySlice } from './study-fixtures';

export const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';

/** The slice as a grey JPEG at quality 100. */
export function greyJpeg(slice: GreySlice): Promise<Buffer> {
  return sharp(Buffer.from(slice.data), { raw: { width: slice.width, height: slice.height, channels: 1 } }).toColourspace('b-w').jpeg({ quality: 100 }).toBuffer();
}

/** A JPEG Baseline DICOM slice (sharp encodes the JPEG at quality 100). */
export async function dicomJpegSlice(slice: GreySlice, o: DicomOptions = {}): Promise<Buffer> {
  return dicomSlice(slice, { ...o, bits8: true, encapsulatedAs: JPEG_BASELINE, fragment: new Uint8Array(await greyJpeg(slice)) });
}

/**
 * The same JPEG with its frame header (SOF0) claiming another size: a "decompression bomb" when the
 * size is huge — a few hundred bytes that a decoder would expand to width × height pixels.
 */
export function withFrameSize(jpeg: Buffer, width: number, height: number): Buffer {
  const at = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
  if (at < 0) throw new Error('no SOF0 in this JPEG');
  const out = Buffer.from(jpeg);
  out.writeUInt16BE(height, at + 5); // marker (2), length (2), precision (1), then height, width
  out.writeUInt16BE(width, at + 7);
  return out;
}

/** A JPEG Baseline DICOM slice whose Rows/Columns are the slice's but whose JPEG frame header says width × height. */
export async function dicomJpegClaiming(slice: GreySlice, width: number, height: number, o: DicomOptions = {}): Promise<Buffer> {
  const fragment = new Uint8Array(withFrameSize(await greyJpeg(slice), width, height));
  return dicomSlice(slice, { ...o, bits8: true, encapsulatedAs: JPEG_BASELINE, fragment });
}
