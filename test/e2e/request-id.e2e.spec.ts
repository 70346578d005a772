import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Module } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Public } from '../../src/accounts/decorators';
import request from 'supertest';
import { createApp } from '../../src/app.setup';
import { CapturingAuditSink } from '../helpers/capturing-audit-sink';
import { CapturingLogger } from '../helpers/capturing-logger';
import { loginAs, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR, testConfig } from '../support/app';

/**
 * The request id (src/common/request-id.ts) as a user and an operator use it: every answer names
 * one in `X-Request-Id` — the proxy's or client's own when it is a plain token, a fresh UUID
 * otherwise — the HTML error page shows it as "Reference: …", and every audit and access-log line
 * of that request carries it, so a quoted reference finds the request's lines.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
type Server = Parameters<typeof request>[0];

describe('request id', () => {
  const sink = new CapturingAuditSink();
  let app: NestExpressApplication;
  let server: Server;
  let alice: TestSession;
  beforeAll(async () => {
    app = await createApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, ACCESS_LOG: 'true' }), [], { auditSink: sink });
    await app.init();
    server = app.getHttpServer();
    alice = await loginAs(app);
  });
  afterAll(async () => {
    await app?.close();
  });
  beforeEach(() => sink.clear());

  it('a fresh UUID on every answer without one of its own, a different one each time', async () => {
    const a = await request(server).get('/healthz').expect(200);
    const b = await request(server).get('/healthz').expect(200);
    expect(a.headers['x-request-id']).toMatch(UUID);
    expect(b.headers['x-request-id']).toMatch(UUID);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });

  it("a proxy's or client's own id is kept when it is a plain token of at most 64 characters", async () => {
    for (const id of ['abc-123', 'Root=1-67891233-abcdef012345678912345678'.replace('=', '.'), 'a'.repeat(64), 'req_01.HV-x']) {
      const res = await request(server).get('/healthz').set('X-Request-Id', id).expect(200);
      expect([id, res.headers['x-request-id']]).toEqual([id, id]);
    }
  });

  it('an id that is too long, empty or holds other characters is replaced, never echoed', async () => {
    for (const id of ['a'.repeat(65), '', ' ', 'a b', 'x<script>', 'id;drop', 'ünïcode', '{"event":"login.success"}']) {
      const res = await request(server).get('/healthz').set('X-Request-Id', id).expect(200);
      expect([id, res.headers['x-request-id']]).toEqual([id, expect.stringMatching(UUID)]);
    }
  });

  it('on every kind of answer: API success and errors, 404, 405, a body over the parser limit, a page, a static file', async () => {
    const answers = await Promise.all([
      request(server).get('/api/v1/auth/me').set(alice.bearer),
      request(server).get('/api/v1/auth/me'),
      request(server).get('/api/v1/no-such-route'),
      request(server).put('/api/v1/auth/me').set(alice.bearer),
      request(server).post('/api/v1/auth/token').send({ email: 'x'.repeat(200 * 1024) }),
      request(server).get('/').set(alice.headers).set('Accept', 'text/html'),
      request(server).get('/static/css/app.css'),
    ]);
    expect(answers.map((r) => r.status)).toEqual([200, 401, 404, 405, 413, 200, 200]);
    expect(answers.map((r) => r.headers['x-request-id'])).toEqual(answers.map(() => expect.stringMatching(UUID)));
  });

  it("the HTML error page shows the id as the reference to quote; the JSON body stays the API's three fields", async () => {
    const page = await request(server).get('/no/such/page').set('Accept', 'text/html').set('X-Request-Id', 'ticket-4711').expect(404);
    expect(page.headers['x-request-id']).toBe('ticket-4711');
    expect(page.text).toMatch(/Reference:\s*<code>ticket-4711<\/code>/);
    const json = await request(server).get('/api/v1/no-such-route').set('X-Request-Id', 'ticket-4712').expect(404);
    expect(json.headers['x-request-id']).toBe('ticket-4712');
    expect(Object.keys(json.body as object).sort()).toEqual(['code', 'message', 'statusCode']);
  });

  it("every audit and access-log line of a request carries the request's id", async () => {
    const res = await request(server).post('/api/v1/auth/token').set('X-Request-Id', 'login-try-1').send({ email: 'nobody@example.test', password: 'whatever-it-is' }).expect(401);
    expect(res.headers['x-request-id']).toBe('login-try-1');
    const generated = await request(server).get('/api/v1/users').set(alice.bearer).expect(403);
    expect(sink.events().map((e) => [e.event, e.requestId])).toEqual([
      ['login.failure', 'login-try-1'],
      ['http.request', 'login-try-1'],
      ['access.denied', generated.headers['x-request-id']],
      ['http.request', generated.headers['x-request-id']],
    ]);
  });

  it('the 413 answered to Expect: 100-continue before the app sees the request names an id too', async () => {
    const listening = app.getHttpServer() as http.Server;
    if (!listening.listening) await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    const { port } = listening.address() as AddressInfo;
    const headers = await new Promise<http.IncomingHttpHeaders>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        path: '/api/v1/analyses',
        method: 'POST',
        headers: { ...alice.bearer, 'Content-Type': 'multipart/form-data; boundary=b', Expect: '100-continue', 'Content-Length': String(50 * 1024 * 1024), 'X-Request-Id': 'upload-77' },
      });
      req.on('continue', () => reject(new Error('the server asked for the body')));
      req.on('response', (res) => {
        res.resume();
        resolve(res.headers);
        req.destroy();
      });
      req.on('error', reject);
    });
    expect(headers['x-request-id']).toBe('upload-77');
  });
});

@Controller('test-only')
class FailingController {
  @Public()
  @Get('boom')
  boom(): never {
    throw new Error('something broke inside');
  }
}
@Module({ controllers: [FailingController] })
class FailingModule {}

describe('request id of an unexpected error', () => {
  it('the 500 page shows the reference the error line in the log names, so the admin finds the stack a user reports', async () => {
    const logs = new CapturingLogger();
    const app = await createApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR }), [FailingModule]);
    try {
      app.useLogger(logs);
      await app.init();
      const page = await request(app.getHttpServer()).get('/test-only/boom').set('Accept', 'text/html').set('X-Request-Id', 'user-report-9').expect(500);
      expect(page.text).toMatch(/Reference:\s*<code>user-report-9<\/code>/);
      const json = await request(app.getHttpServer()).get('/test-only/boom').expect(500);
      const id = String(json.headers['x-request-id']);
      const errors = logs.lines.filter((l) => l.includes('something broke inside'));
      expect(errors).toEqual([expect.stringContaining('user-report-9'), expect.stringContaining(id)]);
    } finally {
      await app.close();
    }
  });
});
