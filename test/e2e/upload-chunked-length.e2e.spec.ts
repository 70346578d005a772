/**
 * The upload routes' answer to a body sent without a Content-Length (Transfer-Encoding: chunked)
 * that passes the bound a Content-Length is held to (declared-length.ts): 413 as soon as it does,
 * the rest not read. Before, multer drained such a body to its end before its own 413 (31.5 MB read
 * of a 30 MB chunked upload, bounded only by the request timeout). And the API's text fields: cut
 * at 1 KiB, not busboy's 1 MiB each.
 */
import { NestExpressApplication } from '@nestjs/platform-express';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import request from 'supertest';
import { loginAs, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';
import { solidPng } from '../support/images';

const BOUNDARY = 'chunked-length-boundary';
const MB = 1024 * 1024;
const CHUNK = 64 * 1024;
/** Sent in all by the client of a refused upload, unless the server stops it first. */
const UPLOAD = 30 * MB;
/**
 * What the server may read of a refused body: the bound (2 MB of files + framing, ~3.1 MB), what
 * the sockets' buffers held when the answer came (a few MB on loopback) and the close's linger.
 */
const READ_AT_MOST = 10 * MB;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** body bytes the client had handed to its socket when the answer arrived */
  sent: number;
  /** bytes the server had read from this connection when it closed (or when the answer arrived) */
  serverRead: number;
}

const fileHead = (field: string) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="x.png"\r\nContent-Type: image/png\r\n\r\n`;
const tail = `\r\n--${BOUNDARY}--\r\n`;

describe('upload routes: a chunked body over the bound is refused as it arrives', () => {
  let app: NestExpressApplication;
  let server: http.Server;
  let port: number;
  let alice: TestSession;
  const serverSockets = new Map<number, Socket>();

  beforeAll(async () => {
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, MAX_UPLOAD_BYTES: String(2 * MB), STUDY_MAX_BYTES: String(2 * MB), STUDY_MAX_SLICES: '4' }));
    server = app.getHttpServer();
    server.on('connection', (s: Socket) => serverSockets.set(s.remotePort ?? 0, s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    alice = await loginAs(app);
  });
  afterAll(async () => app?.close());

  /**
   * POST `parts` to `path` chunked (no Content-Length): the head, then `fill` bytes of filler a
   * 64 KB chunk at a time (each once the last has left), then `end`. Stops sending once an answer
   * has arrived or the server has closed the connection.
   */
  function postChunked(path: string, headers: Record<string, string>, head: Buffer, fill: number, end: Buffer = Buffer.from(tail)): Promise<Answer> {
    return new Promise((resolve, reject) => {
      let sent = 0;
      let answer: Omit<Answer, 'serverRead'> | null = null;
      let stopped = false;
      let finished = false;
      let localPort = -1;
      const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, ...headers } });
      const finish = () => {
        if (!answer || !stopped || finished) return;
        finished = true;
        const got = answer;
        const theirs = serverSockets.get(localPort);
        const done = () => resolve({ ...got, serverRead: theirs?.bytesRead ?? -1 });
        if (!theirs || theirs.destroyed || got.headers.connection !== 'close') done();
        else theirs.once('close', done);
        req.destroy();
      };
      const stop = () => {
        stopped = true;
        finish();
      };
      const send = () => {
        if (stopped || answer) return stop();
        if (sent >= head.length + fill) {
          req.end(end);
          return;
        }
        const part = sent === 0 ? head : Buffer.alloc(Math.min(CHUNK, head.length + fill - sent), 7);
        sent += part.length;
        req.write(part, (err) => (err ? stop() : setImmediate(send)));
      };
      req.on('socket', (s) => {
        s.once('connect', () => {
          localPort = s.localPort ?? -1;
          send();
        });
        s.once('close', stop);
      });
      req.on('response', (res) => {
        const sentAtAnswer = sent;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('error', () => undefined);
        res.on('end', () => {
          answer = { status: res.statusCode ?? 0, headers: res.headers, text, sent: sentAtAnswer };
          stop();
        });
      });
      req.on('error', (e) => (answer ? stop() : setImmediate(() => (answer ? stop() : reject(e)))));
    });
  }

  it('API: 413 FILE_TOO_LARGE while the client is still sending, the rest not read', async () => {
    const res = await postChunked('/api/v1/analyses', alice.bearer, Buffer.from(fileHead('image')), UPLOAD);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text)).toEqual({
      statusCode: 413,
      code: 'FILE_TOO_LARGE',
      message: 'The upload (sent without a Content-Length) is larger than this route takes (at most 2 MB of files); the rest of it was not read, and nothing was uploaded.',
    });
    expect(res.headers.connection).toBe('close');
    expect(res.sent).toBeLessThan(UPLOAD); // answered while the client was still sending
    expect(res.serverRead).toBeLessThan(READ_AT_MOST); // before: all of it (31.5 MB)
  });

  it('a body past the bound outside any file (a long preamble) is refused alike', async () => {
    const res = await postChunked('/api/v1/reports', alice.bearer, Buffer.from('preamble'), UPLOAD);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).code).toBe('FILE_TOO_LARGE');
    expect(res.serverRead).toBeLessThan(READ_AT_MOST);
  });

  it('studies: its own bound', async () => {
    const res = await postChunked('/api/v1/studies', alice.bearer, Buffer.from(fileHead('files')), UPLOAD);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).code).toBe('FILE_TOO_LARGE');
    expect(res.serverRead).toBeLessThan(READ_AT_MOST);
  });

  it('the form without JavaScript (/analyse): the error page', async () => {
    const head = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${alice.csrfToken}\r\n${fileHead('image')}`);
    const res = await postChunked('/analyse', { Cookie: alice.cookie, Accept: 'text/html' }, head, UPLOAD);
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('The upload (sent without a Content-Length) is larger than this route takes');
    expect(res.serverRead).toBeLessThan(READ_AT_MOST);
  });

  it('the form with a wrong CSRF token: its 403 page alone, the body past the bound not answered again', async () => {
    const head = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\nnot-the-token\r\n${fileHead('image')}`);
    const res = await postChunked('/analyse', { Cookie: alice.cookie, Accept: 'text/html' }, head, UPLOAD);
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.serverRead).toBeLessThan(READ_AT_MOST);
  });

  it('a chunked upload within the limit is analysed, and the server still answers after the refusals', async () => {
    const png = await solidPng(64, 64, 90);
    const res = await postChunked('/api/v1/analyses', alice.bearer, Buffer.concat([Buffer.from(fileHead('image')), png]), 0);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).analysisId).toEqual(expect.any(String));
  });

  it.each(['/api/v1/analyses', '/api/v1/reports', '/api/v1/studies'])('%s: a 2 KB text field is a 400, not held in memory', async (path) => {
    const res = await request(server).post(path).set(alice.bearer).field('explain', 'x'.repeat(2048));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ statusCode: 400, code: 'BAD_REQUEST', message: 'Field value too long' });
  });
});
