/** ZIP mutations for scripts/fuzz-uploads.ts: many entries, bombs, nesting, lying sizes and counts, duplicate names. */
import * as zlib from 'node:zlib';
import { zipSync } from 'fflate';
import { Rng } from './mutators';

/** Structural ZIP mutations take the files of a seed and return one ZIP. */
export const archives: Record<string, (files: { name: string; data: Buffer }[], r: Rng) => Buffer> = {
  manyEntries: (files, r) => {
    const entries: Record<string, Uint8Array> = {};
    files.forEach((f) => (entries[f.name] = f.data));
    const n = r.pick([500, 900, 3000]);
    for (let i = 0; i < n; i++) entries[`junk/${i}.txt`] = Buffer.from(String(i));
    return Buffer.from(zipSync(entries, { level: 0 }));
  },
  manyDicoms: (files, r) => {
    const entries: Record<string, Uint8Array> = {};
    const n = r.pick([300, 401, 864]);
    for (let i = 0; i < n; i++) entries[`IM${i}`] = files[i % files.length].data;
    return Buffer.from(zipSync(entries, { level: 1 }));
  },
  nested: (files, r) => {
    let inner = Buffer.from(zipSync(Object.fromEntries(files.map((f) => [f.name, f.data]))));
    for (let d = r.pick([1, 2, 5]); d > 0; d--) inner = Buffer.from(zipSync({ [r.pick(['inner.zip', 'IM1', 'data.bin', 'x.docx'])]: inner }));
    return inner;
  },
  lyingSizes: (files, r) => {
    const z = Buffer.from(zipSync(Object.fromEntries(files.map((f) => [f.name, f.data])), { level: 6 }));
    // overwrite the uncompressed size (local @22, central @24) or compressed size of one entry
    const sigs: number[] = [];
    for (let p = 0; p + 4 <= z.length; p++) if (z.readUInt32LE(p) === 0x04034b50 || z.readUInt32LE(p) === 0x02014b50) sigs.push(p);
    const p = r.pick(sigs);
    const central = z.readUInt32LE(p) === 0x02014b50;
    const field = p + (central ? r.pick([20, 24, 42]) : r.pick([18, 22]));
    if (field + 4 <= z.length) z.writeUInt32LE(r.pick([0xffffffff, 0x7fffffff, 0, 1, 0x40000000]) >>> 0, field);
    return z;
  },
  endRecordLies: (files, r) => {
    const z = Buffer.from(zipSync(Object.fromEntries(files.map((f) => [f.name, f.data]))));
    const end = z.length - 22;
    const field = end + r.pick([8, 10, 12, 16, 20]);
    if (r.next() < 0.5) z.writeUInt16LE(r.pick([0xffff, 0, 65000]), field);
    else z.writeUInt32LE(r.pick([0xffffffff, 0, 0x7fffffff]) >>> 0, end + r.pick([12, 16]));
    return z;
  },
  duplicateNames: (files) => {
    const z = Buffer.from(zipSync(Object.fromEntries(files.map((f, i) => [`a${i}`, f.data])), { level: 0 }));
    // every entry named the same, same-length names
    const name = Buffer.from('a0');
    for (let p = 0; p + 4 <= z.length; p++) {
      const sig = z.readUInt32LE(p);
      if (sig === 0x04034b50) name.copy(z, p + 30);
      if (sig === 0x02014b50) name.copy(z, p + 46);
    }
    return z;
  },
  gzipInZip: (files) => Buffer.from(zipSync(Object.fromEntries(files.map((f) => [`${f.name}.gz`, zlib.gzipSync(f.data)])))),
  bomb: (files, r) => {
    const zeros = Buffer.alloc(r.pick([40, 110]) * 1024 * 1024);
    return Buffer.from(zipSync({ ...Object.fromEntries(files.map((f) => [f.name, f.data])), [r.pick(['zeros.dcm', 'zeros.nii', 'README'])]: zeros }, { level: 9 }));
  },
};
