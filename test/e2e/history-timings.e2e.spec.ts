/**
 * The history summary's median timings, per kind. One median per stage pooled single images (one
 * slice through the models) with studies (every slice of a series): with two images and three
 * studies the "median total" was a study's 3 000 ms, read on the page as an image's. The API now
 * gives each kind apart (`medianTimingsByKind`), `medianTimingsMs` is the images' alone, and the
 * page lists the two under their own headings.
 */
import request from 'supertest';
import { PrismaService } from '../../src/prisma/prisma.service';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';

const IMAGE_TIMINGS = [
  { decode: 3, inference: 20, total: 30 },
  { decode: 5, inference: 40, total: 50 },
];
const STUDY_TIMINGS = [
  { decode: 300, inference: 2400, total: 3000 },
  { decode: 310, inference: 2500, total: 3100 },
  { decode: 320, inference: 2600, total: 3200 },
];

/** The text of the element with this id on the page, tags dropped. */
function section(html: string, id: string): string {
  const m = new RegExp(`<div id="${id}">([\\s\\S]*?)</div>`).exec(html);
  return m ? m[1].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim() : '';
}

describe('history summary: median timings per kind (image / study), never pooled', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR }, sessions: { admin: { role: 'admin' } } });
  const { admin } = h.sessions;

  beforeAll(async () => {
    const prisma = h.get(PrismaService);
    const row = (timings: object, kind: string | null, i: number) => ({
      userId: admin.user.id,
      byteSize: 1000 + i,
      sha256: i.toString(16).padStart(64, '0'),
      status: 'completed',
      kind,
      timingsJson: JSON.stringify(timings),
    });
    for (const [i, t] of IMAGE_TIMINGS.entries()) await prisma.analysis.create({ data: row(t, null, i) });
    for (const [i, t] of STUDY_TIMINGS.entries()) await prisma.analysis.create({ data: row(t, 'study', 10 + i) });
    // a row with no timings (recorded before they were) counts in neither
    await prisma.analysis.create({ data: { ...row({}, null, 99), timingsJson: null } });
  });

  it('the API gives images and studies apart, each with the number of analyses it is over', async () => {
    const s = (await request(h.server).get('/api/v1/history/summary').set(admin.bearer).expect(200)).body;
    expect(s.total).toBe(6);
    expect(s.medianTimingsByKind).toEqual({
      image: { analyses: 2, medianMs: { decode: 4, inference: 30, total: 40 } },
      study: { analyses: 3, medianMs: { decode: 310, inference: 2500, total: 3100 } },
    });
    // the field clients already read: the images' medians, no longer a study's 3000 ms
    expect(s.medianTimingsMs).toEqual({ decode: 4, inference: 30, total: 40 });
  });

  it('the page lists the two under their own headings, saying what each figure is over', async () => {
    const html = (await request(h.server).get('/history').set(admin.headers).expect(200)).text;
    const image = section(html, 'timings-image');
    const study = section(html, 'timings-study');
    expect(image).toContain('Median timings, single images (ms)');
    expect(image).toContain('per image · 2 images');
    expect(image).toMatch(/total 40\b/);
    expect(image).not.toContain('3100');
    expect(study).toContain('Median timings, studies (ms)');
    expect(study).toContain('per whole study, all slices · 3 studies');
    expect(study).toMatch(/total 3100\b/);
    expect(html).not.toContain('<h3>Median timings (ms)</h3>');
  });

  it('a filter that matches no study says so under the studies heading', async () => {
    const html = (await request(h.server).get(`/history?user=${encodeURIComponent('nobody@example.test')}`).set(admin.headers).expect(200)).text;
    expect(section(html, 'timings-study')).toContain('0 studies');
  });
});
