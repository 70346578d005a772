/**
 * Findings of the 2026-12-05 black-box review, replayed over HTTP (fake models): a JSON body over
 * the parser's limit is not called a file, multer does not echo a client's field name, nor the JSON
 * parser a body it cannot read (from the data-protection pass of 2026-12-06), a client
 * that hangs up mid-upload is no server error, and a study slice over STUDY_MAX_SLICE_PIXELS is
 * refused from its header.
 */
import { Logger } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { isClientAbort, toErrorBody } from '../../src/common/app-exception.filter';
import { loginAs, TestSession } from '../helpers/auth';
import { eventually } from '../helpers/eventually';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';
import { dicomSlice, syntheticSlice } from '../support/study-fixtures';

describe('HTTP edges found by the 2026-12-05 review', () => {
  let app: NestExpressApplication;
  let server: ReturnType<NestExpressApplication['getHttpServer']>;
  let user: TestSession;

  beforeAll(async () => {
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, STUDY_MAX_SLICE_PIXELS: String(100 * 100), STUDY_MAX_BYTES: String(150_000), STUDY_MAX_INFLIGHT_BYTES: String(200_000), RATE_LIMIT_ANALYSES_PER_MINUTE: '1000' }));
    server = app.getHttpServer();
    user = await loginAs(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('a JSON body over the limit → 413 PAYLOAD_TOO_LARGE, not "the file is too large"', async () => {
    const res = await request(server).post('/api/v1/auth/login').set('Content-Type', 'application/json').send(JSON.stringify({ email: 'x'.repeat(2_000_000) }));
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large.' });
  });

  it('a body that is not JSON → 400 that does not quote it (it quoted its first characters: a password, a name)', async () => {
    for (const body of ['{"email":"a@b.test","password":"hunter2-SECRETPW', 'SECRETPW Smith^John MRN123456', '{"email": SECRETPW}']) {
      const res = await request(server).post('/api/v1/auth/token').set('Content-Type', 'application/json').send(body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ statusCode: 400, code: 'BAD_REQUEST', message: 'The request body is not valid JSON.' });
    }
  });

  it('an unexpected file field → 400 that does not echo the field name', async () => {
    const res = await request(server).post('/api/v1/studies').set(user.bearer).attach('file<b>zz-field</b>', Buffer.from('x'), 'a.dcm');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('BAD_REQUEST');
    expect(JSON.stringify(res.body)).not.toContain('zz-field');
  });

  it('a study slice over STUDY_MAX_SLICE_PIXELS → 422 RESOLUTION_OUT_OF_RANGE from its header', async () => {
    const big = dicomSlice(syntheticSlice(128, 128, (x, y) => (x + y) % 256));
    const res = await request(server).post('/api/v1/studies').set(user.bearer).attach('files', big, 'a.dcm');
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('RESOLUTION_OUT_OF_RANGE');
  });

  it('a client that hangs up mid-upload: no 5xx, the process answers the next request', async () => {
    const srv = server as http.Server;
    if (!srv.listening) await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
    const { port } = srv.address() as AddressInfo;
    const errors = jest.spyOn(Logger.prototype, 'error');
    const warnings = jest.spyOn(Logger.prototype, 'warn');
    await new Promise<void>((resolve) => {
      const req = http.request({ port, method: 'POST', path: '/api/v1/studies', headers: { ...user.bearer, 'Content-Type': 'multipart/form-data; boundary=zz', 'Content-Length': '10000000' } });
      req.on('error', () => resolve());
      req.write('--zz\r\nContent-Disposition: form-data; name="files"; filename="a.dcm"\r\nContent-Type: application/dicom\r\n\r\n');
      req.write(Buffer.alloc(64 * 1024));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 200);
    });
    // the server's side of the hang-up, whenever it gets to it
    const warned = () => warnings.mock.calls.some((c) => String(c[0]).includes('closed the connection during the upload'));
    expect(await eventually(warned, Boolean)).toBe(true);
    expect((await request(server).get('/healthz')).status).toBe(200);
    // a warning line, not an error with a stack: a user cannot flood the error log by hanging up
    expect(errors.mock.calls.filter((c) => String(c[0]).includes('/api/v1/studies'))).toEqual([]);
    errors.mockRestore();
    warnings.mockRestore();
  });

  it('many slow study uploads at once: one account holds at most one study\'s worth, all together STUDY_MAX_INFLIGHT_BYTES; 503 past either, given back when each request closes', async () => {
    const srv = server as http.Server;
    if (!srv.listening) await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
    const { port } = srv.address() as AddressInfo;
    const other = await loginAs(app);
    // a stalled upload holding 120 kB of the 200 kB budget (each upload is under its own 150 kB limit)
    const slow = http.request({ port, method: 'POST', path: '/api/v1/studies', headers: { ...user.bearer, 'Content-Type': 'multipart/form-data; boundary=zz', 'Content-Length': '149000' } });
    slow.on('error', () => undefined);
    slow.write('--zz\r\nContent-Disposition: form-data; name="files"; filename="a.dcm"\r\nContent-Type: application/dicom\r\n\r\n');
    slow.write(Buffer.alloc(120_000));
    // the same account: its own share (150 kB) would be passed — once the server has read the
    // stalled bytes (until then this one is refused for what it is, not a DICOM)
    const mine = await eventually(() => request(server).post('/api/v1/studies').set(user.bearer).attach('files', Buffer.alloc(60_000), 'b.dcm'), (r) => r.status === 503, 40);
    expect(mine.status).toBe(503);
    expect(mine.body).toMatchObject({ code: 'ANALYSIS_UNAVAILABLE', message: expect.stringMatching(/Your other study uploads/) });
    // another account: within its share, but all uploads together would pass 200 kB
    const theirs = await request(server).post('/api/v1/studies').set(other.bearer).attach('files', Buffer.alloc(120_000), 'c.dcm');
    expect(theirs.status).toBe(503);
    expect(theirs.body).toMatchObject({ code: 'ANALYSIS_UNAVAILABLE', message: expect.stringMatching(/too many studies at once/) });
    slow.destroy();
    // the stalled request closes: its bytes are released (once the server has seen it close)
    const freed = await eventually(() => request(server).post('/api/v1/studies').set(user.bearer).attach('files', Buffer.alloc(120_000), 'd.dcm'), (r) => r.status !== 503, 40);
    expect(freed.status).not.toBe(503);
    for (const who of [user, other]) {
      const res = await request(server).post('/api/v1/studies').set(who.bearer).attach('files', Buffer.alloc(120_000), 'd.dcm');
      expect(res.status).not.toBe(503); // refused for what it is (not a DICOM), no longer for the budget
      expect(res.status).toBeLessThan(500);
    }
  });

  it('the filter: an aborted upload is a client abort, a 413 names a file only for a multipart request', () => {
    const aborted = { readableAborted: true, destroyed: true };
    expect(isClientAbort(new Error('Request aborted'), aborted)).toBe(true);
    expect(isClientAbort(new Error('Request aborted'), { readableAborted: false, destroyed: false })).toBe(false);
    expect(isClientAbort(new Error('boom'), aborted)).toBe(false);
    const tooLarge = Object.assign(new Error('too large'), { getStatus: () => 413 });
    expect(toErrorBody(tooLarge).code).toBe('INTERNAL_ERROR'); // not an HttpException: no guessing
  });
});
