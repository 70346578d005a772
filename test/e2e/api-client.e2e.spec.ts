/**
 * The API as a researcher's script calls it (curl -F, requests, httr): what a client's retry
 * helper and a mistyped form field are told.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { PrismaService } from '../../src/prisma/prisma.service';
import { createUser, loginAs } from '../helpers/auth';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import { sixMegabytes, solidPng } from '../support/images';

describe('the API as a script calls it', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR }, sessions: { session: {} } });
  const { session } = h.sessions;
  let png: Buffer;

  beforeAll(async () => {
    png = await solidPng(128, 128, 90);
  });

  // urllib3's Retry and httr's RETRY wait for Retry-After on 503 as on 429; without it they
  // either give up or hammer a server that said it would be back in seconds
  it('every 503 carries Retry-After: the API error and /readyz', async () => {
    const server = h.server;
    const { user, password } = await createUser(h.app);
    const prisma = h.get(PrismaService);
    await prisma.$executeRawUnsafe('PRAGMA query_only = ON');
    try {
      const login = await request(server).post('/api/v1/auth/token').send({ email: user.email, password });
      expect(login.status).toBe(503);
      expect(login.body.code).toBe('DATABASE_UNAVAILABLE');
      expect(login.headers['retry-after']).toBe('5');
      const ready = await request(server).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.headers['retry-after']).toBe('5');
    } finally {
      await prisma.$executeRawUnsafe('PRAGMA query_only = OFF');
    }
    const ok = await request(server).get('/readyz').expect(200);
    expect(ok.headers['retry-after']).toBeUndefined();
  });

  it('a file in another field than documented (-F file=@x.png) is told the field to use, not its own name', async () => {
    const res = await request(h.server).post('/api/v1/analyses').set(session.bearer).attach('myUpload', png, 'x.png');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ statusCode: 400, code: 'BAD_REQUEST', message: expect.stringContaining('the field "image" (curl: -F image=@scan.png)') });
    expect(res.body.message).not.toContain('myUpload');
  });

  it('two images to a one-image route: says one file, in which field', async () => {
    const res = await request(h.server).post('/api/v1/analyses').set(session.bearer).attach('image', png, 'a.png').attach('image', png, 'b.png');
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('Too many files: this route takes one file, in the multipart field "image" (curl: -F image=@scan.png).');
    const report = await request(h.server).post('/api/v1/reports').set(session.bearer).attach('file', png, 'a.png');
    expect(report.status).toBe(400);
    expect(report.body.message).toContain('the field "image"');
  });

  it('a study sent in the field "file" is told the field is "files"', async () => {
    const res = await request(h.server).post('/api/v1/studies').set(session.bearer).attach('file', png, 'a.dcm');
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('takes its files in the field "files"');
  });

  // `curl -d '{"email":…}'` without -H sends the JSON as a form: it was told its password was wrong
  it('a token request whose body is not the JSON {email, password} is a 400 saying so, not a failed login', async () => {
    const server = h.server;
    const { user, password } = await createUser(h.app);
    // a form is not read at all (json-body.ts): 415, naming the type to send and the body
    const asForm = await request(server).post('/api/v1/auth/token').type('form').send(JSON.stringify({ email: user.email, password }));
    expect(asForm.status).toBe(415);
    expect(asForm.body).toEqual({
      statusCode: 415,
      code: 'UNSUPPORTED_TYPE',
      message: `This operation reads JSON only; the body was sent as application/x-www-form-urlencoded: send it with Content-Type: application/json (curl: -H 'Content-Type: application/json' -d '{"email":"…","password":"…"}').`,
    });
    const noBody = await request(server).post('/api/v1/auth/token');
    expect(noBody.status).toBe(400);
    const half = await request(server).post('/api/v1/auth/token').send({ email: user.email });
    expect(half.status).toBe(400);
    expect(half.body.message).toBe('The body needs both "email" and "password": JSON {"email": …, "password": …}.');
    // a wrong or blank password is still a failed login, and the right one still works
    await request(server).post('/api/v1/auth/token').send({ email: user.email, password: 'not the password' }).expect(401);
    await request(server).post('/api/v1/auth/token').send({ email: user.email, password: '' }).expect(401);
    await request(server).post('/api/v1/auth/token').send({ email: user.email, password }).expect(200);
  });

  it('a password change whose body is not the JSON {current, password} is a 400 saying so, not "the current password is not correct"', async () => {
    const server = h.server;
    const me = await loginAs(h.app);
    const asForm = await request(server).post('/api/v1/auth/password').set(me.bearer).type('form').send(JSON.stringify({ current: me.password, password: 'a brand new passphrase' }));
    expect(asForm.status).toBe(415);
    expect(asForm.body.message).toContain(`-d '{"current":"…","password":"…"}'`);
    expect(asForm.body.message).not.toContain('not correct');
    // nothing changed: the token still works, and a wrong current password is still said as such
    await request(server).get('/api/v1/auth/me').set(me.bearer).expect(200);
    const wrong = await request(server).post('/api/v1/auth/password').set(me.bearer).send({ current: 'not it at all', password: 'a brand new passphrase' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.message).toBe('The current password is not correct.');
  });

  /** A POST with Expect: 100-continue, as curl sends any body over 1 MB: the body goes only after a 100. */
  async function expectContinue(path: string, declared: number, body: Buffer, headers: Record<string, string>): Promise<{ continued: boolean; status: number; text: string }> {
    const server = h.server as http.Server;
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      let continued = false;
      const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, Expect: '100-continue', 'Content-Length': String(declared) } });
      req.on('continue', () => {
        continued = true;
        if (body.length === declared) req.end(body);
        else req.destroy(); // the oversized body is never sent: the server asked for it, which is the failure
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => {
          resolve({ continued, status: res.statusCode ?? 0, text });
          req.destroy();
        });
      });
      req.on('error', (e) => (continued ? resolve({ continued, status: 0, text: '' }) : reject(e)));
    });
  }

  it('Expect: 100-continue with a Content-Length no upload can reach: 413 before the body is sent; a fitting one goes on', async () => {
    const boundary = 'sentinelboundary';
    const multipart = (file: Buffer) =>
      Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="x.png"\r\nContent-Type: image/png\r\n\r\n`),
        file,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
    const headers = { ...session.bearer, 'Content-Type': `multipart/form-data; boundary=${boundary}` };
    // 50 MB declared to a route that takes 5 MB (the test config's MAX_UPLOAD_BYTES default)
    const big = await expectContinue('/api/v1/analyses', 50 * 1024 * 1024, Buffer.alloc(0), headers);
    expect(big.continued).toBe(false);
    expect(big.status).toBe(413);
    expect(JSON.parse(big.text)).toEqual({ statusCode: 413, code: 'FILE_TOO_LARGE', message: 'The request declares 50 MB (Content-Length), more than this route takes (at most 5 MB of files); nothing was uploaded.' });
    // the path as Express matches it (case, trailing slash, query) and the study route's own bound
    expect((await expectContinue('/API/v1/Analyses/?explain=false', 50 * 1024 * 1024, Buffer.alloc(0), headers)).status).toBe(413);
    expect((await expectContinue('/api/v1/studies', 2 * 1024 * 1024 * 1024, Buffer.alloc(0), headers)).continued).toBe(false);
    // an upload that fits is asked for and analysed as before
    const body = multipart(png);
    const ok = await expectContinue('/api/v1/analyses', body.length, body, headers);
    expect(ok).toEqual({ continued: true, status: 200, text: expect.stringContaining('"analysisId"') });
  });

  // the documented decision (README "Scripts and other clients"): no CORS, so a page on another
  // origin cannot read the API's answers even with a token it was given
  it('no CORS: another origin gets no Access-Control-Allow-Origin, its preflight is not a 2xx', async () => {
    const server = h.server;
    const get = await request(server).get('/api/v1/auth/me').set(session.bearer).set('Origin', 'https://elsewhere.example');
    expect(get.status).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await request(server)
      .options('/api/v1/analyses')
      .set('Origin', 'https://elsewhere.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization');
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-headers']).toBeUndefined();
  });

  // a bearer token wins over a cookie: a bad token is a 401 even beside a good session, and a good
  // one needs no CSRF header (a cross-site form cannot set Authorization)
  it('cookie and bearer token together: the token decides', async () => {
    const server = h.server;
    const browser = await loginAs(h.app);
    const bad = await request(server).get('/api/v1/auth/me').set('Cookie', browser.cookie).set('Authorization', 'Bearer mst_not-a-token');
    expect(bad.status).toBe(401);
    expect(bad.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    const other = await loginAs(h.app);
    const me = await request(server).get('/api/v1/auth/me').set('Cookie', browser.cookie).set(other.bearer).expect(200);
    expect(me.body.id).toBe(other.user.id);
  });

  // a generated client (or a person) told "JWT" tries to decode the token's claims: there are none
  it('the OpenAPI bearer scheme says the token is opaque, not a JWT', async () => {
    const doc = await request(h.server).get('/api/docs-json').set(session.bearer).expect(200);
    expect(doc.body.components.securitySchemes.bearer).toEqual({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'opaque',
      description: expect.stringContaining('POST /api/v1/auth/token'),
    });
  });

  it('an image over MAX_UPLOAD_BYTES: the 413 names the limit', async () => {
    const res = await request(h.server).post('/api/v1/analyses').set(session.bearer).attach('image', sixMegabytes(), 'big.png');
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ statusCode: 413, code: 'FILE_TOO_LARGE', message: 'The file exceeds the 5 MB limit.' });
  });

  it('JSON sent as a form to a JSON route (curl -d without -H) is told to set Content-Type, not "unexpected field (a field)"', async () => {
    const admin = await loginAs(h.app, { role: 'admin' });
    const res = await request(h.server).post('/api/v1/users').set(admin.bearer).type('form').send(JSON.stringify({ email: 'form@example.test', role: 'user', password: 'a fine long passphrase' }));
    expect(res.status).toBe(415);
    expect(res.body).toEqual({ statusCode: 415, code: 'UNSUPPORTED_TYPE', message: expect.stringContaining("send it with Content-Type: application/json (curl: -H 'Content-Type: application/json' -d '{\"email\":\"…\",\"password\":\"…\"}')") });
    // a real form is refused alike: it created the user (201), from a format the document does not name
    const form = await request(h.server).post('/api/v1/users').set(admin.bearer).type('form').send({ email: 'real-form@example.test', password: 'a fine long passphrase' });
    expect(form.status).toBe(415);
    await request(h.server).post('/api/v1/users').set(admin.bearer).send({ email: 'real-form@example.test', password: 'a fine long passphrase' }).expect(201);
    // a real unknown field is still named as before
    const typo = await request(h.server).post('/api/v1/users').set(admin.bearer).send({ email: 'typo@example.test', role: 'user', password: 'a fine long passphrase', disable: true });
    expect(typo.body.message).toContain('unexpected field "disable"');
  });

  it('an Authorization header without the Bearer scheme is told how to send the token', async () => {
    const server = h.server;
    const token = session.bearer.Authorization.replace(/^Bearer /, '');
    for (const header of [token, `Token ${token}`, 'Basic YTpi']) {
      const res = await request(server).get('/api/v1/auth/me').set('Authorization', header);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body.message).toBe('The Authorization header is not read: send the token from POST /api/v1/auth/token as "Authorization: Bearer <token>".');
    }
    expect((await request(server).get('/api/v1/auth/me')).body.message).toBe('Please log in.');
    // a browser behind a proxy's Basic auth (cookies too): the usual words
    expect((await request(server).get('/api/v1/auth/me').set('Authorization', 'Basic YTpi').set('Cookie', 'sentinel_csrf=x')).body.message).toBe('Please log in.');
  });

  it('a user calling an admin API route is told the route is for administrators, not "this page"', async () => {
    const server = h.server;
    const user = await loginAs(h.app); // role user
    for (const call of [request(server).get('/api/v1/users'), request(server).get('/api/v1/history/export.csv'), request(server).delete('/api/v1/users')]) {
      const res = await call.set(user.bearer);
      expect([res.status, res.body.code, res.body.message]).toEqual([403, 'FORBIDDEN', 'This API route is for administrators.']);
    }
    // a browser asking for the admin page keeps its words
    const page = await request(server).get('/admin/users').set('Cookie', user.cookie).set('Accept', 'text/html');
    expect(page.status).toBe(403);
    expect(page.text).toContain('This page is for administrators.');
  });
  // a script that sends `null`, a number or a string (valid JSON, but no object) was told its body
  // "is not valid JSON", and one whose compression is broken (a gzip flag on plain text, a cut
  // stream) got a bare "Bad Request" with nothing to go on
  it('a JSON body that is not an object, and a body its Content-Encoding does not decode, are told what is wrong', async () => {
    const server = h.server;
    for (const body of ['null', '5', '"alice@example.org"', 'true']) {
      const res = await request(server).post('/api/v1/auth/token').set('Content-Type', 'application/json').send(body).expect(400);
      expect(res.body).toEqual({ statusCode: 400, code: 'BAD_REQUEST', message: 'The request body must be a JSON object ({"name": value, …}), not a single value.' });
    }
    // still "not valid JSON" where it is not
    const broken = await request(server).post('/api/v1/auth/token').set('Content-Type', 'application/json').send('{"email":').expect(400);
    expect(broken.body.message).toBe('The request body is not valid JSON.');
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const res = await request(server).post('/api/v1/auth/token').set('Content-Type', 'application/json').set('Content-Encoding', encoding).send('{"email":"a@b.c","password":"x"}').expect(400);
      expect(res.body).toEqual({ statusCode: 400, code: 'BAD_REQUEST', message: 'The request body could not be decompressed as its Content-Encoding says: send it uncompressed, or compressed whole with that encoding.' });
    }
  });
});
