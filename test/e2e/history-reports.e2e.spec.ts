import Database from 'better-sqlite3';
import request from 'supertest';
import sharp from 'sharp';
import { parseCsv } from '../../src/common/csv';
import { DISCLAIMER, EXPERIMENTAL_NOTICE } from '../../src/common/disclaimer';
import { AppConfig } from '../../src/config/config.service';
import * as imageDecoder from '../../src/inference/image-decoder';
import * as reportPdf from '../../src/reports/report-pdf';
import { PrismaService } from '../../src/prisma/prisma.service';
import { TestSession } from '../helpers/auth';
import { binary, pdfFlatText } from '../helpers/pdf-text';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import { cardCaveat } from '../support/cards';
import { solidJpeg, solidPng, TEXT_AS_JPG } from '../support/images';

const imageCount = (pdf: Buffer) => (pdf.toString('latin1').match(/\/Subtype\s*\/Image/g) ?? []).length;

describe('history (metadata only), IDOR, admin views, CSV, PDF reports', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, RATE_LIMIT_ANALYSES_PER_MINUTE: '1000' }, sessions: { alice: {}, bob: {}, admin: { role: 'admin' } } });
  const { alice, bob, admin } = h.sessions;
  let white: Buffer;
  const analyse = (s: TestSession, bytes: Buffer, name = 'patient-john-doe.png') =>
    request(h.server).post('/api/v1/analyses').set(s.bearer).attach('image', bytes, name);

  beforeAll(async () => {
    white = await solidPng(300, 300, 255);
    // alice: completed, rejected (not MRI), inconclusive (knee), file error
    await analyse(alice, white).expect(200);
    await analyse(alice, await solidJpeg(128, 128, 0), 'a.jpg').expect(200);
    await analyse(alice, await solidPng(128, 128, 128)).expect(200);
    await analyse(alice, TEXT_AS_JPG, 'patient-john-doe.jpg').expect(415);
    // bob: one completed, one unsupported body part
    await analyse(bob, await solidPng(200, 200, 255)).expect(200);
    await analyse(bob, await solidPng(128, 128, 64)).expect(200);
  });

  it('writes one metadata row per analysis, file errors included; no column can hold image bytes', async () => {
    const rows = await h.get(PrismaService).analysis.findMany({ orderBy: { createdAt: 'asc' } });
    expect(rows.map((r) => [r.status, r.stage, r.code])).toEqual([
      ['completed', 'diagnosis', null],
      ['rejected', 'modality', 'NOT_MRI'],
      ['inconclusive', 'diagnosis', 'NO_VALIDATED_MODEL'],
      ['rejected', 'file', 'UNSUPPORTED_TYPE'],
      ['completed', 'diagnosis', null],
      ['rejected', 'anatomy', 'UNSUPPORTED_BODY_PART'],
    ]);
    expect(rows[0]).toMatchObject({ userId: alice.user.id, fileType: 'png', width: 300, height: 300, byteSize: white.length, anatomy: 'brain', task: 'brain_tumor', label: 'glioma' });
    expect(rows[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(rows[0].probabilitiesJson!)).toHaveProperty('glioma');
    expect(JSON.parse(rows[0].modelVersionsJson!)).toEqual({ triage: '0.0.0-fake', brain_tumor: '0.0.0-fake' });
    expect(JSON.parse(rows[0].timingsJson!)).toHaveProperty('total');

    // the raw table: no BLOB columns, every cell short, no file name, no base64/PNG/JPEG data
    const db = new Database(h.get(AppConfig).databaseFile, { readonly: true });
    try {
      const cols = db.prepare('PRAGMA table_info("Analysis")').all() as { name: string; type: string }[];
      expect(cols.map((c) => c.type.toUpperCase())).not.toContain('BLOB');
      expect(cols.map((c) => c.name)).not.toEqual(expect.arrayContaining(['fileName', 'filename', 'image', 'thumbnail', 'heatmap']));
      const raw = db.prepare('SELECT * FROM "Analysis"').all() as Record<string, unknown>[];
      for (const row of raw) {
        for (const [k, v] of Object.entries(row)) {
          expect(Buffer.isBuffer(v)).toBe(false);
          const s = String(v ?? '');
          expect({ k, long: s.length > 600 }).toEqual({ k, long: false });
          expect(s).not.toMatch(/john-doe|base64|iVBORw0KGgo|\/9j\//);
        }
      }
    } finally {
      db.close();
    }
  });

  it('users list only their own records, newest first, with pagination', async () => {
    const res = await request(h.server).get('/api/v1/history').set(alice.bearer).expect(200);
    expect(res.body.total).toBe(4);
    expect(res.body.disclaimer).toMatch(/not for clinical use/i); // history holds answers too
    expect(res.body.items.every((i: { userId: string }) => i.userId === alice.user.id)).toBe(true);
    expect(res.body.items[0].code).toBe('UNSUPPORTED_TYPE');
    const p2 = await request(h.server).get('/api/v1/history?pageSize=3&page=2').set(alice.bearer).expect(200);
    expect(p2.body).toMatchObject({ total: 4, page: 2, pageSize: 3, pages: 2 });
    expect(p2.body.items).toHaveLength(1);
    // a user's "user" filter naming someone else is refused by name (403), no longer ignored: the
    // 200 with alice's own rows it gave could be taken by a script for bob's (README: never a silent
    // substitute) — on the list, the summary and the page; her own email answers as before
    const bobQ = `user=${encodeURIComponent(bob.user.email)}`;
    for (const path of [`/api/v1/history?${bobQ}`, `/api/v1/history/summary?${bobQ}`]) {
      const sneaky = await request(h.server).get(path).set(alice.bearer).expect(403);
      expect(sneaky.body).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('"user"') });
    }
    const sneakyPage = await request(h.server).get(`/history?${bobQ}`).set(alice.headers).set('Accept', 'text/html').expect(403);
    expect(sneakyPage.text).toContain('id="filter-error"');
    expect(sneakyPage.text).not.toContain(bob.user.email);
    const own = await request(h.server).get(`/api/v1/history?user=${encodeURIComponent(alice.user.email.toUpperCase())}`).set(alice.bearer).expect(200);
    expect(own.body.total).toBe(4);
    const page = await request(h.server).get('/history').set(alice.headers).set('Accept', 'text/html').expect(200);
    expect(page.text).toContain('Your analyses');
    expect(page.text).not.toContain(bob.user.email);
    expect(page.text).not.toContain('Export CSV');
  });

  it("user A cannot view or download user B's records, by API, page or PDF (404), nor export (403)", async () => {
    const bobs = (await request(h.server).get('/api/v1/history').set(bob.bearer).expect(200)).body.items as { id: string }[];
    expect(bobs).toHaveLength(2);
    for (const { id } of bobs) {
      await request(h.server).get(`/api/v1/history/${id}`).set(alice.bearer).expect(404);
      await request(h.server).get(`/history/${id}`).set(alice.headers).set('Accept', 'text/html').expect(404);
      await request(h.server).get(`/history/${id}/report.pdf`).set(alice.headers).expect(404);
      await request(h.server).get(`/api/v1/history/${id}/report.pdf`).set(alice.bearer).expect(404);
      // the owner can, with the disclaimer
      const own = await request(h.server).get(`/api/v1/history/${id}`).set(bob.bearer).expect(200);
      expect(own.body).toMatchObject({ id, disclaimer: expect.stringMatching(/not for clinical use/i) });
    }
    await request(h.server).get('/api/v1/history/not-a-real-id').set(alice.bearer).expect(404);
    await request(h.server).get('/api/v1/history/export.csv').set(alice.bearer).expect(403);
    await request(h.server).get('/history/export.csv').set(alice.headers).expect(403);
    // bob cannot get a full PDF by re-sending alice's image either (not in his history)
    await request(h.server).post('/api/v1/reports').set(bob.bearer).attach('image', white, 'x.png').expect(404);
  });

  it('admins see everyone, filter by date, user, status, body part and label, and get a summary', async () => {
    const all = await request(h.server).get('/api/v1/history').set(admin.bearer).expect(200);
    expect(all.body.total).toBe(6);
    const q = async (query: string) => (await request(h.server).get(`/api/v1/history?${query}`).set(admin.bearer).expect(200)).body.total;
    expect(await q(`user=${encodeURIComponent(bob.user.email)}`)).toBe(2);
    expect(await q('user=nobody%40example.test')).toBe(0);
    expect(await q('status=rejected')).toBe(3);
    expect(await q('bodyPart=brain')).toBe(2);
    expect(await q('label=glioma')).toBe(2);
    expect(await q(`status=completed&user=${encodeURIComponent(alice.user.email)}`)).toBe(1);
    const today = new Date().toISOString().slice(0, 10);
    expect(await q(`from=${today}&to=${today}`)).toBe(6);
    expect(await q('to=2000-01-01')).toBe(0);
    await request(h.server).get('/api/v1/history?status=exploded').set(admin.bearer).expect(400);
    await request(h.server).get('/api/v1/history?from=yesterday').set(admin.bearer).expect(400);
    // a parameter the filters do not know (a typo, PHP-style brackets) is a 400, not every row unfiltered
    for (const path of ['/api/v1/history?bodypart=knee', '/api/v1/history?status[]=rejected', '/api/v1/history/summary?lable=glioma', '/api/v1/history/export.csv?Status=rejected']) {
      const res = await request(h.server).get(path).set(admin.bearer).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST', message: expect.stringContaining('Invalid query string') });
    }
    await request(h.server).get('/history?bodypart=knee').set(admin.headers).set('Accept', 'text/html').expect(400);

    const s = (await request(h.server).get('/api/v1/history/summary').set(admin.bearer).expect(200)).body;
    expect(s.disclaimer).toMatch(/not for clinical use/i);
    expect(s.total).toBe(6);
    expect(s.byStatus).toEqual(expect.arrayContaining([{ key: 'completed', count: 2 }, { key: 'rejected', count: 3 }, { key: 'inconclusive', count: 1 }]));
    expect(s.byBodyPart).toEqual(expect.arrayContaining([{ key: 'brain', count: 2 }, { key: 'knee', count: 1 }]));
    expect(s.byLabel).toEqual([{ key: 'glioma', count: 2 }]);
    expect(s.reasons).toEqual(expect.arrayContaining([{ key: 'rejected: UNSUPPORTED_TYPE', count: 1 }, { key: 'rejected: NOT_MRI', count: 1 }]));
    expect(typeof s.medianTimingsMs.total).toBe('number');

    // the reasons follow the Status filter like every other count: "rejected" listed the
    // inconclusive reason too, "completed" every refusal
    const summary = async (query: string) => (await request(h.server).get(`/api/v1/history/summary?${query}`).set(admin.bearer).expect(200)).body;
    const rejected = await summary('status=rejected');
    expect(rejected.total).toBe(3);
    expect(rejected.reasons.map((r: { key: string }) => r.key).sort()).toEqual(['rejected: NOT_MRI', 'rejected: UNSUPPORTED_BODY_PART', 'rejected: UNSUPPORTED_TYPE']);
    expect(rejected.reasons.reduce((n: number, r: { count: number }) => n + r.count, 0)).toBe(3);
    expect((await summary('status=completed')).reasons).toEqual([]);
    expect((await summary('status=inconclusive')).reasons).toEqual([{ key: 'inconclusive: NO_VALIDATED_MODEL', count: 1 }]);

    const page = await request(h.server).get('/history?status=completed').set(admin.headers).set('Accept', 'text/html').expect(200);
    expect(page.text).toContain(alice.user.email);
    expect(page.text).toContain(bob.user.email);
    expect(page.text).toContain('Export CSV');
  });

  it('admin CSV export follows the filters and defuses formula injection', async () => {
    // a label that a spreadsheet would evaluate (labels come from model cards, but never trust a cell)
    const prisma = h.get(PrismaService);
    const evil = await prisma.analysis.create({ data: { userId: bob.user.id, byteSize: 1, sha256: 'f'.repeat(64), status: 'completed', label: '=HYPERLINK("http://x","y")', anatomy: 'brain' } });
    const res = await request(h.server).get(`/api/v1/history/export.csv?user=${encodeURIComponent(bob.user.email)}`).set(admin.bearer).expect(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/attachment/);
    const lines = res.text.trim().split('\r\n');
    expect(lines[0]).toMatch(/^id,createdAt,user,status/);
    expect(lines).toHaveLength(1 + 3);
    const evilLine = lines.find((l) => l.startsWith(evil.id))!;
    expect(evilLine).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(res.text).not.toMatch(/,=/);
    const page = await request(h.server).get('/history/export.csv?status=completed').set(admin.headers).expect(200);
    expect(page.text.trim().split('\r\n')).toHaveLength(1 + 3);
    await prisma.analysis.delete({ where: { id: evil.id } });
  });

  it('the CSV export carries the "not for clinical use" disclaimer on every row and stays a valid CSV', async () => {
    for (const url of ['/api/v1/history/export.csv', '/history/export.csv']) {
      const res = await request(h.server).get(url).set(url.startsWith('/api') ? admin.bearer : admin.headers).expect(200);
      expect(res.headers['x-disclaimer']).toMatch(/^Research use only - not for clinical use\./);
      // a plain RFC 4180 file: one header line, every row as wide as it, the disclaimer last
      const rows = parseCsv(res.text);
      expect(rows).toHaveLength(6);
      const header = res.text.split('\r\n')[0].split(',');
      expect(header[0]).toBe('id');
      expect(header[header.length - 1]).toBe('disclaimer');
      for (const row of rows) {
        expect(Object.keys(row)).toEqual(header);
        expect(row.disclaimer).toBe(DISCLAIMER.replace(' — ', ' - '));
        expect(row.disclaimer).toMatch(/not for clinical use/);
      }
      expect(res.text).toMatch(/^[\x00-\x7f]*$/); // ASCII: Excel opens a CSV without a BOM as Windows-1252
    }
    // no row at all: the header still says it
    const none = await request(h.server).get('/api/v1/history/export.csv?from=2001-01-01&to=2001-01-02').set(admin.bearer).expect(200);
    expect(parseCsv(none.text)).toEqual([]);
    expect(none.headers['x-disclaimer']).toMatch(/not for clinical use/);
  });

  it('full PDF right after an analysis: re-sent image, sha256-checked, re-run in memory, not re-recorded', async () => {
    const before = await h.get(PrismaService).analysis.count();
    const res = await request(h.server).post('/api/v1/reports').set(alice.headers).attach('image', white, 'x.png').buffer(true).parse(binary).expect(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="mri-sentinel-\d{4}-\d{2}-\d{2}-glioma\.pdf"/);
    const pdf = res.body as Buffer;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfFlatText(pdf);
    expect(text).toContain('Label: Glioma');
    expect(text).toContain('Research use only — not for clinical use');
    expect(text).toContain('not a medical device');
    expect(text).toMatch(/Class Probability Glioma [\d.]+ % Meningioma [\d.]+ % No tumour [\d.]+ % Pituitary [\d.]+ %/);
    expect(text).not.toMatch(/notumor|brain_tumor:/); // words for people, not model keys
    expect(text).toContain('Deciding stage: diagnosis');
    // the card's caveat for the label, and the experimental notice, stand beside the answer
    expect(text).toContain(`% ${cardCaveat(FAKE_MODELS_DIR, 'brain_tumor', 'glioma')} Experimental model`);
    expect(text).toMatch(/Calibrated confidence: [^A-Z]*% Fake caveat[^]*Experimental model — not validated on images from other hospitals/);
    expect(text).toContain(EXPERIMENTAL_NOTICE);
    expect(text).toContain('Triage: MRI or not, and which body part — version 0.0.0-fake');
    expect(text).toContain('Brain MRI diagnosis (brain tumour model) — version 0.0.0-fake');
    expect(text).toMatch(/Training source Images Licence synthetic/);
    expect(text).toMatch(/Timings decode [\d.]+ ms/);
    expect(text).not.toContain('contains no image');
    expect(imageCount(pdf)).toBeGreaterThanOrEqual(2); // the image and the heat map
    // each model card is a clickable link (a URI annotation) on the request's own origin
    const links = [...pdf.toString('latin1').matchAll(/\/URI \(([^)]*)\)/g)].map((m) => m[1]);
    expect(links).toEqual(expect.arrayContaining([expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/models\/triage$/), expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/models\/brain_tumor$/)]));
    expect(text).toMatch(/Model card: http:\/\/127\.0\.0\.1:\d+\/models\/brain_tumor/);
    expect(await h.get(PrismaService).analysis.count()).toBe(before);
  });

  it('full PDF of a refusal: the image, the reason and the deciding stage, no heat map', async () => {
    const black = await solidJpeg(128, 128, 0);
    const res = await request(h.server).post('/api/v1/reports').set(alice.bearer).attach('image', black, 'a.jpg').buffer(true).parse(binary).expect(200);
    const text = pdfFlatText(res.body as Buffer);
    expect(text).toContain('Status: rejected');
    expect(text).toContain('Deciding stage: MRI check — Not an MRI image (NOT_MRI)');
    expect(text).toMatch(/The triage model says this is not an MRI image \((> 99\.9|\d+\.\d) %\), so it was not analysed\./);
    expect(text).toMatch(/Not an MRI (> 99\.9|\d+\.\d) %/);
    expect(imageCount(res.body as Buffer)).toBe(1);
    expect(text).not.toContain(EXPERIMENTAL_NOTICE); // a refusal by triage is no model's answer
  });

  it('full PDF of a large 16-bit grey PNG: its figure is made off the event loop (no pass over its pixels on the main thread)', async () => {
    const raw = new Uint16Array(1200 * 1000);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919) % 1021; // 10-bit values: an 8-bit cast would be black
    const png = await sharp(raw, { raw: { width: 1200, height: 1000, channels: 1 } }).toColourspace('grey16').png({ compressionLevel: 1 }).toBuffer();
    await analyse(bob, png, 'scan16.png').expect(200);
    const onMainThread = jest.spyOn(imageDecoder, 'decodePixels');
    const res = await request(h.server).post('/api/v1/reports').set(bob.bearer).attach('image', png, 'scan16.png').buffer(true).parse(binary).expect(200);
    const calls = onMainThread.mock.calls.length;
    onMainThread.mockRestore();
    expect(calls).toBe(0); // the analysis decodes it in a worker; so is the figure now made
    expect(imageCount(res.body as Buffer)).toBeGreaterThanOrEqual(1);
  });

  it('full PDF refuses images that are not in your history, and ids whose sha256 differs', async () => {
    await request(h.server).post('/api/v1/reports').set(alice.bearer).attach('image', await solidPng(310, 300, 255), 'new.png').expect(404);
    const items = (await request(h.server).get('/api/v1/history?status=rejected').set(alice.bearer).expect(200)).body.items as { id: string; code: string }[];
    const notMri = items.find((i) => i.code === 'NOT_MRI')!;
    const res = await request(h.server).post('/api/v1/reports').set(alice.bearer).field('analysisId', notMri.id).attach('image', white, 'x.png').expect(400);
    expect(res.body.message).toMatch(/sha256/);
    await request(h.server).post('/api/v1/reports').set(alice.bearer).expect(400);
  });

  it('each result names its history record; a report naming it with another image is refused (sha256)', async () => {
    const a = (await analyse(alice, await solidPng(200, 210, 255)).expect(200)).body as { analysisId: string };
    const b = (await analyse(alice, await solidPng(200, 220, 255)).expect(200)).body as { analysisId: string };
    expect(a.analysisId).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.analysisId).not.toBe(a.analysisId);
    const rec = (await request(h.server).get(`/api/v1/history/${a.analysisId}`).set(alice.bearer).expect(200)).body as { byteSize: number };
    expect(rec.byteSize).toBeGreaterThan(0);
    const res = await request(h.server).post('/api/v1/reports').set(alice.bearer).field('analysisId', a.analysisId).attach('image', await solidPng(200, 220, 255), 'b.png').expect(400);
    expect(res.body.message).toMatch(/sha256/);
    await request(h.server).post('/api/v1/reports').set(alice.bearer).field('analysisId', a.analysisId).attach('image', await solidPng(200, 210, 255), 'a.png').expect(200);
  });

  it('metadata-only PDF from history says it contains no image', async () => {
    const items = (await request(h.server).get('/api/v1/history?label=glioma').set(alice.bearer).expect(200)).body.items as { id: string }[];
    // the API record says what the page and the PDF say beside the answer
    const record = (await request(h.server).get(`/api/v1/history/${items[0].id}`).set(alice.bearer).expect(200)).body;
    expect(record).toMatchObject({ label: 'glioma', experimental: true, caveat: cardCaveat(FAKE_MODELS_DIR, 'brain_tumor', 'glioma') });
    const res = await request(h.server).get(`/history/${items[0].id}/report.pdf`).set(alice.headers).buffer(true).parse(binary).expect(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const pdf = res.body as Buffer;
    const text = pdfFlatText(pdf);
    expect(text).toContain('contains no image');
    expect(text).toContain('Label: Glioma');
    expect(res.headers['content-disposition']).toMatch(/filename="mri-sentinel-\d{4}-\d{2}-\d{2}-glioma-metadata\.pdf"/);
    expect(text).toContain('not for clinical use');
    expect(text).toContain(EXPERIMENTAL_NOTICE); // the stored version is the loaded (experimental) card's
    expect(text).toContain(cardCaveat(FAKE_MODELS_DIR, 'brain_tumor', 'glioma'));
    expect(imageCount(pdf)).toBe(0);
    // admin may download anyone's; the detail page links the PDF
    await request(h.server).get(`/api/v1/history/${items[0].id}/report.pdf`).set(admin.bearer).expect(200);
    const detail = await request(h.server).get(`/history/${items[0].id}`).set(alice.headers).set('Accept', 'text/html').expect(200);
    expect(detail.text).toContain(`/history/${items[0].id}/report.pdf`);
    expect(detail.text).toContain('contains no image');
    expect(detail.text).toContain(`<p class="experimental-note">${EXPERIMENTAL_NOTICE} <a href="/models/brain_tumor">Model card</a></p>`);
    expect(detail.text).toContain(`<p class="caveat-note">${cardCaveat(FAKE_MODELS_DIR, 'brain_tumor', 'glioma')}</p>`);
  });

  // a download manager or link checker asks HEAD first: GET's status and headers, without making
  // the PDF whose body HEAD never sends (it rendered the whole report and discarded it)
  it('HEAD of a report answers as GET would, without rendering, on the page and the API route', async () => {
    const items = (await request(h.server).get('/api/v1/history?label=glioma').set(alice.bearer).expect(200)).body.items as { id: string }[];
    const mine = (await request(h.server).get('/api/v1/history').set(bob.bearer).expect(200)).body.items as { id: string }[];
    const render = jest.spyOn(reportPdf, 'buildReportPdf');
    try {
      for (const [path, who] of [[`/history/${items[0].id}/report.pdf`, alice.headers], [`/api/v1/history/${items[0].id}/report.pdf`, alice.bearer]] as const) {
        const get = await request(h.server).get(path).set(who).buffer(true).parse(binary).expect(200);
        render.mockClear();
        const head = await request(h.server).head(path).set(who).expect(200);
        expect(render).not.toHaveBeenCalled();
        for (const h of ['content-type', 'content-disposition', 'cache-control']) expect([h, head.headers[h]]).toEqual([h, get.headers[h]]);
        // its length is the rendered PDF's, unknown without rendering: omitted (RFC 9110 9.3.2), never a wrong one
        expect(head.headers['content-length']).toBeUndefined();
      }
      await request(h.server).head(`/api/v1/history/${mine[0].id}/report.pdf`).set(alice.bearer).expect(404);
      await request(h.server).head(`/history/${mine[0].id}/report.pdf`).set(alice.headers).expect(404);
      await request(h.server).head('/api/v1/history/00000000-0000-4000-8000-000000000000/report.pdf').set(alice.bearer).expect(404);
      await request(h.server).head('/api/v1/history/not-a-uuid/report.pdf').set(alice.bearer).expect(404);
      expect(render).not.toHaveBeenCalled();
    } finally {
      render.mockRestore();
    }
  });

  it('the history list puts the caveat beside each answer too, and beside nothing else', async () => {
    // the list said "Glioma" / "No tumour" bare; the caveat ("does not rule out a tumour") was on the detail page only
    const html = (await request(h.server).get('/history').set(alice.headers).set('Accept', 'text/html').expect(200)).text;
    const titled = [...html.matchAll(/<span class="badge (\w+)">[^<]*<\/span> <strong>([^<]*)<\/strong>(<span class="row-caveat">([^<]*)<\/span>)?<\/td>/g)];
    const answers = titled.filter((m) => m[1] === 'completed');
    expect(answers.length).toBeGreaterThan(0);
    for (const m of answers) expect(m[4]).toBe(cardCaveat(FAKE_MODELS_DIR, 'brain_tumor', m[2].toLowerCase()));
    const others = titled.filter((m) => m[1] !== 'completed');
    expect(others.length).toBeGreaterThan(0);
    for (const m of others) expect(m[3]).toBeUndefined();
  });
});
