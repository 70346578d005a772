/**
 * The cases of scripts/fuzz/deep-fuzz.ts: seeds (scripts/fuzz/seeds.ts plus a few image variants
 * whose chunks and segments the image route parses by hand: palette, alpha, EXIF orientation), one
 * case = one seed and one or two mutations chosen by `Rng(seed * 7919 + i)`, run through the entry
 * points the routes use in process: the image route's byte checks, header read and decode
 * (classifier/analysis.service.ts → image-decode.service.ts), the study route's loadStudy.
 */
import * as zlib from 'node:zlib';
import sharp from 'sharp';
import { checkFileBytes } from '../../src/validation/file-checks';
import { decodePixels, readImageHeader } from '../../src/inference/image-decoder';
import { loadStudy, StudyLimits } from '../../src/studies/study-loader';
import { frame, gzip, palette } from './frame-mutators';
import { jpeg, png } from './format-mutators';
import { dicom, generic, Mutator, nifti, Rng } from './mutators';
import { buildSeeds, Seed } from './seeds';
import { codecSeeds } from './codec-seeds';
import { el, mrDicom, offsetTable } from '../../test/support/dicom-pixel-fixtures';
import { colourDicom, greyRamp, greyToRgb, paletteElements, rleColour, seg, segmentedPaletteElements } from '../../test/support/colour-dicom-fixtures';
import { encodeLosslessJpeg, JPEG_LOSSLESS } from '../../test/support/jpeg-lossless-fixtures';
import { rleEncode16 } from '../../test/support/rle-fixtures';
import { zip } from '../../test/support/study-fixtures';

/** the service's defaults (config.schema.ts) */
export const STUDY_LIMITS: StudyLimits = { maxBytes: 100 * 1024 * 1024, maxSlices: 400, minSide: 64, maxPixels: 2048 * 2048 };
export const IMAGE_LIMITS = { maxBytes: 5 * 1024 * 1024, maxPixels: 40_000_000, minSide: 64 };

export async function deepSeeds(): Promise<Seed[]> {
  const seeds = await buildSeeds();
  const grey = seeds.find((s) => s.name === 'png8')!.files[0].data;
  const img = (name: string, data: Buffer, file = 'scan.png'): Seed => ({ kind: 'image', name, files: [{ name: file, data }] });
  seeds.push(
    img('png-palette', await sharp(grey).toColourspace('srgb').png({ palette: true, colours: 16 }).toBuffer()),
    img('png-rgba', await sharp(grey).ensureAlpha(0.5).png().toBuffer()),
    img('jpeg-exif', await sharp(grey).jpeg().withMetadata({ orientation: 6 }).toBuffer(), 'scan.jpg'),
    img('jpeg-rgb', await sharp(grey).toColourspace('srgb').jpeg({ chromaSubsampling: '4:2:0' }).toBuffer(), 'scan.jpg'),
  );
  // the DICOM the study route decodes by hand: multi-frame encapsulated (Basic Offset Table, restart
  // intervals), palettes plain and segmented, RLE colour; and scripts/fuzz/codec-seeds.ts
  const side = 64;
  const ramp = (f: number) => Uint16Array.from({ length: side * side }, (_, k) => ((k % side) * 16 + (k >> 6) * 8 + f * 100) & 0xfff);
  const lossless = [0, 1, 2].map((f) => encodeLosslessJpeg(ramp(f), { width: side, height: side, precision: 12, restartLines: 8 }));
  const rleFrames = [0, 1, 2].map((f) => rleEncode16(ramp(f)));
  const frames = (fr: Uint8Array[], ts: string) => mrDicom({ rows: side, columns: side, frames: 3, bitsAllocated: 16, bitsStored: 12, pixelData: el.encapsulated(fr, offsetTable(fr.map((x) => [x]))), transferSyntax: ts });
  const idx = Uint8Array.from({ length: side * side }, (_, k) => (k * 7) & 0xff);
  const TWO_RAMPS = [seg.discrete(0), seg.linear(127, 65535), seg.indirect(2, 0)];
  const study = (name: string, data: Buffer): Seed => ({ kind: 'study', name, files: [{ name: `${name}.dcm`, data }] });
  const pair = seeds.find((x) => x.name === 'nifti-pair')!.files;
  seeds.push(
    { kind: 'study', name: 'nifti-pair-gz', files: pair.map((f) => ({ name: `${f.name}.gz`, data: zlib.gzipSync(f.data) })) },
    study('dicom-multiframe-jpeg-lossless', frames(lossless, JPEG_LOSSLESS)),
    study('dicom-multiframe-rle', frames(rleFrames, '1.2.840.10008.1.2.5')),
    study('dicom-palette', colourDicom({ width: side, height: side, photometric: 'PALETTE COLOR', pixelData: el.bytes(0x7fe00010, 'OB', idx), extra: paletteElements(greyRamp()) })),
    study('dicom-palette-segmented', colourDicom({ width: side, height: side, photometric: 'PALETTE COLOR', pixelData: el.bytes(0x7fe00010, 'OB', idx), extra: segmentedPaletteElements([TWO_RAMPS, TWO_RAMPS, TWO_RAMPS], { entries: 256 }) })),
    study('dicom-rgb-rle', colourDicom({ width: side, height: side, photometric: 'RGB', pixelData: rleColour(greyToRgb(idx)), transferSyntax: '1.2.840.10008.1.2.5' })),
    ...(await codecSeeds()),
  );
  return seeds;
}

export interface DeepCase {
  route: 'image' | 'study';
  seed: string;
  how: string;
  files: Buffer[];
}

const ENCAPSULATED = /jpeg|rle|j2k|htj2k/;

/**
 * Mutations that cost seconds to build or to refuse (bombs, 10⁴–10⁵ items or elements, 1,000 scans,
 * 256 copies of a segment): left out of the quick deterministic spec (test/unit/upload-fuzz.spec.ts).
 */
const HEAVY = new Set(['bombTail', 'idatBomb', 'manyItems', 'manyElements', 'deepSequence', 'manyScans', 'duplicate', 'duplicateSeg', 'iccp', 'splitIdat', 'xmp', 'splitFrame']);
let light = false;

function apply(table: Record<string, Mutator>, prefix: string, b: Buffer, r: Rng): [Buffer, string] {
  const name = r.pick(Object.keys(table).filter((n) => !light || !HEAVY.has(n)));
  return [table[name](b, r), `${prefix}.${name}`];
}

/** `opts.light`: without the HEAVY mutations (the same case numbers then give other bytes). */
export function buildDeepCase(seeds: Seed[], seed: number, i: number, opts: { light?: boolean } = {}): DeepCase {
  light = opts.light === true;
  const r = new Rng(seed * 7919 + i);
  const images = seeds.filter((x) => x.kind === 'image');
  // (a run restricted to study seeds, deep-fuzz.ts --seeds, has no image to pick)
  const s = images.length && r.next() < 0.4 ? r.pick(images) : r.pick(seeds.filter((x) => x.kind === 'study'));
  const files = s.files.map((f) => f.data);
  const k = r.int(files.length);
  let b = files[k];
  let how: string;
  if (s.kind === 'image') {
    const own = s.name.startsWith('png') ? png : jpeg;
    [b, how] = r.next() < 0.75 ? apply(own, s.name.startsWith('png') ? 'png' : 'jpeg', b, r) : apply(generic, 'generic', b, r);
    if (r.next() < 0.25) {
      const [b2, h2] = apply(r.next() < 0.5 ? own : generic, 'then', b, r);
      b = b2;
      how += `+${h2}`;
    }
  } else if (s.name === 'nifti-pair-gz') {
    if (r.next() < 0.6) [b, how] = apply(gzip, 'gzip', b, r);
    else {
      const [inner, h] = apply(k === 0 ? nifti : generic, k === 0 ? 'hdr' : 'img', zlib.gunzipSync(b), r);
      [b, how] = [zlib.gzipSync(inner), h];
    }
  } else if (s.name === 'nifti-gz') {
    if (r.next() < 0.5) [b, how] = apply(gzip, 'gzip', b, r);
    else {
      const [inner, h] = apply(nifti, 'nifti', zlib.gunzipSync(b), r);
      [b, how] = apply(gzip, `${h}+gzip`, zlib.gzipSync(inner), r);
    }
  } else if (s.name.startsWith('dicom-palette') && r.next() < 0.6) {
    [b, how] = apply(palette, 'palette', b, r);
  } else if (s.name.startsWith('dicom') && ENCAPSULATED.test(s.name) && r.next() < 0.7) {
    const names = Object.keys(frame).filter((n) => !(light && HEAVY.has(n))).filter((n) => (n === 'jpeg' ? /jpeg/.test(s.name) : n === 'rle' ? /rle/.test(s.name) : n === 'j2k' ? /j2k/.test(s.name) : true));
    const name = r.pick(names);
    b = frame[name](b, r);
    how = `frame.${name}`;
  } else {
    const family = s.name.startsWith('dicom') && !s.name.endsWith('zip') ? dicom : s.name.startsWith('nifti') && !s.name.endsWith('zip') ? nifti : generic;
    [b, how] = apply(r.next() < 0.6 ? family : generic, 'file', b, r);
  }
  files[k] = b;
  // the same damage inside a ZIP: the archive path, then the same parsers
  if (s.kind === 'study' && !s.name.endsWith('zip') && r.next() < 0.1) {
    return { route: s.kind, seed: s.name, how: `${how}+zipped`, files: [zip(Object.fromEntries(files.map((f, j) => [`S/${s.files[j].name}`, f])))] };
  }
  return { route: s.kind, seed: s.name, how, files };
}

export type Outcome = { kind: 'ok'; detail: string } | { kind: 'named'; detail: string } | { kind: 'unnamed'; detail: string; stack?: string };

function classify(e: unknown): Outcome {
  const status = (e as { statusCode?: unknown }).statusCode;
  const code = (e as { code?: unknown }).code;
  if (typeof status === 'number' && status >= 400 && status < 500) return { kind: 'named', detail: `${status} ${String(code)}` };
  const err = e as Error;
  return { kind: 'unnamed', detail: `${err?.constructor?.name}: ${String(err?.message).slice(0, 200)}`, stack: err?.stack?.split('\n').slice(1, 7).join('\n') };
}

/** Runs one case through the route's own functions; an error without a 4xx status is what the filter answers 500. */
export async function runDeepCase(c: DeepCase): Promise<Outcome> {
  try {
    if (c.route === 'image') {
      const bytes = c.files[0];
      checkFileBytes(bytes, IMAGE_LIMITS.maxBytes);
      const header = await readImageHeader(bytes, IMAGE_LIMITS);
      const image = await decodePixels(bytes, header, IMAGE_LIMITS);
      if (image.data.length !== image.width * image.height * image.channels) return { kind: 'unnamed', detail: `decoded ${image.data.length} bytes for ${image.width}×${image.height}×${image.channels}` };
      return { kind: 'ok', detail: `${image.width}x${image.height}x${image.channels}` };
    }
    const study = await loadStudy(c.files.map((f) => new Uint8Array(f)), STUDY_LIMITS);
    return { kind: 'ok', detail: study.kind };
  } catch (e) {
    return classify(e);
  }
}
