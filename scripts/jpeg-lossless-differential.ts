/**
 * Differential of the service's JPEG Lossless decoding against DCMTK (dcmcjpeg/dcmdjpeg: the IJG
 * lossless codec, an encoder and decoder independent of ours). Generated native MR files (random
 * size, 8/16 bits allocated, 2–16 bits stored, signed or not, 1–3 frames, smooth field + noise +
 * both extremes) are compressed by dcmcjpeg in several variants (SV1; selection values 1–7; point
 * transform; fragments of 1 KB without a Basic Offset Table; the standard Huffman tables); for each, the
 * service's decoded modality values of the compressed file must equal those of DCMTK's own
 * decompression of it (dcmdjpeg), and, for the lossless variants (point transform 0), those of the
 * native original. Not a test (needs dcmtk on PATH: Debian `dcmtk`); run by hand:
 *   node -r ts-node/register/transpile-only scripts/jpeg-lossless-differential.ts OUT_DIR [files]
 * Writes only into OUT_DIR (generated files, synthetic values) and prints a JSON summary.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ByteBudget } from '../src/studies/archive';
import { readDicomHeader } from '../src/studies/dicom';
import { decodeFrame } from '../src/studies/dicom-pixels';
import { el, mrDicom } from '../test/support/dicom-pixel-fixtures';

const VARIANTS: Record<string, string[]> = {
  sv1: ['+e1'],
  ...Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((k) => [`p${k}`, ['+el', '+sv', String(k)]])),
  'p6-pt2': ['+el', '+sv', '6', '+pt', '2'],
  'sv1-fragments-1k-no-bot': ['+e1', '+fs', '1', '-ot'],
  // the IJG tables of Annex K (8-bit samples only; dcmcjpeg optimises the tables otherwise)
  'sv1-standard-tables': ['+e1', '-ho'],
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
  if (!inst) throw new Error('not DICOM');
  const out: Float32Array[] = [];
  for (let f = 0; f < inst.frames; f++) {
    const d = await decodeFrame(inst, f);
    if (d.kind !== 'scalar') throw new Error('not grey');
    out.push(d.values);
  }
  return out;
}

const same = (a: Float32Array[], b: Float32Array[]) => a.length === b.length && a.every((x, k) => x.length === b[k].length && x.every((v, i) => Object.is(v, b[k][i])));

async function main(): Promise<void> {
  const out = process.argv[2];
  const count = Number(process.argv[3] ?? 40);
  if (!out) throw new Error('usage: jpeg-lossless-differential.ts OUT_DIR [files]');
  fs.mkdirSync(out, { recursive: true });
  const tally: Record<string, { files: number; sameAsDcmtk: number; sameAsNative: number; refused: number; failures: string[] }> = {};
  for (let k = 0; k < count; k++) {
    const r = rng(1000 + k);
    const l = layoutOf(r);
    const native = path.join(out, `${k}-native.dcm`);
    fs.writeFileSync(native, mrDicom({ rows: l.rows, columns: l.columns, bitsAllocated: l.ba, bitsStored: l.bs, pixelRepresentation: l.signed ? 1 : 0, frames: l.frames > 1 ? l.frames : undefined, words: words(l, r), extra: [el.str(0x00080018, 'UI', `1.2.826.0.1.3680043.8.498.${k + 1}`)] }));
    const reference = await values(native);
    for (const [name, args] of Object.entries(VARIANTS)) {
      const t = (tally[name] ??= { files: 0, sameAsDcmtk: 0, sameAsNative: 0, refused: 0, failures: [] });
      const jpeg = path.join(out, `${k}-${name}.dcm`);
      const back = path.join(out, `${k}-${name}-dcmdjpeg.dcm`);
      try {
        execFileSync('dcmcjpeg', [...args, native, jpeg], { stdio: 'pipe' });
        execFileSync('dcmdjpeg', [jpeg, back], { stdio: 'pipe' });
      } catch (e) {
        t.failures.push(`${k} ${JSON.stringify(l)}: dcmtk: ${String((e as { stderr?: Buffer }).stderr ?? e).trim().slice(0, 160)}`);
        continue;
      }
      t.files++;
      let ours: Float32Array[];
      try {
        ours = await values(jpeg);
      } catch (e) {
        t.refused++;
        t.failures.push(`${k} ${JSON.stringify(l)}: refused: ${(e as Error).message}`);
        continue;
      }
      if (same(ours, await values(back))) t.sameAsDcmtk++;
      else t.failures.push(`${k} ${JSON.stringify(l)}: differs from dcmdjpeg`);
      if (same(ours, reference)) t.sameAsNative++;
    }
  }
  console.log(JSON.stringify({ files: count, variants: tally }, null, 1));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
