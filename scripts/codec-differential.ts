/**
 * Differential of the service's decoding of compressed DICOM against independent reference codecs:
 * JPEG Lossless and JPEG Extended (8/12-bit DCT: lossy, compared by their largest difference) against
 * DCMTK's IJG codec (dcmcjpeg/dcmdjpeg), JPEG-LS against DCMTK's CharLS
 * (dcmcjpls/dcmdjpls: another CharLS than the WebAssembly one the service runs) and JPEG 2000
 * against OpenJPEG's command-line tools (opj_compress/opj_decompress: a native build, not the
 * WebAssembly one); HTJ2K written by OpenJPH's encoder (its WebAssembly build, test/support/wasm-encoders.ts)
 * and decoded by OpenJPEG ≥ 2.5.0's opj_decompress, whose HT block decoder is its own C code (the
 * service decodes HTJ2K with OpenJPH). Generated native MR files (random size, 8/16 bits allocated, 2–16 bits stored,
 * signed or not, 1–3 frames, smooth field + noise + both extremes) are compressed by the reference
 * encoder in several variants; for each, the service's decoded modality values of the compressed
 * file must equal those of the reference decoder's decompression of it, and, for the lossless
 * variants, those of the native original. Not a test (needs dcmtk and libopenjp2-tools on PATH:
 * Debian packages); run by hand:
 *   node -r ts-node/register/transpile-only scripts/codec-differential.ts OUT_DIR [files] [family]
 * (family: jpeg-lossless | jpeg-extended | jpeg-ls | jpeg-2000 | htj2k; all by default). Writes only into OUT_DIR
 * (generated files, synthetic values) and prints a JSON summary. DUMP_VALUES=1 also writes the
 * service's values of each compressed file beside it, for scripts/pydicom_codec_differential.py.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ByteBudget } from '../src/studies/archive';
import { isImage, readDicomHeader } from '../src/studies/dicom';
import { codecThread } from '../src/studies/codec-thread';
import { decodeFrame } from '../src/studies/dicom-pixels';
import { el, mrDicom } from '../test/support/dicom-pixel-fixtures';
import { encodeHtj2k, HTJ2K_ORDER } from '../test/support/wasm-encoders';

type Family = 'jpeg-lossless' | 'jpeg-extended' | 'jpeg-ls' | 'jpeg-2000' | 'htj2k';

interface Variant {
  family: Family;
  /** decodes to the native original exactly */
  lossless: boolean;
  /** writes the compressed file and the reference decoder's decompression of it; returns their paths */
  make: (native: string, l: Layout, words: number[], base: string) => Made | Promise<Made>;
}

interface Made {
  compressed: string;
  reference: string;
}

const run = (tool: string, args: string[]) => execFileSync(tool, args, { stdio: 'pipe' });

/** A DCMTK compressor and its decompressor, on the native file. */
function dcmtk(family: Family, lossless: boolean, compress: string, decompress: string, args: string[]): Variant {
  return {
    family,
    lossless,
    make: (native, _l, _w, base) => {
      run(compress, [...args, native, `${base}.dcm`]);
      run(decompress, [`${base}.dcm`, `${base}-ref.dcm`]);
      return { compressed: `${base}.dcm`, reference: `${base}-ref.dcm` };
    },
  };
}

/**
 * opj_compress on each frame's samples (raw little endian: one byte each up to 8 bits, else two;
 * signed ones sign-extended), the codestreams as the frames of a JPEG 2000 DICOM file; the
 * reference is a native file of opj_decompress's samples.
 */
function openjpeg(lossless: boolean, args: string[]): Variant {
  return viaOpjDecompress('jpeg-2000', lossless, async (raw, l, f, base) => {
    // opj_compress's default of 6 resolutions needs 32 px a side: fewer for smaller frames
    const levels = args.includes('-n') ? [] : ['-n', String(Math.min(6, Math.floor(Math.log2(Math.min(l.rows, l.columns))) + 1))];
    run('opj_compress', ['-i', `${base}-${f}.rawl`, '-o', `${base}-${f}.j2k`, '-F', `${l.columns},${l.rows},1,${l.bs},${l.signed ? 's' : 'u'}`, ...levels, ...args]);
    return new Uint8Array(fs.readFileSync(`${base}-${f}.j2k`));
  });
}

/** OpenJPH's encoder on each frame's samples (`lossy`: irreversible, step 0.001; `order`: HTJ2K_ORDER). */
function openjph(lossless: boolean, o: { order?: number; levels?: number } = {}): Variant {
  return viaOpjDecompress('htj2k', lossless, async (_raw, l, f, base, samples) => {
    const levels = Math.min(o.levels ?? 5, Math.floor(Math.log2(Math.min(l.rows, l.columns))) - 2);
    const stream = await encodeHtj2k(samples, { width: l.columns, height: l.rows, bits: l.bs, signed: l.signed, lossy: !lossless, levels, order: o.order });
    fs.writeFileSync(`${base}-${f}.j2k`, stream);
    return stream;
  });
}

const SYNTAX: Record<'jpeg-2000' | 'htj2k', [string, string]> = { 'jpeg-2000': ['1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91'], htj2k: ['1.2.840.10008.1.2.4.201', '1.2.840.10008.1.2.4.203'] };

/** `encode` writes frame f's codestream to `${base}-${f}.j2k` (from the raw file `${base}-${f}.rawl` or the samples) and returns it. */
type FrameEncoder = (raw: Buffer, l: Layout, f: number, base: string, samples: number[]) => Promise<Uint8Array>;

function viaOpjDecompress(family: 'jpeg-2000' | 'htj2k', lossless: boolean, encode: FrameEncoder): Variant {
  return {
    family,
    lossless,
    make: async (_native, l, words, base) => {
      const n = l.rows * l.columns;
      const wide = l.bs > 8;
      const streams: Uint8Array[] = [];
      const decoded: number[] = [];
      for (let f = 0; f < l.frames; f++) {
        const raw = Buffer.alloc(n * (wide ? 2 : 1));
        const samples: number[] = [];
        for (let i = 0; i < n; i++) {
          let v = words[f * n + i] & (2 ** l.bs - 1);
          if (l.signed && v >= 2 ** (l.bs - 1)) v -= 2 ** l.bs;
          samples.push(v);
          if (wide) raw.writeUInt16LE(v & 0xffff, 2 * i);
          else raw.writeUInt8(v & 0xff, i);
        }
        fs.writeFileSync(`${base}-${f}.rawl`, raw);
        streams.push(await encode(raw, l, f, base, samples));
        run('opj_decompress', ['-i', `${base}-${f}.j2k`, '-o', `${base}-${f}-ref.rawl`]);
        const back = fs.readFileSync(`${base}-${f}-ref.rawl`);
        if (back.length !== raw.length) throw new Error(`opj_decompress wrote ${back.length} bytes, not ${raw.length}`);
        for (let i = 0; i < n; i++) decoded.push((wide ? back.readUInt16LE(2 * i) : back.readUInt8(i)) & (2 ** l.ba - 1));
      }
      const common = { rows: l.rows, columns: l.columns, bitsAllocated: l.ba, bitsStored: l.bs, pixelRepresentation: l.signed ? (1 as const) : (0 as const), frames: l.frames > 1 ? l.frames : undefined };
      fs.writeFileSync(`${base}.dcm`, mrDicom({ ...common, transferSyntax: SYNTAX[family][lossless ? 0 : 1], pixelData: el.encapsulated(streams) }));
      fs.writeFileSync(`${base}-ref.dcm`, mrDicom({ ...common, words: decoded }));
      return { compressed: `${base}.dcm`, reference: `${base}-ref.dcm` };
    },
  };
}

const VARIANTS: Record<string, Variant> = {
  'jpeg-lossless sv1': dcmtk('jpeg-lossless', true, 'dcmcjpeg', 'dcmdjpeg', ['+e1']),
  ...Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((k) => [`jpeg-lossless p${k}`, dcmtk('jpeg-lossless', true, 'dcmcjpeg', 'dcmdjpeg', ['+el', '+sv', String(k)])])),
  'jpeg-lossless p6-pt2': dcmtk('jpeg-lossless', false, 'dcmcjpeg', 'dcmdjpeg', ['+el', '+sv', '6', '+pt', '2']),
  'jpeg-lossless sv1-fragments-1k-no-bot': dcmtk('jpeg-lossless', true, 'dcmcjpeg', 'dcmdjpeg', ['+e1', '+fs', '1', '-ot']),
  // the IJG tables of Annex K (8-bit samples only; dcmcjpeg optimises the tables otherwise)
  'jpeg-lossless sv1-standard-tables': dcmtk('jpeg-lossless', true, 'dcmcjpeg', 'dcmdjpeg', ['+e1', '-ho']),
  // process 2/4 (SOF1), 8 or 12 bits as Bits Stored asks (DCMTK refuses more than 12); IJG's integer inverse DCT against our floating-point one
  'jpeg-extended q90': dcmtk('jpeg-extended', false, 'dcmcjpeg', 'dcmdjpeg', ['+ee']),
  'jpeg-extended q50': dcmtk('jpeg-extended', false, 'dcmcjpeg', 'dcmdjpeg', ['+ee', '+q', '50']),
  'jpeg-extended q98 fragments-1k-no-bot': dcmtk('jpeg-extended', false, 'dcmcjpeg', 'dcmdjpeg', ['+ee', '+q', '98', '+fs', '1', '-ot']),
  'jpeg-extended standard tables': dcmtk('jpeg-extended', false, 'dcmcjpeg', 'dcmdjpeg', ['+ee', '-ho']),
  'jpeg-ls lossless': dcmtk('jpeg-ls', true, 'dcmcjpls', 'dcmdjpls', ['+el']),
  'jpeg-ls lossless cooked': dcmtk('jpeg-ls', true, 'dcmcjpls', 'dcmdjpls', ['+el', '+pc']),
  'jpeg-ls lossless thresholds 2/5/9, reset 16': dcmtk('jpeg-ls', true, 'dcmcjpls', 'dcmdjpls', ['+el', '+t1', '2', '+t2', '5', '+t3', '9', '+rs', '16']),
  'jpeg-ls lossless fragments-1k-no-bot': dcmtk('jpeg-ls', true, 'dcmcjpls', 'dcmdjpls', ['+el', '+fs', '1', '-ot']),
  'jpeg-ls near-lossless 2': dcmtk('jpeg-ls', false, 'dcmcjpls', 'dcmdjpls', ['+en']),
  'jpeg-ls near-lossless 7': dcmtk('jpeg-ls', false, 'dcmcjpls', 'dcmdjpls', ['+en', '+md', '7']),
  'jpeg-2000 reversible': openjpeg(true, []),
  'jpeg-2000 reversible 1 level, RPCL': openjpeg(true, ['-n', '1', '-p', 'RPCL']),
  'jpeg-2000 reversible 64² tiles, 16² code blocks, SOP/EPH': openjpeg(true, ['-t', '64,64', '-b', '16,16', '-SOP', '-EPH']),
  'jpeg-2000 reversible precincts, bypass + reset + segmentation symbols': openjpeg(true, ['-c', '[64,64],[32,32]', '-M', '35']),
  'jpeg-2000 irreversible 10:1': openjpeg(false, ['-I', '-r', '10']),
  'jpeg-2000 irreversible 3 layers': openjpeg(false, ['-I', '-r', '40,20,10']),
  'htj2k reversible RPCL': openjph(true),
  'htj2k reversible LRCP, 1 level': openjph(true, { order: HTJ2K_ORDER.LRCP, levels: 1 }),
  'htj2k irreversible': openjph(false),
};

interface Layout {
  rows: number;
  columns: number;
  frames: number;
  ba: 8 | 16;
  bs: number;
  signed: boolean;
}

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
}

function layoutOf(r: () => number): Layout {
  const ba = r() < 0.25 ? 8 : 16;
  const bs = ba === 8 ? 8 : [10, 12, 12, 12, 14, 16, 16][Math.floor(r() * 7)];
  return { rows: 16 + Math.floor(r() * 300), columns: 16 + Math.floor(r() * 300), frames: 1 + Math.floor(r() * 3), ba, bs, signed: r() < 0.3 };
}

/** Stored values: a smooth field plus noise, a row of both extremes, as two's complement words when signed. */
function words(l: Layout, r: () => number): number[] {
  const n = l.rows * l.columns;
  const lo = l.signed ? -(2 ** (l.bs - 1)) : 0;
  const hi = l.signed ? 2 ** (l.bs - 1) - 1 : 2 ** l.bs - 1;
  const out: number[] = [];
  for (let f = 0; f < l.frames; f++) {
    for (let i = 0; i < n; i++) {
      const x = i % l.columns;
      const y = Math.floor(i / l.columns);
      const mid = (lo + hi) / 2;
      let v = y === 3 ? (x % 2 ? hi : lo) : Math.round(mid + (hi - mid) * 0.8 * Math.sin((x + f * 7) / 17) * Math.cos(y / 23) + (r() - 0.5) * (hi - lo) * 0.02);
      v = Math.max(lo, Math.min(hi, v));
      out.push(v & (2 ** l.ba - 1));
    }
  }
  return out;
}

async function values(file: string): Promise<Float32Array[]> {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const inst = await readDicomHeader(bytes, { file: 0, files: 1 }, new ByteBudget(1 << 30), { left: 10, maxSlices: 10 });
  if (!isImage(inst)) throw new Error('not a DICOM image');
  const out: Float32Array[] = [];
  for (let f = 0; f < inst.frames; f++) {
    const d = await decodeFrame(inst, f);
    if (d.kind !== 'scalar') throw new Error('not grey');
    out.push(d.values);
  }
  return out;
}

const same = (a: Float32Array[], b: Float32Array[]) => a.length === b.length && a.every((x, k) => x.length === b[k].length && x.every((v, i) => Object.is(v, b[k][i])));

/** The largest difference between two decodings, value for value (Infinity where their shapes differ). */
const maxDiff = (a: Float32Array[], b: Float32Array[]) =>
  a.length !== b.length || a.some((x, k) => x.length !== b[k].length) ? Infinity : Math.max(0, ...a.map((x, k) => x.reduce((m, v, i) => Math.max(m, Math.abs(v - b[k][i])), 0)));

async function main(): Promise<void> {
  const out = process.argv[2];
  const count = Number(process.argv[3] ?? 40);
  const family = process.argv[4] as Family | undefined;
  if (!out) throw new Error('usage: codec-differential.ts OUT_DIR [files] [family]');
  fs.mkdirSync(out, { recursive: true });
  const tally: Record<string, { files: number; sameAsReference: number; sameAsNative: number; refused: number; maxDiffFromReference: number; valuesDifferingFromReference: number; values: number; maxDiffFromNative: number; failures: string[] }> = {};
  for (let k = 0; k < count; k++) {
    const r = rng(1000 + k);
    const l = layoutOf(r);
    const w = words(l, r);
    const native = path.join(out, `${k}-native.dcm`);
    fs.writeFileSync(native, mrDicom({ rows: l.rows, columns: l.columns, bitsAllocated: l.ba, bitsStored: l.bs, pixelRepresentation: l.signed ? 1 : 0, frames: l.frames > 1 ? l.frames : undefined, words: w, extra: [el.str(0x00080018, 'UI', `1.2.826.0.1.3680043.8.498.${k + 1}`)] }));
    const original = await values(native);
    for (const [name, v] of Object.entries(VARIANTS)) {
      if (family && v.family !== family) continue;
      const t = (tally[name] ??= { files: 0, sameAsReference: 0, sameAsNative: 0, refused: 0, maxDiffFromReference: 0, valuesDifferingFromReference: 0, values: 0, maxDiffFromNative: 0, failures: [] });
      let made: Made;
      try {
        made = await v.make(native, l, w, path.join(out, `${k}-${name.replace(/[^a-z0-9]+/gi, '-')}`));
      } catch (e) {
        t.failures.push(`${k} ${JSON.stringify(l)}: reference tool: ${String((e as { stderr?: Buffer }).stderr ?? e).trim().slice(-160)}`);
        continue;
      }
      t.files++;
      let ours: Float32Array[];
      try {
        ours = await values(made.compressed);
      } catch (e) {
        t.refused++;
        t.failures.push(`${k} ${JSON.stringify(l)}: refused: ${(e as Error).message}`);
        continue;
      }
      // for scripts/pydicom_codec_differential.py: the service's modality values of every frame
      if (process.env.DUMP_VALUES) fs.writeFileSync(`${made.compressed}.ours.f32`, Buffer.concat(ours.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength))));
      const reference = await values(made.reference);
      t.maxDiffFromReference = Math.max(t.maxDiffFromReference, maxDiff(ours, reference));
      t.values += ours.reduce((n, f) => n + f.length, 0);
      t.valuesDifferingFromReference += ours.reduce((n, f, k) => n + f.filter((v, i) => !Object.is(v, reference[k]?.[i])).length, 0);
      // a lossy DCMTK encoding of more than 12 bits stored rescales the values first (its header says how): not comparable
      if (l.bs <= 12 || v.family !== 'jpeg-extended') t.maxDiffFromNative = Math.max(t.maxDiffFromNative, maxDiff(ours, original));
      if (same(ours, reference)) t.sameAsReference++;
      else if (v.lossless || v.family !== 'jpeg-extended') t.failures.push(`${k} ${JSON.stringify(l)}: differs from the reference decoder`);
      if (same(ours, original)) t.sameAsNative++;
      else if (v.lossless) t.failures.push(`${k} ${JSON.stringify(l)}: a lossless variant differs from the native original`);
    }
  }
  console.log(JSON.stringify({ files: count, variants: tally }, null, 1));
  codecThread.end();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
