/**
 * Slow image uploads from one account (2026-12-06 review). The analyses limit counts requests per
 * minute and an upload may take the server's request timeout (300 s) to arrive, so one account
 * could hold ~100 unfinished 5 MB bodies in memory: reproduced on the production build, 19 stalled
 * 4.9 MB uploads of one account took the process from 501 to 583 MB RSS, every one accepted.
 * Now an account's image uploads still being received hold at most four uploads' worth
 * (analyses and reports together); the next one is a 503, and the bytes come back as each ends.
 */
import { NestExpressApplication } from '@nestjs/platform-express';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { loginAs, TestSession } from '../helpers/auth';
import { eventually } from '../helpers/eventually';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';
import { solidPng } from '../support/images';

const MAX_UPLOAD = 100_000;

describe('slow image uploads: one account holds at most four uploads\' worth while they arrive', () => {
  let app: NestExpressApplication;
  let port: number;
  let user: TestSession;
  let other: TestSession;

  beforeAll(async () => {
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, MAX_UPLOAD_BYTES: String(MAX_UPLOAD), RATE_LIMIT_ANALYSES_PER_MINUTE: '1000' }));
    const srv = app.getHttpServer() as http.Server;
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
    port = (srv.address() as AddressInfo).port;
    user = await loginAs(app);
    other = await loginAs(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  /** An upload that sends `bytes` of its image and then stalls, as a slow or hostile client does. */
  function stalled(path: string, bytes: number): http.ClientRequest {
    const req = http.request({ port, method: 'POST', path, headers: { ...user.bearer, 'Content-Type': 'multipart/form-data; boundary=zz', 'Content-Length': String(MAX_UPLOAD) } });
    req.on('error', () => undefined);
    req.write('--zz\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n');
    req.write(Buffer.alloc(bytes, 1));
    return req;
  }

  it('the next upload of that account is a 503 (analyses and reports alike); another account is not held up; the bytes come back', async () => {
    const png = await solidPng(128, 128, 90);
    const server = app.getHttpServer();
    const slow = [stalled('/api/v1/analyses', 90_000), stalled('/api/v1/analyses', 90_000), stalled('/api/v1/reports', 90_000), stalled('/api/v1/analyses', 90_000)];
    // 360 kB held of 400 kB: a fifth upload of 60 kB passes it, once the server has read the stalled bytes
    const big = Buffer.concat([png, Buffer.alloc(60_000 - png.length)]);
    const mine = await eventually(() => request(server).post('/api/v1/analyses').set(user.bearer).attach('image', big, 'b.png'), (r) => r.status === 503, 60);
    expect(mine.status).toBe(503);
    expect(mine.body).toMatchObject({ code: 'ANALYSIS_UNAVAILABLE', message: expect.stringMatching(/Your other uploads still being received/) });
    const report = await request(server).post('/api/v1/reports').set(user.bearer).attach('image', big, 'b.png');
    expect(report.status).toBe(503);
    // another account's upload goes through
    await request(server).post('/api/v1/analyses').set(other.bearer).attach('image', png, 'c.png').expect(200);
    for (const s of slow) s.destroy();
    const freed = await eventually(() => request(server).post('/api/v1/analyses').set(user.bearer).attach('image', big, 'd.png'), (r) => r.status !== 503, 60);
    expect(freed.status).toBeLessThan(500);
  });

  it('uploads that arrive are given back: many in a row from one account are never refused for the budget', async () => {
    const png = await solidPng(128, 128, 90);
    for (let i = 0; i < 12; i++) await request(app.getHttpServer()).post('/api/v1/analyses').set(user.bearer).attach('image', png, `${i}.png`).expect(200);
  });
});
