import { UnsupportedTypeError } from '../../src/common/errors';
import { checkFileBytes } from '../../src/validation/file-checks';

/**
 * A DICOM, NIfTI or ZIP sent to the single-image analysis (page, API or CLI manifest) was told only
 * "Only JPEG and PNG images are accepted." — true, but it left the user with a scan the service does read,
 * elsewhere. The refusal names what the file is and where it goes.
 */
const MAX = 5 * 1024 * 1024;

function refusal(bytes: Uint8Array): UnsupportedTypeError {
  try {
    checkFileBytes(bytes, MAX);
  } catch (e) {
    if (e instanceof UnsupportedTypeError) return e;
    throw e;
  }
  throw new Error('accepted');
}

function dicomPart10(): Buffer {
  const b = Buffer.alloc(400);
  b.write('DICM', 128, 'latin1');
  return b;
}

function nifti1(): Buffer {
  const b = Buffer.alloc(400);
  b.writeInt32LE(348, 0);
  b.write('n+1\0', 344, 'latin1');
  return b;
}

function bareDicom(): Buffer {
  // (0008,0005) CS, as an old PACS dump without preamble starts
  const b = Buffer.alloc(200);
  b.writeUInt16LE(0x0008, 0);
  b.writeUInt16LE(0x0005, 2);
  b.write('CS', 4, 'latin1');
  return b;
}

describe('a study file sent to the single-image analysis', () => {
  it.each([
    ['a DICOM Part 10 file', dicomPart10(), /DICOM file/],
    ['a DICOM data set without the Part 10 header', bareDicom(), /DICOM file/],
    ['a NIfTI-1 volume', nifti1(), /NIfTI volume/],
    ['a gzip file (.nii.gz)', Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0]), /gzip file/],
    ['a ZIP archive', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]), /ZIP archive/],
  ])('%s is a 415 naming what it is and pointing at the study analysis', (_name, bytes, what) => {
    const err = refusal(bytes);
    expect(err.statusCode).toBe(415);
    expect(err.code).toBe('UNSUPPORTED_TYPE');
    expect(err.message).toMatch(what);
    expect(err.message).toMatch(/study analysis/);
    expect(err.message).toMatch(/JPEG or PNG/);
  });

  it('any other file keeps the plain refusal (no guess about what it is)', () => {
    expect(refusal(Buffer.from('GIF89a and more bytes')).message).toBe('Only JPEG and PNG images are accepted.');
    expect(refusal(Buffer.from('%PDF-1.7 a document')).message).toBe('Only JPEG and PNG images are accepted.');
  });
});
