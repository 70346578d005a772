/**
 * Times loadStudy on one generated series in each pixel encoding the study reader decodes — native,
 * RLE, JPEG Lossless SV1, JPEG Extended (12-bit DCT), JPEG-LS, JPEG 2000 — and the longest the event loop waited meanwhile
 * (perf_hooks.monitorEventLoopDelay): the JPEG Lossless and DCT decoders yield between bands of rows, the
 * WebAssembly codecs run in the codec thread. Not a test (no timing is ever asserted); run by hand:
 *   node -r ts-node/register/transpile-only scripts/measure-study-codecs.ts [side] [slices] [runs]
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { codecThread } from '../src/studies/codec-thread';
import { loadStudy } from '../src/studies/study-loader';
import { encodeDctJpeg, JPEG_EXTENDED } from '../test/support/jpeg-dct-fixtures';
import { encodeLosslessJpeg } from '../test/support/jpeg-lossless-fixtures';
import { dicomSlice, storedValues, syntheticSlice } from '../test/support/study-fixtures';
import { encodeJ2k, encodeJpegLs } from '../test/support/wasm-encoders';

async function main(): Promise<void> {
  const side = Number(process.argv[2] ?? 512);
  const count = Number(process.argv[3] ?? 24);
  const runs = Number(process.argv[4] ?? 3);
  const limits = { maxBytes: 512 * 1024 * 1024, maxSlices: 400, minSide: 64, maxPixels: 16 * 1024 * 1024 };
  const slices = Array.from({ length: count }, (_, k) => syntheticSlice(side, side, (x, y) => 128 + 100 * Math.sin((x + k * 3) / 40) * Math.cos(y / 55) + ((x * 7 + y * 13 + k) % 9)));
  const at = (i: number) => ({ z: i * 5, instanceNumber: i + 1 });
  const opts = { width: side, height: side, bits: 16 };
  const series: Record<string, Uint8Array[]> = {
    native: slices.map((s, i) => dicomSlice(s, at(i))),
    RLE: slices.map((s, i) => dicomSlice(s, { ...at(i), rle: true })),
    'JPEG Lossless SV1': slices.map((s, i) => dicomSlice(s, { ...at(i), fragment: encodeLosslessJpeg(storedValues(s), { width: side, height: side, precision: 16 }), encapsulatedAs: '1.2.840.10008.1.2.4.70' })),
    'JPEG Extended 12-bit q90': slices.map((s, i) =>
      dicomSlice(s, { ...at(i), fragment: encodeDctJpeg(storedValues(s), { width: side, height: side, precision: 12 }).stream, encapsulatedAs: JPEG_EXTENDED, tags: { BitsStored: 12, HighBit: 11 } }),
    ),
    'JPEG-LS': await Promise.all(slices.map(async (s, i) => dicomSlice(s, { ...at(i), encapsulatedAs: '1.2.840.10008.1.2.4.80', fragment: await encodeJpegLs(storedValues(s), opts) }))),
    'JPEG 2000': await Promise.all(slices.map(async (s, i) => dicomSlice(s, { ...at(i), encapsulatedAs: '1.2.840.10008.1.2.4.90', fragment: await encodeJ2k(storedValues(s), opts) }))),
  };
  for (const [name, files] of Object.entries(series)) {
    const bytes = files.map((f) => new Uint8Array(f));
    const mb = bytes.reduce((n, b) => n + b.length, 0) / 1e6;
    const times: number[] = [];
    let worst = 0;
    for (let r = 0; r < runs; r++) {
      const h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
      const t = performance.now();
      const study = await loadStudy(bytes, limits);
      times.push(performance.now() - t);
      h.disable();
      worst = Math.max(worst, h.max / 1e6);
      if (process.env.PER_RUN) console.log(`  run ${r}: ${(h.max / 1e6).toFixed(1)} ms, p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms`);
      if (study.kind !== 'slices' || study.slices.length !== count) throw new Error(`${name}: not ${count} slices`);
    }
    console.log(`${name.padEnd(18)} ${mb.toFixed(1).padStart(5)} MB  loadStudy ${times.map((x) => x.toFixed(0)).join(' / ')} ms  longest event-loop delay ${worst.toFixed(1)} ms`);
  }
  codecThread.end();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
