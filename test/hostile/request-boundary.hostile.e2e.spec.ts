/**
 * Findings of the 2026-12-07 pass over the HTTP boundary (fake models), replayed over HTTP:
 *  - a field named `__proto__` (form body or query string) was dropped by the schema's copy of the
 *    object, so the closed field list never saw it: a 200 where any other unknown field is a 400;
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

});
