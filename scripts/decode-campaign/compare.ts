/**
 * Encoder-variant campaign, TypeScript side: the served decode (decodeImage: sharp/libvips) and
 * preprocessing of every image generate.py wrote, against ml/'s reference for it.
 *
 *   npx ts-node --transpile-only scripts/decode-campaign/compare.ts OUT_DIR [--family F]
 *
 * One JSON line per image on stdout (lumaMaxAbs: the luma before letterbox in grey levels;
 * tensorMaxAbs: the triage model's normalised input), then a summary per variant family.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeImage } from '../../src/inference/image-decoder';
import { letterbox, normalize, toLuma } from '../../src/inference/preprocess';

interface IndexEntry {
  name: string;
  family: string;
  variant: string;
  file: string;
  ok: boolean;
  width?: number;
  height?: number;
  error?: string;
}

interface Card {
  input: { size: number; normalization: { scale: number; mean: number[]; std: number[] } };
}

function readF32(file: string): Float32Array {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

function maxAbs(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function main(): Promise<void> {
  const out = process.argv[2];
  const fam = process.argv.includes('--family') ? process.argv[process.argv.indexOf('--family') + 1] : undefined;
  const card = JSON.parse(fs.readFileSync(path.join(__dirname, '../../models/triage/model_card.json'), 'utf8')) as Card;
  const { size, normalization } = card.input;
  const index = (JSON.parse(fs.readFileSync(path.join(out, 'index.json'), 'utf8')) as IndexEntry[]).filter((e) => !fam || e.family === fam);
  for (const e of index) {
    const line: Record<string, unknown> = { name: e.name, family: e.family, variant: e.variant };
    try {
      const img = await decodeImage(fs.readFileSync(e.file), { maxPixels: 40_000_000, minSide: 1 });
      line.ts = `${img.width}x${img.height}x${img.channels}`;
      if (!e.ok) {
        line.verdict = 'ts-only';
        line.pyError = e.error;
      } else if (img.width !== e.width || img.height !== e.height) {
        line.verdict = 'size';
        line.py = `${e.width}x${e.height}`;
      } else {
        const luma = toLuma(img);
        const lb = letterbox(luma, img.width, img.height, size);
        const t = normalize(lb.canvas, size, normalization);
        line.lumaMaxAbs = maxAbs(luma, readF32(path.join(out, 'ref', `${e.name}.luma.f32`)));
        line.tensorMaxAbs = maxAbs(t, readF32(path.join(out, 'ref', `${e.name}.t${size}.f32`)));
        line.verdict = line.tensorMaxAbs === 0 ? 'equal' : 'differs';
      }
    } catch (err) {
      line.verdict = e.ok ? 'py-only' : 'both-refuse';
      line.tsError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    process.stdout.write(JSON.stringify(line) + '\n');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
