/**
 * Peak RSS and time of loadStudy on one 4-D NIfTI (fMRI / DWI shaped): nx × ny × nz × nt int16
 * voxels, a smooth head-like volume plus noise (compresses about as real EPI does, ~2:1), written
 * as .nii.gz (`gz`), as .nii (`nii`), as a .nii in a ZIP (`zip` deflated, `zip0` stored), as a
 * NIfTI-1 pair (.hdr + .img) in a deflated ZIP (`pairzip`) or gzipped as two files (`pairgz`), or as a bomb: `bomb`, the header and first volume, then
 * `nt` - 1 volumes of zeros (at most 1 GiB of them; ~1 MB of gzip per GB); `junk`, a 3-D header and volume
 * followed by `nt` volumes' worth of zeros the header does not declare. Synthetic data only.
 * Peak RSS is the kernel's VmHWM, reset (clear_refs 5) after the input is built.
 * Not a test (nothing is asserted): run by hand, before and after a change, one setting a process:
 *   node --expose-gc -r ts-node/register/transpile-only scripts/measure-nifti-4d.ts [nx] [ny] [nz] [nt] [gz|nii|zip|zip0|pairzip|pairgz|bomb|junk] [STUDY_MAX_BYTES in MiB]
 */
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { zipSync } from 'fflate';
import * as zlib from 'node:zlib';
import { loadStudy } from '../src/studies/study-loader';

const status = (key: string): number => Number(/(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(key)) ?? '')?.[1] ?? NaN) / 1024;

function nifti4d(nx: number, ny: number, nz: number, nt: number, zeros: boolean): Buffer {
  const hdr = Buffer.alloc(352);
  hdr.writeInt32LE(348, 0);
  [4, nx, ny, nz, nt, 1, 1, 1].forEach((v, i) => hdr.writeInt16LE(v, 40 + i * 2));
  hdr.writeInt16LE(4, 70);
  hdr.writeInt16LE(16, 72);
  [1, 3, 3, 3, 2, 1, 1, 1].forEach((v, i) => hdr.writeFloatLE(v, 76 + i * 4));
  hdr.writeFloatLE(352, 108);
  hdr.writeUInt8(2 | 8, 123);
  hdr.write('n+1\0', 344, 'latin1');
  const vol = nx * ny * nz;
  const data = new Int16Array(vol * (zeros ? 1 : nt));
  let seed = 12345;
  const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 41) - 20;
  for (let t = 0; t < (zeros ? 1 : nt); t++)
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++) {
          const r = Math.hypot((i - nx / 2) / (nx / 2.4), (j - ny / 2) / (ny / 2.2), (k - nz / 2) / (nz / 2.2));
          data[i + nx * (j + ny * (k + nz * t))] = r < 1 ? 600 + Math.round(300 * Math.cos(6 * r)) + noise() : Math.max(0, noise());
        }
  // a bomb's zeros: at most 1 GiB of them (a header declaring more is refused before they are reached)
  const rest = zeros ? Buffer.alloc(Math.min(2 ** 30, (nt - 1) * vol * 2)) : Buffer.alloc(0);
  return Buffer.concat([hdr, Buffer.from(data.buffer, data.byteOffset, data.byteLength), rest]);
}

async function main(): Promise<void> {
  const [nx, ny, nz, nt] = [64, 64, 36, 300].map((d, i) => Number(process.argv[2 + i] ?? d));
  const kind = process.argv[6] ?? 'gz';
  const maxMiB = Number(process.argv[7] ?? 100);
  const raw = kind === 'junk' ? Buffer.concat([nifti4d(nx, ny, nz, 1, false), Buffer.alloc(nx * ny * nz * 2 * nt)]) : nifti4d(nx, ny, nz, nt, kind === 'bomb');
  const pair = () => {
    const hdr = Buffer.from(raw.subarray(0, 348));
    hdr.write('ni1\0', 344, 'latin1');
    hdr.writeFloatLE(0, 108);
    return { 'bold.hdr': hdr, 'bold.img': raw.subarray(352) };
  };
  const file = kind === 'nii' || kind === 'pairgz' ? raw : kind === 'pairzip' ? Buffer.from(zipSync(pair(), { level: 6 })) : kind.startsWith('zip') ? Buffer.from(zipSync({ 'bold.nii': raw }, { level: kind === 'zip0' ? 0 : 6 })) : zlib.gzipSync(raw, { level: 6 });
  const inflated = raw.length;
  const limits = { maxBytes: maxMiB * 1024 * 1024, maxSlices: 400, minSide: 16, maxPixels: 2048 * 2048 };
  // `pairgz`: the pair's .hdr.gz and .img.gz uploaded as two files (`file` is the .img.gz)
  const uploads = kind === 'pairgz' ? [new Uint8Array(zlib.gzipSync(pair()['bold.hdr'])), new Uint8Array(zlib.gzipSync(pair()['bold.img'], { level: 6 }))] : [new Uint8Array(file)]; // copied here, not in what is measured
  global.gc?.();
  fs.writeFileSync('/proc/self/clear_refs', '5');
  const before = status('VmRSS');
  const t0 = performance.now();
  let outcome: string;
  try {
    const study = await loadStudy(uploads, limits);
    outcome = study.kind === 'slices' ? `${study.slices.length} slices, volumes ${study.meta.volumes}` : study.kind;
  } catch (err) {
    outcome = `${(err as Error).constructor.name}: ${(err as Error).message}`;
  }
  const ms = performance.now() - t0;
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  console.log(
    `${kind} ${nx}x${ny}x${nz}x${nt}: file ${mb(uploads.reduce((n, u) => n + u.length, 0))} MiB, inflated ${mb(inflated)} MiB, limit ${maxMiB} MiB → ${outcome}\n` +
      `  ${ms.toFixed(0)} ms, peak RSS +${(status('VmHWM') - before).toFixed(0)} MiB over ${before.toFixed(0)} MiB`,
  );
}

void main();
