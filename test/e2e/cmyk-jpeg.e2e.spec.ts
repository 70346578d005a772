/**
 * CMYK / YCCK JPEGs over HTTP (fake models): libvips turns their ink into other pixels than PIL,
 * which ml/ trained and calibrated with, so they are refused from the header with a 415 that says
 * why — as one image and as a DICOM study's JPEG frame — and the refusal is in the history.
 */
import sharp from 'sharp';
import request from 'supertest';
import { PrismaService } from '../../src/prisma/prisma.service';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import { dicomSlice, syntheticSlice, zip } from '../support/study-fixtures';

const REASON = 'CMYK JPEG: a print export, not a scan; save it as greyscale or RGB.';

describe('CMYK JPEGs are refused before decoding', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, RATE_LIMIT_ANALYSES_PER_MINUTE: '1000' }, sessions: { user: {} } });
  const { user } = h.sessions;
  const slice = syntheticSlice(128, 128, (x, y) => 200 + ((x + y) % 50)); // bright: the fake brain model's "completed"
  const encode = (space: 'srgb' | 'cmyk') =>
    sharp(Buffer.from(slice.data), { raw: { width: slice.width, height: slice.height, channels: 1 } }).toColourspace(space).jpeg({ quality: 95 }).toBuffer();

  it('one image: 415 UNSUPPORTED_TYPE with the reason, recorded as a file refusal; the same image as RGB is analysed', async () => {
    const res = await request(h.server).post('/api/v1/analyses').set(user.bearer).attach('image', await encode('cmyk'), 'scan.jpg');
    expect(res.status).toBe(415);
    expect(res.body).toEqual({ statusCode: 415, code: 'UNSUPPORTED_TYPE', message: REASON });
    const [row] = await h.get(PrismaService).analysis.findMany({ where: { userId: user.user.id }, orderBy: { createdAt: 'desc' }, take: 1 });
    expect(row).toMatchObject({ status: 'rejected', stage: 'file', code: 'UNSUPPORTED_TYPE' });

    const rgb = await request(h.server).post('/api/v1/analyses').set(user.bearer).attach('image', await encode('srgb'), 'scan.jpg');
    expect(rgb.status).toBe(200);
  });

  it('a DICOM study whose JPEG Baseline frame is CMYK, alone or in a ZIP: 415 UNSUPPORTED_TYPE naming the file by position', async () => {
    const dcm = dicomSlice(slice, { bits8: true, encapsulatedAs: '1.2.840.10008.1.2.4.50', fragment: new Uint8Array(await encode('cmyk')) });
    for (const [file, name] of [[dcm, 'a.dcm'], [zip({ 'series/IM1': new Uint8Array(dcm) }), 'study.zip']] as const) {
      const res = await request(h.server).post('/api/v1/studies').set(user.bearer).attach('files', file, name);
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_TYPE', message: expect.stringMatching(/a CMYK JPEG frame — a print export, not a scan — is not supported/) });
    }
  });
});
