/**
 * The admin CSV export of a large history: read from the database in bounded batches and streamed
 * (it was one findMany of every row, mapped, then one string of the whole file, all in memory at
 * once), in the order of the paged API — ties on createdAt included — with every formula-looking
 * or quoting-sensitive cell defused. Bad filters are named 400s on both surfaces, never a 500.
 */
import request from 'supertest';
import { parseCsv } from '../../src/common/csv';
import { EXPORT_BATCH } from '../../src/history/history.service';
import { PrismaService } from '../../src/prisma/prisma.service';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';

const ROWS = 2 * EXPORT_BATCH + 234;
/** labels a spreadsheet would evaluate, or that need quoting */
const HOSTILE = ['=1+1', '+SUM(A1:A9)', '-2+3', '@cmd', '\tTAB', '\rCR', 'a,b', 'say "hi"', 'two\nlines'];

describe('admin CSV export of a large history', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0' }, sessions: { admin: { role: 'admin' }, alice: {} } });
  const { admin, alice } = h.sessions;

  beforeAll(async () => {
    // 7 rows share each timestamp, so ties straddle every batch boundary
    const t0 = Date.UTC(2026, 0, 1);
    await h.get(PrismaService).analysis.createMany({
      data: Array.from({ length: ROWS }, (_, i) => ({
        userId: i % 2 ? alice.user.id : admin.user.id,
        createdAt: new Date(t0 + Math.floor(i / 7) * 1000),
        byteSize: i,
        sha256: i.toString(16).padStart(64, '0'),
        status: 'completed',
        stage: 'diagnosis',
        anatomy: 'brain',
        label: i < HOSTILE.length ? HOSTILE[i] : 'glioma',
        // the first rows are studies whose (scrubbed) series description is hostile too
        ...(i < HOSTILE.length ? { kind: 'study', modality: 'MR', seriesDescription: HOSTILE[i], sliceCount: 10, usableSlices: 7 } : {}),
        // one 4-D NIfTI (migration 20261208120000_nifti_volumes): 300 volumes, the first analysed
        ...(i === 1 ? { modality: null, niftiVolumes: 300 } : {}),
      })),
    });
  });

  it('reads at most one batch per query, streams the file, and lists every row once, in the API order', async () => {
    const prisma = h.get(PrismaService);
    const findMany = jest.spyOn(prisma.analysis, 'findMany');
    const res = await request(h.server).get('/api/v1/history/export.csv').set(admin.bearer).expect(200);
    const takes = findMany.mock.calls.map(([args]) => args?.take);
    findMany.mockRestore();
    expect(takes.length).toBeGreaterThanOrEqual(3);
    expect(takes.every((t) => typeof t === 'number' && t <= EXPORT_BATCH)).toBe(true);
    expect(res.headers['content-length']).toBeUndefined(); // streamed, not one buffer
    expect(res.headers['content-type']).toMatch(/^text\/csv/);

    const rows = parseCsv(res.text);
    expect(rows).toHaveLength(ROWS);
    expect(new Set(rows.map((r) => r.id)).size).toBe(ROWS);
    // the same order as the paged API, page after page (pageSize 100 crosses ties too)
    const paged: string[] = [];
    for (let page = 1; paged.length < ROWS; page++) {
      const body = (await request(h.server).get(`/api/v1/history?pageSize=100&page=${page}`).set(admin.bearer).expect(200)).body as { total: number; items: { id: string }[] };
      expect(body.total).toBe(ROWS);
      expect(body.items.length).toBeGreaterThan(0);
      paged.push(...body.items.map((i) => i.id));
    }
    expect(rows.map((r) => r.id)).toEqual(paged);
  });

  // a download manager or link checker asks HEAD first: it gets GET's status and headers, and the
  // history is not read to the end for a body that is never sent (it read all 3 batches)
  it('HEAD answers as GET would, reading one batch at most, on the API and the page route', async () => {
    const prisma = h.get(PrismaService);
    const findMany = jest.spyOn(prisma.analysis, 'findMany');
    try {
      for (const [path, who] of [['/api/v1/history/export.csv', admin.bearer], ['/history/export.csv', admin.headers]] as const) {
        findMany.mockClear();
        const head = await request(h.server).head(path).set(who).expect(200);
        expect(findMany.mock.calls.length).toBeLessThanOrEqual(1);
        expect(head.headers['content-type']).toMatch(/^text\/csv/);
        expect(head.headers['content-disposition']).toMatch(/^attachment; filename="mri-sentinel-history-/);
        expect(head.headers['x-disclaimer']).toBeTruthy();
      }
    } finally {
      findMany.mockRestore();
    }
    await request(h.server).head('/api/v1/history/export.csv?status=bad').set(admin.bearer).expect(400);
    await request(h.server).head('/api/v1/history/export.csv').set(alice.bearer).expect(403);
  });

  it('a database failure after the first rows cuts the transfer short: never a file that looks whole', async () => {
    const prisma = h.get(PrismaService);
    const real = prisma.analysis.findMany.bind(prisma.analysis);
    let calls = 0;
    const findMany = jest.spyOn(prisma.analysis, 'findMany').mockImplementation(((args: Parameters<typeof real>[0]) => {
      calls += 1;
      return calls === 2 ? Promise.reject(new Error('disk I/O error')) : real(args);
    }) as unknown as typeof real);
    try {
      const outcome = await request(h.server).get('/api/v1/history/export.csv').set(admin.bearer).then(
        (res) => `complete ${res.status}`,
        (err: Error) => `cut: ${err.message}`,
      );
      expect(outcome).toMatch(/^cut: /);
    } finally {
      findMany.mockRestore();
    }
  });

  it('defuses formula cells and quotes commas, quotes and line breaks', async () => {
    const res = await request(h.server).get('/api/v1/history/export.csv?from=2026-01-01&to=2026-01-01').set(admin.bearer).expect(200);
    const rows = parseCsv(res.text);
    for (const column of ['label', 'seriesDescription']) {
      const cells = new Set(rows.map((r) => r[column]));
      for (const v of ['=1+1', '+SUM(A1:A9)', '-2+3', '@cmd', '\tTAB', '\rCR']) expect(cells).toContain(`'${v}`);
      for (const v of ['a,b', 'say "hi"', 'two\nlines']) expect(cells).toContain(v);
    }
    expect(res.text).toContain('"say ""hi"""');
  });

  it('study columns (then the refusal\'s cause, the latest) come after the earlier ones (which keep their places), the disclaimer still last', async () => {
    const res = await request(h.server).get('/api/v1/history/export.csv?from=2026-01-01&to=2026-01-01').set(admin.bearer).expect(200);
    expect(res.text.split('\r\n')[0].split(',')).toEqual([
      'id', 'createdAt', 'user', 'status', 'stage', 'code', 'fileType', 'byteSize', 'width', 'height', 'sha256',
      'bodyPart', 'bodyPartConfidence', 'isMri', 'mriConfidence', 'task', 'label', 'confidence',
      'probabilities', 'modelVersions', 'timingsMs',
      'thresholds', 'kind', 'modality', 'seriesDescription', 'slicesAnalysed', 'slicesUsed', 'slicesNotUsed',
      'studyAgreement', 'studyMinUsableSlices', 'studyPairWithin', 'missingSlices', 'niftiVolumes', 'windowing', 'headerWindowIgnored',
      'refusalCause', 'refusalFigures', 'reason',
      'disclaimer',
    ]);
    const rows = parseCsv(res.text);
    const study = rows.find((r) => r.seriesDescription === 'a,b');
    expect(study).toMatchObject({ kind: 'study', modality: 'MR', slicesAnalysed: '10', slicesUsed: '7', slicesNotUsed: '3' });
    const image = rows.find((r) => r.label === 'glioma');
    expect(image).toMatchObject({ kind: 'image', modality: '', seriesDescription: '', slicesAnalysed: '', slicesUsed: '', slicesNotUsed: '' });
    // rows written without a threshold (as before the column): an empty cell, "not recorded"
    expect(rows.every((r) => r.thresholds === '')).toBe(true);
    // the NIfTI's volumes beside its row; empty for an image, a DICOM series, and a row stored without them
    const nifti = '1'.padStart(64, '0'); // row 1's sha256
    expect(rows.find((r) => r.sha256 === nifti)).toMatchObject({ kind: 'study', modality: '', niftiVolumes: '300' });
    expect(rows.filter((r) => r.niftiVolumes !== '').map((r) => r.sha256)).toEqual([nifti]);
    expect(image?.niftiVolumes).toBe('');
    // rows stored without a window (as before the column): empty, never "header" (study-window-record.e2e: a recorded one)
    expect(rows.every((r) => r.windowing === '' && r.headerWindowIgnored === '')).toBe(true);
    // nor a study rule (study-rule-record.e2e: a recorded one): empty, never today's settings
    expect(rows.every((r) => r.studyAgreement === '' && r.studyMinUsableSlices === '')).toBe(true);
  });

  it('a filter that matches nothing still gives the header line', async () => {
    const res = await request(h.server).get('/history/export.csv?from=2001-01-01&to=2001-01-01').set(admin.headers).expect(200);
    expect(res.text).toMatch(/^id,createdAt,user,[^\n]*disclaimer\r\n$/);
  });

  it('bad dates, reversed ranges and out-of-range paging are named 400s on the list and the export', async () => {
    for (const q of ['from=2025-02-31', 'to=2025-13-01', 'from=2026-02-01&to=2026-01-01', 'pageSize=1000', 'page=0', 'page=abc']) {
      const list = await request(h.server).get(`/api/v1/history?${q}`).set(admin.bearer);
      expect({ q, status: list.status, code: list.body.code }).toEqual({ q, status: 400, code: 'BAD_REQUEST' });
      if (q.startsWith('page')) continue; // the export has no pages
      const csv = await request(h.server).get(`/api/v1/history/export.csv?${q}`).set(admin.bearer);
      expect({ q, status: csv.status, code: csv.body.code }).toEqual({ q, status: 400, code: 'BAD_REQUEST' });
    }
  });
});
