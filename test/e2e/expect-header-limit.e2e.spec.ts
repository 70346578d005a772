/**
 * Requests refused on their `Expect` header count against the per-IP request limit like any other.
 * Before, both were answered by Node's 'checkContinue' / 'checkExpectation' hooks, outside the app:
 * a declared-oversized upload with `Expect: 100-continue` got its 413 and an unknown expectation
 * Node's bare 417 (no body, no X-Request-Id) without ever being counted — 8 such probes at a limit
 * of 5 were eight 413s, and the next ordinary request still had 4 of 5 left. Now both go through the
 * app: counted first (a 429 once over), then refused in the app's error shape, still without the
 * 100 Continue, so the client never sends the body.
 */
import { NestExpressApplication } from '@nestjs/platform-express';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';

interface Answer {
  continued: boolean;
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One request with `expect`, its body (if any) never sent: whether the server asked for it (100) and its final answer. */
function send(server: http.Server, method: string, path: string, headers: Record<string, string>): Promise<Answer> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, agent: false });
    req.on('continue', () => {
      continued = true;
      req.destroy(); // asked for the body: that is what is being checked, the body is never sent
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => {
        resolve({ continued, status: res.statusCode ?? 0, headers: res.headers, text });
        req.destroy();
      });
    });
    req.on('error', (e) => (continued ? resolve({ continued, status: 0, headers: {}, text: '' }) : reject(e)));
    if (!headers['Content-Length']) req.end();
    else req.flushHeaders();
  });
}

const OVERSIZED = { Expect: '100-continue', 'Content-Length': String(50 * 1024 * 1024), 'Content-Type': 'multipart/form-data; boundary=x' };

describe('Expect: refusals are counted by the per-IP request limit', () => {
  let app: NestExpressApplication;
  let server: http.Server;

  beforeEach(async () => {
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, RATE_LIMIT_REQUESTS_PER_MINUTE: '3' }));
    server = app.getHttpServer() as http.Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => app?.close());

  it('Expect: 100-continue declaring 50 MB to a 5 MB route: 413, 413, 413, then 429 — never a 100', async () => {
    const answers: Answer[] = [];
    for (let i = 0; i < 4; i++) answers.push(await send(server, 'POST', '/api/v1/analyses', OVERSIZED));
    expect(answers.map((a) => [a.continued, a.status])).toEqual([
      [false, 413],
      [false, 413],
      [false, 413],
      [false, 429], // before: a fourth 413, and every later one
    ]);
    const first = answers[0]!;
    expect(JSON.parse(first.text)).toEqual({ statusCode: 413, code: 'FILE_TOO_LARGE', message: 'The request declares 50 MB (Content-Length), more than this route takes (at most 5 MB of files); nothing was uploaded.' });
    expect(first.headers.connection).toBe('close');
    expect(first.headers['x-request-id']).toEqual(expect.any(String));
    expect(first.headers['x-ratelimit-remaining-ip']).toBe('2');
    expect(JSON.parse(answers[3]!.text).code).toBe('TOO_MANY_REQUESTS');
    expect(answers[3]!.headers['retry-after']).toEqual(expect.any(String));
  });

  it('an expectation the server cannot meet: 417 EXPECTATION_FAILED in the error shape, counted (the fourth is a 429)', async () => {
    const answers: Answer[] = [];
    for (let i = 0; i < 4; i++) answers.push(await send(server, 'GET', '/api/v1/auth/me', { Expect: 'something-else' }));
    expect(answers.map((a) => a.status)).toEqual([417, 417, 417, 429]);
    const first = answers[0]!;
    // before: Node's bare "417 Expectation Failed", no body, no X-Request-Id
    expect(JSON.parse(first.text)).toEqual({ statusCode: 417, code: 'EXPECTATION_FAILED', message: 'The request\'s Expect header ("something-else") asks for something this server does not do; only "100-continue" is understood. Send the request without it.' });
    expect(first.headers['x-request-id']).toEqual(expect.any(String));
    expect(first.headers['content-type']).toMatch(/^application\/json/);
  });

  it('an upload that fits still gets its 100 Continue (counted once)', async () => {
    const fits = await send(server, 'POST', '/api/v1/analyses', { ...OVERSIZED, 'Content-Length': '1000' });
    expect(fits.continued).toBe(true);
  });
});
