/**
 * The upload routes' answer to a body they will refuse, given before the body is read: a
 * Content-Length no upload of the route can reach (without `Expect: 100-continue`), and a caller
 * without a login. The client below sends its headers, then the body a chunk at a time, and stops
 * as soon as an answer arrives; the server's socket counts what the server read. Before, the
 * server read all 60 MB a client declared (multer drains a refused body to its end), then said 413.
 */
import * as http from 'node:http';
import request from 'supertest';
import { loginAs, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import { solidPng } from '../support/images';
import { listenForRawUploads, postRaw, RawAnswer, RawUploadServer } from '../support/raw-upload';

const BOUNDARY = 'declared-length-boundary';
const MB = 1024 * 1024;
/**
 * What the server may read of a refused body: what the client had already sent into the sockets'
 * buffers when the answer came (up to ~4 MB on loopback), and the close's linger (256 KiB, read in
 * batches of up to 2 MB). Far under the 30 and 60 MB sent, which a server that drains reads whole.
 */
const READ_AT_MOST = 8 * MB;

/** multipart head of a file part in `field`, as curl -F writes it. */
const fileHead = (field: string) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="x.png"\r\nContent-Type: image/png\r\n\r\n`;

describe('upload routes: a body that will be refused is not read', () => {
  // a 32 MB image limit: a body within it (30 MB) is far larger than what the sockets' buffers hold
  // (a few MB), so a server that reads it shows; an 8 MB study limit: its bound (8 MB + framing for
  // 401 files, ~46.6 MB) under the 60 MB sent
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, MAX_UPLOAD_BYTES: String(32 * MB), STUDY_MAX_BYTES: String(8 * MB) } });
  let raw: RawUploadServer;
  let alice: TestSession;

  beforeAll(async () => {
    raw = await listenForRawUploads(h.server);
    alice = await loginAs(h.app);
  });

  /**
   * POST `declared` bytes to `path` with that Content-Length: the multipart head, then filler, on
   * after the answer too, until everything declared is sent or the server closes (see postRaw).
   */
  const post = (path: string, declared: number, headers: Record<string, string>, head = fileHead('image')): Promise<RawAnswer> =>
    postRaw(raw, path, BOUNDARY, headers, { framing: 'declared', head: Buffer.from(head), length: declared });

  it('API: a declared 60 MB is answered 413 before the body is read, and the connection closed', async () => {
    const res = await post('/api/v1/analyses', 60 * MB, alice.bearer);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text)).toEqual({
      statusCode: 413,
      code: 'FILE_TOO_LARGE',
      message: 'The request declares 60 MB (Content-Length), more than this route takes (at most 32 MB of files); nothing was uploaded.',
    });
    expect(res.headers.connection).toBe('close');
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
    expect(res.sent).toBeLessThan(60 * MB); // answered while the client was still sending
    expect(res.serverRead).toBeLessThan(READ_AT_MOST); // before: the whole 60 MB (62,914,808 bytes)
  });

  it('studies: its own bound (STUDY_MAX_BYTES + framing)', async () => {
    const res = await post('/api/v1/studies', 60 * MB, alice.bearer, fileHead('files'));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).code).toBe('FILE_TOO_LARGE');
    expect(res.serverRead).toBeLessThan(READ_AT_MOST);
  });

  it('the form without JavaScript (/analyse): the error page, not JSON', async () => {
    const res = await post('/analyse', 60 * MB, { Cookie: alice.cookie, Accept: 'text/html' }, `--${BOUNDARY}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${alice.csrfToken}\r\n${fileHead('image')}`);
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('The request declares 60 MB (Content-Length)');
    expect(res.headers.connection).toBe('close');
    expect(res.serverRead).toBeLessThan(READ_AT_MOST);
  });

  it('without a login: the same 413, nothing read — it depends on the route alone, not on who asks', async () => {
    const res = await post('/api/v1/analyses', 60 * MB, { Authorization: 'Bearer mst_not-a-token' });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).message).toBe('The request declares 60 MB (Content-Length), more than this route takes (at most 32 MB of files); nothing was uploaded.');
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(res.serverRead).toBeLessThan(READ_AT_MOST);
  });

  it('without a login, within the bound: 401 without reading the body, the connection closed', async () => {
    const res = await post('/api/v1/analyses', 30 * MB, {});
    expect(res.status).toBe(401);
    expect(res.headers.connection).toBe('close');
    expect(res.sent).toBeLessThan(30 * MB);
    expect(res.serverRead).toBeLessThan(READ_AT_MOST);
  });

  it('the form without a login: 401 page without reading the body', async () => {
    const res = await post('/analyse', 30 * MB, { Accept: 'text/html' });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.serverRead).toBeLessThan(READ_AT_MOST);
  });

  it('an upload within the bound is read and analysed as before, on a connection kept open', async () => {
    const png = await solidPng(64, 64, 90);
    const res = await request(h.server).post('/api/v1/analyses').set(alice.bearer).set('Connection', 'keep-alive').attach('image', png, 'x.png');
    expect(res.status).toBe(200);
    expect(res.headers.connection).not.toBe('close');
    expect(res.body.analysisId).toEqual(expect.any(String));
  });

  it('a Content-Length just over the file limit but within the framing allowance is still multer’s: its 413 names the limit', async () => {
    const png = await solidPng(64, 64, 90);
    const body = Buffer.concat([Buffer.from(fileHead('image')), png, Buffer.alloc(32 * MB + 1 - png.length, 0), Buffer.from(`\r\n--${BOUNDARY}--\r\n`)]);
    const res = await request(h.server).post('/api/v1/analyses').set(alice.bearer).set('Content-Type', `multipart/form-data; boundary=${BOUNDARY}`).send(body);
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ statusCode: 413, code: 'FILE_TOO_LARGE', message: 'The file exceeds the 32 MB limit.' });
  });
});
