/**
 * An embedded ICC profile is ignored, as ml/ (PIL) ignores it: the model is given the stored
 * values it was trained and calibrated on. sharp converts through the profile to sRGB unless told
 * not to; before, a Display P3 photo came out up to ~36 levels off in places and a grey export
 * tagged with a linear grey profile ~47 levels brighter on average than ml/'s pixels
 * (measured against ml/'s to_rgb8 on the same files).
 */
import sharp from 'sharp';
import { decodeImage } from '../../src/inference/image-decoder';
import { reportFigurePng } from '../../src/inference/image-encoder';
import { noiseBytes } from '../hostile/bytes';
import { greyIccProfile, jpegWithIcc, pngWithIcc } from '../support/icc-profiles';

const LIMITS = { maxPixels: 40_000_000, minSide: 64 };
const W = 96;
const H = 72;

const rgb = () => sharp(noiseBytes(W * H * 3, 3), { raw: { width: W, height: H, channels: 3 } });
const grey = () => sharp(noiseBytes(W * H, 5), { raw: { width: W, height: H, channels: 1 } }).toColourspace('b-w');

async function pixels(bytes: Buffer): Promise<number[]> {
  const d = await decodeImage(bytes, LIMITS);
  return Array.from(d.data);
}

describe('embedded ICC profiles are ignored, as in ml/ (PIL)', () => {
  it('a Display P3 JPEG and PNG decode to the values stored in them', async () => {
    // libvips's own Display P3 profile, embedded by hand (withIccProfile would also convert the pixels)
    const { icc } = await sharp(await rgb().jpeg().withIccProfile('p3').toBuffer()).metadata();
    if (!icc) throw new Error('no profile');
    const jpeg = await rgb().jpeg({ quality: 95 }).toBuffer();
    const png = await rgb().png().toBuffer();
    expect(await pixels(jpegWithIcc(jpeg, icc))).toEqual(await pixels(jpeg));
    expect(await pixels(pngWithIcc(png, icc))).toEqual(await pixels(png));
  });

  it('a grey JPEG and PNG tagged with a linear grey profile decode to their stored grey values', async () => {
    const icc = greyIccProfile(1.0);
    const jpeg = await grey().jpeg({ quality: 95 }).toBuffer();
    const png = await grey().png().toBuffer();
    expect((await sharp(jpegWithIcc(jpeg, icc)).metadata()).icc).toBeDefined();
    expect(await pixels(jpegWithIcc(jpeg, icc))).toEqual(await pixels(jpeg));
    expect(await pixels(pngWithIcc(png, icc))).toEqual(await pixels(png));
  });

  it('the PDF figure shows the same values', async () => {
    const png = await grey().png().toBuffer();
    const tagged = pngWithIcc(png, greyIccProfile(1.0));
    const raw = async (b: Buffer) => Array.from(await sharp(await reportFigurePng(b, LIMITS.maxPixels)).raw().toBuffer());
    expect(await raw(tagged)).toEqual(await raw(png));
  });
});
