/**
 * What each compressed-frame decoder does with a stream whose coded data were overwritten in place
 * (1–3 bytes after the headers, the length unchanged — a damaged copy rather than a cut one, which the
 * header checks refuse): refused by the header check, refused by the decoder, or decoded to other
 * pixels without a word. JPEG 2000 and HTJ2K carry no checksum, so the last is expected there; the
 * figures say how often and how far. Not a test (a measurement of the codecs, not of our behaviour); run by hand:
 *   node -r ts-node/register/transpile-only scripts/measure-codestream-damage.ts [streams]
 */
import { readHtj2kHeader, readJ2kHeader } from '../src/studies/codestream-headers';
import { DctDecoder } from '../src/studies/jpeg-dct';
import { LosslessDecoder } from '../src/studies/jpeg-lossless';
import { decodeWasm } from '../src/studies/wasm-codecs';
import { encodeDctJpeg } from '../test/support/jpeg-dct-fixtures';
import { encodeLosslessJpeg } from '../test/support/jpeg-lossless-fixtures';
import { encodeHtj2k, encodeJ2k } from '../test/support/wasm-encoders';

const W = 128;
const H = 96;

interface Family {
  stream: () => Promise<Uint8Array>;
  /** the marker after which coded data start (SOS, SOD) */
  data: number;
  /** header check, then decode to one number a sample */
  decode: (b: Uint8Array) => Promise<ArrayLike<number>>;
  header: (b: Uint8Array) => void;
}

const band = (d: { done: boolean; next(n: number): number; out: Uint16Array }) => {
  while (!d.done) d.next(1 << 20);
  return d.out;
};
const words = (b: Uint8Array) => Uint16Array.from({ length: b.length / 2 }, (_, i) => b[2 * i] | (b[2 * i + 1] << 8));

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 300);
  const px = Array.from({ length: W * H }, (_, i) => Math.round(2047 + 1500 * Math.sin((i % W) / 9) * Math.cos(Math.floor(i / W) / 13)) + ((i * 7919) % 64));
  const families: Record<string, Family> = {
    htj2k: { stream: () => encodeHtj2k(px, { width: W, height: H, bits: 12 }), data: 0x93, header: (b) => readHtj2kHeader(b), decode: async (b) => words((await decodeWasm('htj2k', b)).data) },
    'jpeg-2000': { stream: () => encodeJ2k(px, { width: W, height: H, bits: 12 }), data: 0x93, header: (b) => readJ2kHeader(b), decode: async (b) => words((await decodeWasm('jpeg-2000', b)).data) },
    'jpeg-extended': { stream: async () => encodeDctJpeg(px, { width: W, height: H, precision: 12 }).stream, data: 0xda, header: () => undefined, decode: async (b) => band(new DctDecoder(b, W * H)) },
    'jpeg-lossless': { stream: async () => encodeLosslessJpeg(px, { width: W, height: H, precision: 12 }), data: 0xda, header: () => undefined, decode: async (b) => band(new LosslessDecoder(b, W * H)) },
  };
  for (const [name, f] of Object.entries(families)) {
    const good = await f.stream();
    const ref = await f.decode(good);
    const start = good.findIndex((v, i) => v === 0xff && good[i + 1] === f.data) + 16;
    let seed = 5;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const t = { headerRefused: 0, decoderRefused: 0, unchanged: 0, silentlyDifferent: 0 };
    const changed: number[] = [];
    const worst: number[] = [];
    for (let k = 0; k < count; k++) {
      const b = Uint8Array.from(good);
      for (let m = 0; m <= rnd(3); m++) b[start + rnd(good.length - 2 - start)] = rnd(256);
      try {
        f.header(b);
      } catch {
        t.headerRefused++;
        continue;
      }
      let out: ArrayLike<number>;
      try {
        out = await f.decode(b);
      } catch {
        t.decoderRefused++;
        continue;
      }
      let n = 0;
      let max = 0;
      for (let i = 0; i < W * H; i++) if (out[i] !== ref[i]) (n++, (max = Math.max(max, Math.abs(out[i] - ref[i]))));
      if (!n) t.unchanged++;
      else (t.silentlyDifferent++, changed.push(n / (W * H)), worst.push(max));
    }
    const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? 0;
    console.log(name.padEnd(14), `${good.length} B`, JSON.stringify(t), `pixels changed: median ${(median(changed) * 100).toFixed(1)} %, largest error: median ${median(worst)}, max ${Math.max(0, ...worst)}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
