/**
 * A study whose DICOM header window flattened the head is windowed by the percentile window
 * instead (window-check.ts), and its live answer says so (study.windowing, headerWindowIgnored, the
 * message) — but the record kept no window: the history detail page, the CSV row and the study's
 * PDF (built from the record) could not tell which window the answer was made on, nor that the
 * header's was set aside. The record now keeps it (windowingJson); a study stored before the column
 * reads "not recorded", never "header". The fuzz pass's phantom (test/support/head-phantom.ts);
 * faked models: the window is decided before any model runs.
 */
import request from 'supertest';
import { parseCsv } from '../../src/common/csv';
import { PrismaService } from '../../src/prisma/prisma.service';
import { WINDOW_NOT_RECORDED } from '../../src/studies/window-record';
import { loginAs } from '../helpers/auth';
import { recordViews } from '../helpers/record-views';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import { PHANTOM_SLICES, phantomWithWindow } from '../support/head-phantom';
import { dicomSeries } from '../support/study-fixtures';

interface Figures {
  saturated: number;
  greyLevels: number;
  foreground: number;
  percentile: { saturated: number; greyLevels: number };
}
interface Answer {
  analysisId: string;
  message: string | null;
  study: { windowing: string; headerWindowIgnored: Figures | null };
}

describe('a study whose header window was set aside keeps it in its history record', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0', RATE_LIMIT_ANALYSES_PER_MINUTE: '1000' }, sessions: { alice: {} } });
  const { alice } = h.sessions;
  const views = recordViews(() => h.server, alice);
  const post = (files: Buffer[]) => views.postSeries<Answer>(files);
  const record = (id: string) => views.record<{ study: { windowing: string | null; headerWindowIgnored: Figures | null } }>(id);
  const { pdf, page } = views;
  const csvRows = async () => {
    const admin = await loginAs(h.app, { role: 'admin', email: `admin-${Math.random().toString(36).slice(2)}@example.test` });
    const csv = await request(h.server).get(`/api/v1/history/export.csv?user=${encodeURIComponent(alice.user.email)}`).set(admin.bearer).expect(200);
    return new Map(parseCsv(csv.text).map((r) => [r.id, r]));
  };
  // the page escapes the apostrophe of "header's"; the PDF does not
  const html = (s: string) => s.replace(/'/g, '&#x27;');

  it('centre 2, width 4: the API record, the history page, the PDF and the CSV row say the header window was set aside, with the live figures', async () => {
    const live = await post(phantomWithWindow('2', '4'));
    expect(live.study.windowing).toBe('percentile');
    const figures = live.study.headerWindowIgnored!;
    expect(figures.saturated).toBeGreaterThan(0.9);
    const note = /The DICOM header's window was not used: [^.]*\(0\.5th–99\.5th percentile\) instead\./.exec(live.message ?? '')?.[0];
    expect(note).toBeDefined();

    expect((await record(live.analysisId)).study).toMatchObject({ windowing: 'percentile', headerWindowIgnored: figures });
    expect(await page(live.analysisId)).toContain(`<dt>Window</dt><dd>${html(note!)}</dd>`);
    expect(await pdf(live.analysisId)).toContain(`Window: ${note}`);
    const row = (await csvRows()).get(live.analysisId);
    expect(row).toMatchObject({ windowing: 'percentile' });
    expect(JSON.parse(row!.headerWindowIgnored)).toEqual(figures);
  });

  it('the header window kept: "header" everywhere, nothing set aside', async () => {
    const live = await post(dicomSeries(PHANTOM_SLICES)); // centre 128, width 256: the phantom as drawn
    expect(live.study).toMatchObject({ windowing: 'header', headerWindowIgnored: null });
    expect((await record(live.analysisId)).study).toMatchObject({ windowing: 'header', headerWindowIgnored: null });
    expect(await page(live.analysisId)).toContain(`<dt>Window</dt><dd>${html("the DICOM header's window")}`);
    const text = await pdf(live.analysisId);
    expect(text).toContain("Window: the DICOM header's window");
    expect(text).not.toContain('was not used');
    expect((await csvRows()).get(live.analysisId)).toMatchObject({ windowing: 'header', headerWindowIgnored: '' });
  });

  it('a study stored before the column (NULL) says "not recorded" everywhere, never "header"', async () => {
    const old = await h.get(PrismaService).analysis.create({
      data: { userId: alice.user.id, byteSize: 1, sha256: 'd'.repeat(64), status: 'completed', stage: 'diagnosis', anatomy: 'brain', task: 'brain_tumor', label: 'glioma', confidence: 0.95, kind: 'study', modality: 'MR', sliceCount: 8, usableSlices: 8 },
    });
    expect((await record(old.id)).study).toMatchObject({ windowing: null, headerWindowIgnored: null });
    expect(await page(old.id)).toContain(`<dt>Window</dt><dd>${WINDOW_NOT_RECORDED}</dd>`);
    const text = await pdf(old.id);
    expect(text).toContain(`Window: ${WINDOW_NOT_RECORDED}`);
    expect(text).not.toContain("header's window");
    expect((await csvRows()).get(old.id)).toMatchObject({ windowing: '', headerWindowIgnored: '' });
  });
});
