/**
 * Findings of the 2026-12-07 pass over the HTTP boundary (fake models), replayed over HTTP:
 *  - a field named `__proto__` (form body or query string) was dropped by the schema's copy of the
 *    object, so the closed field list never saw it: a 200 where any other unknown field is a 400;
 *    and the no-JavaScript form (POST /analyse) did not parse its query string at all;
 *  - framework refusals quoted the sender's own text: a path parameter with a bad %-escape was the
 *    error page's heading ("Failed to decode param '…'", any length, from a link), and body-parser
 *    quoted the charset and Content-Encoding it refused;
 *  - a valid 12- or 16-bit JPEG (which libvips does not read) was called "corrupt or truncated".
 */
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { PrismaService } from '../../src/prisma/prisma.service';
import { loginAs, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';
import { solidPng } from '../support/images';
import { encodeDctJpeg, phantom } from '../support/jpeg-dct-fixtures';
import { encodeLosslessJpeg } from '../support/jpeg-lossless-fixtures';

/** What a crafted link would have the page say: letters, digits and `.-+` need no escape. */
const SPOOF = 'Session-expired.Call-+1-555-0100-to-restore-access';

describe('the request boundary (2026-12-07 pass)', () => {
  let app: NestExpressApplication;
  let server: ReturnType<NestExpressApplication['getHttpServer']>;
  let user: TestSession;
  let png: Buffer;

  beforeAll(async () => {
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, RATE_LIMIT_ANALYSES_PER_MINUTE: '1000', RATE_LIMIT_REQUESTS_PER_MINUTE: '100000' }));
    server = app.getHttpServer();
    user = await loginAs(app);
    png = await solidPng(96, 96, 200);
  });
  afterAll(async () => {
    await app?.close();
  });

  const rows = () => app.get(PrismaService).analysis.count({ where: { userId: user.user.id } });

  it('a `__proto__` field, in the form body or the query string, is an unexpected field like any other: 400, nothing analysed', async () => {
    const before = await rows();
    const inBody = await request(server).post('/api/v1/analyses').set(user.bearer).field('__proto__', 'x').attach('image', png, 'a.png');
    const inQuery = await request(server).post('/api/v1/analyses?__proto__=x').set(user.bearer).attach('image', png, 'a.png');
    const study = await request(server).post('/api/v1/studies?__proto__=x').set(user.bearer).attach('files', png, 'a.dcm');
    for (const res of [inBody, inQuery, study]) {
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/unexpected field/) });
    }
    expect(await rows()).toBe(before);
    // the ordinary request still answers
    expect((await request(server).post('/api/v1/analyses').set(user.bearer).attach('image', png, 'a.png')).status).toBe(200);
  });

  it('explain in the body and the query string with different values: 400, not the body\'s value unsaid (as POST /api/v1/reports does for analysisId)', async () => {
    const before = await rows();
    const both = await request(server).post('/api/v1/analyses?explain=false').set(user.bearer).field('explain', 'true').attach('image', png, 'a.png');
    expect(both.body).toEqual({ statusCode: 400, code: 'BAD_REQUEST', message: 'explain is given twice, with different values (request body and query string); send one.' });
    expect(await rows()).toBe(before);
    // the same value in both places says one thing
    const same = await request(server).post('/api/v1/analyses?explain=0').set(user.bearer).field('explain', 'false').attach('image', png, 'a.png');
    expect(same.status).toBe(200);
  });

  it('the form without JavaScript takes its fields in the body only: a query field is a 400 page, not ignored (the API refuses it too)', async () => {
    const before = await rows();
    for (const query of ['threshold=0.99', 'explain=maybe', '__proto__=x']) {
      const res = await request(server).post(`/analyse?${query}`).set('Cookie', user.cookie).set('Accept', 'text/html').field('_csrf', user.csrfToken).attach('image', png, 'a.png');
      expect([query, res.status]).toEqual([query, 400]);
      expect(res.text).toMatch(/Invalid query string: unexpected field/);
    }
    expect(await rows()).toBe(before);
    const plain = await request(server).post('/analyse').set('Cookie', user.cookie).set('Accept', 'text/html').field('_csrf', user.csrfToken).attach('image', png, 'a.png');
    expect(plain.status).toBe(200);
  });

  it('a path parameter with a bad %-escape: 400 that does not quote the path, on the page and in the API', async () => {
    for (const path of [`/history/${SPOOF}%`, `/models/${SPOOF}%ZZ`, `/samples/${'x'.repeat(6000)}%`, `/api/v1/history/${SPOOF}%`]) {
      const page = await request(server).get(path).set(user.headers).set('Accept', 'text/html');
      const api = await request(server).get(path).set(user.bearer).set('Accept', 'application/json');
      for (const res of [page, api]) {
        expect([path.slice(0, 30), res.status]).toEqual([path.slice(0, 30), 400]);
        expect(res.text).not.toMatch(/Session-expired|x{41}|decode param/);
      }
      expect(api.body).toEqual({ statusCode: 400, code: 'BAD_REQUEST', message: 'The address is malformed: a "%" in it is not followed by two hexadecimal digits.' });
    }
  });

  it('a charset or Content-Encoding the body parser refuses: 415 that does not quote it', async () => {
    const charset = await request(server).post('/api/v1/auth/token').set('Content-Type', `application/json; charset=${SPOOF}`).send('{}');
    expect(charset.body).toEqual({ statusCode: 415, code: 'UNSUPPORTED_TYPE', message: 'The request body\'s charset is not supported: send it as UTF-8.' });
    const form = await request(server).post('/login').set('Accept', 'text/html').set('Content-Type', `application/x-www-form-urlencoded; charset=${SPOOF}`).send('a=1');
    expect(form.status).toBe(415);
    expect(form.text).not.toMatch(/session-expired/i);
    const encoding = await request(server).post('/api/v1/auth/token').set('Content-Type', 'application/json').set('Content-Encoding', SPOOF).send('{}');
    expect(encoding.body).toEqual({ statusCode: 415, code: 'UNSUPPORTED_TYPE', message: 'The request body\'s Content-Encoding is not supported: send it uncompressed, or as gzip, deflate or br.' });
  });

  it('a 12- or 16-bit JPEG, which the decoder does not read: 415 that says so, recorded as a file refusal; the 8-bit one is analysed', async () => {
    const w = 96;
    const cases: [string, Uint8Array][] = [
      ['12-bit', encodeDctJpeg(phantom(w, w, 12), { width: w, height: w, precision: 12 }).stream],
      ['12-bit', encodeLosslessJpeg(phantom(w, w, 12), { width: w, height: w, precision: 12 })],
      ['16-bit', encodeLosslessJpeg(phantom(w, w, 16), { width: w, height: w, precision: 16 })],
    ];
    for (const [bits, bytes] of cases) {
      const res = await request(server).post('/api/v1/analyses').set(user.bearer).attach('image', Buffer.from(bytes), 'scan.jpg');
      expect(res.body).toEqual({
        statusCode: 415,
        code: 'UNSUPPORTED_TYPE',
        message: `${bits} JPEG: only 8-bit JPEGs are read; save it as a 16-bit PNG (or an 8-bit JPEG).`,
      });
      const [row] = await app.get(PrismaService).analysis.findMany({ where: { userId: user.user.id }, orderBy: { createdAt: 'desc' }, take: 1 });
      expect(row).toMatchObject({ status: 'rejected', stage: 'file', code: 'UNSUPPORTED_TYPE' });
    }
    for (const bytes of [encodeDctJpeg(phantom(w, w, 8), { width: w, height: w, precision: 8 }).stream, encodeLosslessJpeg(phantom(w, w, 8), { width: w, height: w, precision: 8 })]) {
      expect((await request(server).post('/api/v1/analyses').set(user.bearer).attach('image', Buffer.from(bytes), 'scan.jpg')).status).toBe(200);
    }
  });
});
