import * as fs from 'node:fs';
import * as path from 'node:path';
import { newUid, part10 } from './study-fixtures';

/**
 * The files a PACS export or a patient CD puts beside a DICOM series, made in code: a real
 * DICOMDIR (Media Storage Directory), a README, a Windows viewer (MZ header, then
 * incompressible bytes), a JPEG thumbnail and an autorun file.
 */
export function sideFiles(): Record<string, Uint8Array> {
  const dicomdir = part10({ SOPClassUID: '1.2.840.10008.1.3.10', SOPInstanceUID: newUid(), DirectoryRecordSequence: [{ DirectoryRecordType: 'PATIENT' }] }, '1.2.840.10008.1.2.1');
  return {
    DICOMDIR: new Uint8Array(dicomdir),
    'README.TXT': new TextEncoder().encode('This CD holds DICOM images. Start VIEWER.EXE to view them.\r\n'.repeat(20)),
    'VIEWER.EXE': Buffer.concat([Buffer.from('MZ\x90\x00', 'latin1'), noise(64 * 1024, 7)]),
    'thumb.jpg': Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0', 'latin1'), noise(2000, 8)]),
  };
}

export const AUTORUN = new TextEncoder().encode('[autorun]\r\nopen=VIEWER.EXE\r\n');

/** Deterministic pseudo-random bytes (no compression gains, like a real executable's). */
export function noise(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    b[i] = s & 0xff;
  }
  return b;
}

/** Writes `files` (relative path → bytes) under a new folder `name` in `root`, as a CD or an export lays them out; returns its path. */
export function writeFolder(root: string, name: string, files: Record<string, Uint8Array>): string {
  const dir = path.join(root, name);
  for (const [rel, bytes] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), bytes);
  }
  return dir;
}
