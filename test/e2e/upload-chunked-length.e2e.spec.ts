/**
 * The upload routes' answer to a body sent without a Content-Length (Transfer-Encoding: chunked)
 * that passes the bound a Content-Length is held to (declared-length.ts): 413 as soon as it does,
 * the rest not read. Before, multer drained such a body to its end before its own 413 (31.5 MB read
 * of a 30 MB chunked upload, bounded only by the request timeout). And the API's text fields: cut
 * at 1 KiB, not busboy's 1 MiB each.
 */
import * as http from 'node:http';
import request from 'supertest';
import { loginAs, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import { solidPng } from '../support/images';
import { listenForRawUploads, postRaw, RawAnswer, RawUploadServer } from '../support/raw-upload';

const BOUNDARY = 'chunked-length-boundary';
const MB = 1024 * 1024;
/** Sent in all by the client of a refused upload, unless the server stops it first. */
const UPLOAD = 30 * MB;
/**
 * What the server may read of a refused body: the bound (2 MB of files + framing, ~3.1 MB), what
 * the sockets' buffers held when the answer came (a few MB on loopback) and the close's linger.
 */
const READ_AT_MOST = 10 * MB;

const fileHead = (field: string) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="x.png"\r\nContent-Type: image/png\r\n\r\n`;
const tail = `\r\n--${BOUNDARY}--\r\n`;

describe('upload routes: a chunked body over the bound is refused as it arrives', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, MAX_UPLOAD_BYTES: String(2 * MB), STUDY_MAX_BYTES: String(2 * MB), STUDY_MAX_SLICES: '4' } });
  let raw: RawUploadServer;
  let alice: TestSession;

  beforeAll(async () => {
    raw = await listenForRawUploads(h.server);
    alice = await loginAs(h.app);
  });

  /** POST `head`, `fill` bytes of filler and `end` to `path` chunked (no Content-Length); see postRaw. */
  const postChunked = (path: string, headers: Record<string, string>, head: Buffer, fill: number, end: Buffer = Buffer.from(tail)): Promise<RawAnswer> =>
    postRaw(raw, path, BOUNDARY, headers, { framing: 'chunked', head, fill, end });

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
    const res = await request(h.server).post(path).set(alice.bearer).field('explain', 'x'.repeat(2048));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ statusCode: 400, code: 'BAD_REQUEST', message: 'Field value too long' });
  });
});
