/**
 * DICOM seeds of scripts/fuzz/deep-cases.ts for the transfer syntaxes the first fuzz passes did not
 * seed, built in code: 16-bit JPEG Baseline (decoded by the DCT decoder here, not libvips), 12-bit
 * JPEG Extended (process 4) in several frames with restart intervals, 8-bit colour JPEG Extended
 * (libvips), and multi-frame JPEG 2000, HTJ2K and JPEG-LS (grey and colour) behind a Basic Offset Table.
 */
import sharp from 'sharp';
import { el, mrDicom, offsetTable } from '../../test/support/dicom-pixel-fixtures';
import { colourDicom, HTJ2K, J2K, JPEG_LS } from '../../test/support/colour-dicom-fixtures';
import { encodeDctJpeg, JPEG_EXTENDED, phantom } from '../../test/support/jpeg-dct-fixtures';
import { JPEG_BASELINE } from '../../test/support/jpeg-dicom-fixtures';
import { encodeHtj2k, encodeJ2k, encodeJpegLs } from '../../test/support/wasm-encoders';
import type { Seed } from './seeds';

const SIDE = 64;
const FRAMES = 3;

/** The seed names (each contains the frame mutators' family: jpeg, j2k, or ls under jpeg). */
export const CODEC_SEED_NAMES = ['dicom-jpeg-baseline16', 'dicom-multiframe-jpeg-extended12', 'dicom-jpeg-extended-colour', 'dicom-multiframe-j2k', 'dicom-multiframe-htj2k', 'dicom-multiframe-jpeg-ls', 'dicom-multiframe-j2k-colour', 'dicom-multiframe-jpeg-ls-colour'] as const;

/** Grey samples of `bits` bits for frame f: a ramp with texture, different per frame. */
const grey = (f: number, bits: number): Uint16Array =>
  Uint16Array.from({ length: SIDE * SIDE }, (_, k) => ((k % SIDE) * 37 + (k >> 6) * 23 + f * 311 + ((k * 7) % 13)) & ((1 << bits) - 1));

/** A coloured 8-bit RGB frame (interleaved). */
const rgb = (f: number): Uint8Array => Uint8Array.from({ length: SIDE * SIDE * 3 }, (_, k) => ((k % 3) * 70 + ((k / 3) % SIDE) * 2 + f * 20 + Math.floor(k / (3 * SIDE))) & 0xff);

/** The frames behind a Basic Offset Table, one fragment each. */
const encapsulated = (frames: Uint8Array[]) => el.encapsulated(frames, offsetTable(frames.map((x) => [x])));

function greyMultiFrame(frames: Uint8Array[], ts: string, bitsAllocated: number, bitsStored: number): Buffer {
  return mrDicom({ rows: SIDE, columns: SIDE, frames: frames.length, bitsAllocated, bitsStored, pixelData: encapsulated(frames), transferSyntax: ts });
}

function colourMultiFrame(frames: Uint8Array[], ts: string, photometric: string): Buffer {
  return colourDicom({ width: SIDE, height: SIDE, photometric, transferSyntax: ts, pixelData: encapsulated(frames), extra: [el.is(0x00280008, frames.length)] });
}

/** A baseline stream (SOF0) marked extended sequential (SOF1): a valid process 2 stream. */
function asExtended(jpeg: Buffer): Uint8Array {
  const out = Buffer.from(jpeg);
  out[out.indexOf(Buffer.from([0xff, 0xc0])) + 1] = 0xc1;
  return new Uint8Array(out);
}

export async function codecSeeds(): Promise<Seed[]> {
  const f = Array.from({ length: FRAMES }, (_, i) => i);
  const study = (name: (typeof CODEC_SEED_NAMES)[number], data: Buffer): Seed => ({ kind: 'study', name, files: [{ name: `${name}.dcm`, data }] });
  const baseline16 = f.map((i) => encodeDctJpeg(grey(i, 8), { width: SIDE, height: SIDE, precision: 8, frameType: 0, restartBlocks: i === 1 ? 4 : 0 }).stream);
  const extended12 = f.map((i) => encodeDctJpeg(phantom(SIDE, SIDE, 12, 7 + i), { width: SIDE, height: SIDE, precision: 12, restartBlocks: 8, huffman: i === 2 ? 'flat' : 'fitted' }).stream);
  const colourJpeg = await Promise.all(f.map(async (i) => asExtended(await sharp(Buffer.from(rgb(i)), { raw: { width: SIDE, height: SIDE, channels: 3 } }).jpeg({ quality: 90, chromaSubsampling: i === 0 ? '4:2:0' : '4:4:4' }).toBuffer())));
  const j2k = await Promise.all(f.map((i) => encodeJ2k(grey(i, 12), { width: SIDE, height: SIDE, bits: 12, levels: i + 2 })));
  const htj2k = await Promise.all(f.map((i) => encodeHtj2k(grey(i, 16), { width: SIDE, height: SIDE, bits: 16 })));
  const ls = await Promise.all(f.map((i) => encodeJpegLs(grey(i, 12), { width: SIDE, height: SIDE, bits: 12 })));
  const j2kColour = await Promise.all(f.map((i) => encodeJ2k(rgb(i), { width: SIDE, height: SIDE, bits: 8, components: 3, colourTransform: true })));
  const lsColour = await Promise.all(f.map((i) => encodeJpegLs(rgb(i), { width: SIDE, height: SIDE, bits: 8, components: 3, interleave: i as 0 | 1 | 2 })));
  return [
    study('dicom-jpeg-baseline16', greyMultiFrame(baseline16, JPEG_BASELINE, 16, 8)),
    study('dicom-multiframe-jpeg-extended12', greyMultiFrame(extended12, JPEG_EXTENDED, 16, 12)),
    study('dicom-jpeg-extended-colour', colourMultiFrame(colourJpeg, JPEG_EXTENDED, 'YBR_FULL_422')),
    study('dicom-multiframe-j2k', greyMultiFrame(j2k, J2K, 16, 12)),
    study('dicom-multiframe-htj2k', greyMultiFrame(htj2k, HTJ2K, 16, 16)),
    study('dicom-multiframe-jpeg-ls', greyMultiFrame(ls, JPEG_LS, 16, 12)),
    study('dicom-multiframe-j2k-colour', colourMultiFrame(j2kColour, J2K, 'YBR_RCT')),
    study('dicom-multiframe-jpeg-ls-colour', colourMultiFrame(lsColour, JPEG_LS, 'RGB')),
  ];
}
