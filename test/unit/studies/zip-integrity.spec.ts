/**
 * The ZIP reader of study uploads against archives whose entries are damaged, encrypted or
 * written with data descriptors, and end records that lie. Every archive is written here by
 * hand (sizes, flags and CRCs can be set per entry); nothing is committed.
 */
import * as zlib from 'node:zlib';
import { loadStudy } from '../../../src/studies/study-loader';
import { CorruptStudyError, TooManyFilesError, UnsupportedStudyFileError } from '../../../src/studies/study-errors';
import { dicomSeries, syntheticSlice } from '../../support/study-fixtures';

interface Entry {
  name: string;
  data: Buffer;
  method?: 0 | 8;
  flags?: number;
  /** the CRC-32 written in both headers (default: the data's) */
  crc?: number;
  /** sizes and CRC after the data (flag bit 3), with or without the optional signature */
  descriptor?: 'signed' | 'unsigned';
}

const u16 = (n: number) => Buffer.from([n & 0xff, (n >>> 8) & 0xff]);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

function zip(entries: Entry[], comment = Buffer.alloc(0)): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const method = e.method ?? 8;
    const body = method === 8 ? zlib.deflateRawSync(e.data) : e.data;
    const crc = e.crc ?? zlib.crc32(e.data);
    const name = Buffer.from(e.name);
    const flags = (e.flags ?? 0) | (e.descriptor ? 8 : 0);
    const [lc, lu, lcrc] = e.descriptor ? [0, 0, 0] : [body.length, e.data.length, crc];
    const tail = e.descriptor ? Buffer.concat([e.descriptor === 'signed' ? u32(0x08074b50) : Buffer.alloc(0), u32(crc), u32(body.length), u32(e.data.length)]) : Buffer.alloc(0);
    const local = Buffer.concat([u32(0x04034b50), u16(20), u16(flags), u16(method), u32(0), u32(lcrc), u32(lc), u32(lu), u16(name.length), u16(0), name, body, tail]);
    centrals.push(Buffer.concat([u32(0x02014b50), u16(20), u16(20), u16(flags), u16(method), u32(0), u32(crc), u32(body.length), u32(e.data.length), u16(name.length), u16(0), u16(0), u16(0), u16(0), u32(0), u32(offset), name]));
    locals.push(local);
    offset += local.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(entries.length), u16(entries.length), u32(cd.length), u32(offset), u16(comment.length), comment]);
  return Buffer.concat([...locals, cd, end]);
}

const LIMITS = { maxBytes: 50 * 1024 * 1024, maxSlices: 400, minSide: 64, maxPixels: 2048 * 2048 };
const series = dicomSeries([1, 2, 3, 4].map((k) => syntheticSlice(64, 64, (x, y) => (x * 3 + y * k) % 256)));
const entries = (o: Partial<Entry> = {}): Entry[] => series.map((data, i) => ({ name: `IM${i}`, data, ...o }));

async function errorOf(p: Promise<unknown>): Promise<{ message: string; statusCode?: number } | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return e as { message: string; statusCode?: number };
  }
}

async function sliceCount(z: Buffer): Promise<number> {
  const study = await loadStudy([new Uint8Array(z)], LIMITS);
  return study.kind === 'slices' ? study.slices.length : -1;
}

describe('study ZIPs: integrity of each entry', () => {
  it('a stored entry with one byte flipped is refused by its CRC-32, naming the entry (was analysed as if intact)', async () => {
    const damaged = Buffer.from(series[1]);
    damaged[damaged.length - 100] ^= 0xff; // a pixel: the DICOM still parses
    const z = zip(series.map((data, i) => ({ name: `IM${i}`, method: 0, data: i === 1 ? damaged : data, crc: zlib.crc32(data) })));
    const err = await errorOf(loadStudy([new Uint8Array(z)], LIMITS));
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect(err?.message).toMatch(/entry 2 of the archive\) is damaged.*CRC-32/);
  });

  it('a deflated entry whose recorded CRC does not match its content → 422', async () => {
    const z = zip(entries().map((e, i) => (i === 2 ? { ...e, crc: 0x12345678 } : e)));
    expect(await errorOf(loadStudy([new Uint8Array(z)], LIMITS))).toBeInstanceOf(CorruptStudyError);
  });

  it('a damaged entry is refused, not skipped, when its damage hides what it is (a DICOM without its "DICM", a README)', async () => {
    const noMagic = Buffer.from(series[1]);
    noMagic.write('XXXX', 128, 'latin1'); // now it sniffs as "not DICOM": only the CRC tells
    for (const method of [0, 8] as const) {
      const z = zip(series.map((data, i) => ({ name: `IM${i}`, method, data: i === 1 ? noMagic : data, crc: zlib.crc32(data) })));
      expect((await errorOf(loadStudy([new Uint8Array(z)], LIMITS)))?.message).toMatch(/entry 2 of the archive\) is damaged.*CRC-32/);
    }
    const readme = { name: 'README.TXT', data: Buffer.from('read me\n'.repeat(5000)) };
    const badCrc = zip([...entries(), { ...readme, crc: 0x12345678 }]);
    expect((await errorOf(loadStudy([new Uint8Array(badCrc)], LIMITS)))?.message).toMatch(/entry 5 of the archive\) is damaged/);
    // sizes that lie: the directory says 10 bytes, it inflates to 40 KB — stopped as damaged at the first chunk past 10
    const lying = zip([...entries(), readme]);
    const readmeCentral = lying.lastIndexOf(Buffer.from('PK\x01\x02', 'latin1')); // the last directory entry is the README's
    lying.writeUInt32LE(10, readmeCentral + 24); // its uncompressed size
    expect((await errorOf(loadStudy([new Uint8Array(lying)], LIMITS)))?.message).toMatch(/entry 5 of the archive\) is damaged/);
  });

  it('an encrypted entry is refused as encrypted (was "not a readable DICOM file" or analysed)', async () => {
    for (const method of [0, 8] as const) {
      const err = await errorOf(loadStudy([new Uint8Array(zip(entries({ method, flags: 1 })))], LIMITS));
      expect(err).toBeInstanceOf(CorruptStudyError);
      expect(err?.message).toMatch(/encrypted \(password-protected\)/);
    }
  });

  it('entries written with data descriptors are read, with or without the descriptor signature (unsigned was a 422)', async () => {
    expect(await sliceCount(zip(entries({ descriptor: 'signed' })))).toBe(4);
    expect(await sliceCount(zip(entries({ descriptor: 'unsigned' })))).toBe(4);
    expect(await sliceCount(zip(entries({ descriptor: 'signed', method: 0 })))).toBe(4);
  });
});

describe('study ZIPs: the directory and its end record', () => {
  it('a comment made of "PK\\5\\6" bytes is not taken for the end record (was 413 TOO_MANY_FILES for 4 entries)', async () => {
    const comment = Buffer.alloc(60_000, 'PK\x05\x06', 'latin1');
    expect(await sliceCount(zip(entries(), comment))).toBe(4);
  });

  it('a local header hidden in the comment is not read as an entry (was a 422 for a phantom entry)', async () => {
    const comment = Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(26), Buffer.from('x')]);
    expect(await sliceCount(zip(entries(), comment))).toBe(4);
  });

  it('an end record declaring fewer entries than its directory holds: 413 beyond the entry limit, 422 below it', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({ name: `n${i}.txt`, data: Buffer.alloc(0), method: 0 as const }));
    const lying = (z: Buffer) => {
      const at = z.length - 22;
      z.writeUInt16LE(3, at + 8);
      z.writeUInt16LE(3, at + 10);
      return z;
    };
    expect(await errorOf(loadStudy([new Uint8Array(lying(zip(many)))], LIMITS))).toBeInstanceOf(TooManyFilesError);
    const err = await errorOf(loadStudy([new Uint8Array(lying(zip(entries())))], LIMITS));
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect(err?.message).toMatch(/holds 4 entries where its end record says 3/);
  });

  it('a ZIP inside the ZIP is named as such (was "neither a DICOM nor a NIfTI file")', async () => {
    const z = zip([{ name: 'inner.zip', data: zip(entries()) }]);
    const err = await errorOf(loadStudy([new Uint8Array(z)], LIMITS));
    expect(err).toBeInstanceOf(UnsupportedStudyFileError);
    expect(err?.message).toMatch(/is itself a ZIP archive/);
  });
});

describe('study ZIPs: documents stored in the ZIP container (.docx, .jar…) beside the series', () => {
  // a minimal Office Open XML file: a ZIP whose first entry is [Content_Types].xml
  const docx = zip([
    { name: '[Content_Types].xml', data: Buffer.from('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>') },
    { name: 'word/document.xml', data: Buffer.from('<w:document>report</w:document>'.repeat(50)) },
  ]);
  const withSide = (side: Entry) => zip([...entries(), side]);
  const analyse = (z: Buffer) => loadStudy([new Uint8Array(z)], LIMITS);

  it('a report.docx beside valid slices is skipped and listed; the series is analysed (was 415 "is itself a ZIP archive")', async () => {
    for (const method of [0, 8] as const) {
      const study = await analyse(withSide({ name: 'EXPORT/report.docx', data: docx, method }));
      expect(study.kind === 'slices' && study.slices.length).toBe(4);
      expect(study.meta.skipped).toEqual({ count: 1, names: ['report.docx'] });
    }
  });

  it('the extension is matched case-insensitively: REPORT.DOCX and Viewer.Jar are skipped too (were 415)', async () => {
    const study = await analyse(zip([...entries(), { name: 'REPORT.DOCX', data: docx }, { name: 'CD\\Viewer.Jar', data: docx }]));
    expect(study.kind === 'slices' && study.slices.length).toBe(4);
    expect(study.meta.skipped).toEqual({ count: 2, names: ['REPORT.DOCX', 'Viewer.Jar'] });
  });

  it('a report.docx whose CRC does not match is a named 422, never skipped silently', async () => {
    for (const method of [0, 8] as const) {
      const err = await errorOf(analyse(withSide({ name: 'report.docx', data: docx, method, crc: zlib.crc32(docx) ^ 1 })));
      expect(err).toBeInstanceOf(CorruptStudyError);
      expect(err).toMatchObject({ statusCode: 422 });
      expect(err?.message).toMatch(/entry 5 of the archive\) is damaged.*CRC-32/);
    }
  });

  it('a nested inner.zip, or ZIP bytes under another name or none, beside the slices is still refused by name', async () => {
    for (const name of ['inner.zip', 'INNER.ZIP', 'series.bin', 'IM9', 'docx', 'report.docx.zip']) {
      const err = await errorOf(analyse(withSide({ name, data: zip(entries()) })));
      expect(err).toBeInstanceOf(UnsupportedStudyFileError);
      expect(err?.message).toMatch(/entry 5 of the archive\) is itself a ZIP archive; archives inside an archive are not opened/);
    }
  });
});
