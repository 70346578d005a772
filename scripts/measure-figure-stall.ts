/**
 * Worst event-loop stall while the PDF figure of a 40-MP 16-bit grey PNG is made: on the main
 * thread (reportFigurePng called directly, as ReportsService did) and through
 * ImageDecodeService.figure (a decode worker). A 5 ms timer measures the largest gap between
 * its ticks; perf_hooks' event-loop delay histogram gives its maximum. Not a test (timings are
 * never asserted): run by hand,
 *   npm run build && MEASURE_FROM=dist node -r ts-node/register/transpile-only scripts/measure-figure-stall.ts [runs]
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import sharp from 'sharp';

// MEASURE_FROM=dist (after `npm run build`): the compiled service, whose worker starts as the
// production one does; otherwise the sources, whose worker first compiles itself under ts-node
const from = process.env.MEASURE_FROM === 'dist' ? '../dist' : '../src';
/* eslint-disable @typescript-eslint/no-require-imports */
const { parseEnv } = require(`${from}/config/config.schema`) as typeof import('../src/config/config.schema');
const { AppConfig } = require(`${from}/config/config.service`) as typeof import('../src/config/config.service');
const { ImageDecodeService } = require(`${from}/inference/image-decode.service`) as typeof import('../src/inference/image-decode.service');
const { reportFigurePng } = require(`${from}/inference/image-encoder`) as typeof import('../src/inference/image-encoder');
const { PreparePool } = require(`${from}/inference/prepare-pool`) as typeof import('../src/inference/prepare-pool');
/* eslint-enable @typescript-eslint/no-require-imports */

const W = 8000;
const H = 5000;

async function stallDuring(work: () => Promise<Buffer>): Promise<{ ms: number; worstGap: number; eldMax: number; bytes: number }> {
  let last = performance.now();
  let worstGap = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    worstGap = Math.max(worstGap, now - last);
    last = now;
  }, 5);
  const eld = monitorEventLoopDelay({ resolution: 5 });
  eld.enable();
  const t = performance.now();
  const png = await work();
  const ms = performance.now() - t;
  eld.disable();
  clearInterval(tick);
  return { ms, worstGap, eldMax: eld.max / 1e6, bytes: png.length };
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 3);
  const raw = new Uint16Array(W * H);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919) % 4096; // 12-bit values
  const png = await sharp(raw, { raw: { width: W, height: H, channels: 1 } }).toColourspace('grey16').png({ compressionLevel: 1 }).toBuffer();
  const config = new AppConfig(parseEnv({}));
  const pool = new PreparePool(config);
  const images = new ImageDecodeService(config, pool);
  console.log(`${W} × ${H} 16-bit grey PNG, ${(png.length / 1e6).toFixed(1)} MB; service from ${from}`);
  for (let r = 0; r < runs; r++) {
    for (const [name, work] of [
      ['main thread (reportFigurePng)', () => reportFigurePng(png, 40_000_000)],
      ['ImageDecodeService.figure', () => images.figure(png, 40_000_000)],
    ] as const) {
      const s = await stallDuring(work);
      console.log(`${name}: figure ${s.bytes} B in ${s.ms.toFixed(0)} ms; worst 5-ms timer gap ${s.worstGap.toFixed(0)} ms; event-loop delay max ${s.eldMax.toFixed(0)} ms`);
    }
  }
  await pool.onModuleDestroy();
}

void main();
