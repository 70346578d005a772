/**
 * POST /analyse: the analysis page's form with JavaScript off. A plain multipart form carries its
 * CSRF token as the `_csrf` field before the file; the server checks it when the file part begins,
 * before it takes a byte of the file, and answers 403 without waiting for the rest of the body.
 * The answer is the record's page with the heat map inlined; failures are error pages with their
 * status, never 200.
 */
import { NestExpressApplication } from '@nestjs/platform-express';
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { UploadLedger } from '../../src/common/account-upload-storage';
import { PrismaService } from '../../src/prisma/prisma.service';
import { loginAs, sessionFor, TestSession } from '../helpers/auth';
import { eventually } from '../helpers/eventually';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';
import { sixMegabytes, solidJpeg, solidPng, TEXT_AS_JPG } from '../support/images';

const BOUNDARY = 'nojs-form-boundary';

/**
 * A form post whose body never ends: the `_csrf` field, then the file part's head and 64 KiB of it,
 * out of the 2 MiB its Content-Length announces. Resolves with the answer, if one comes.
 */
function stalledPost(port: number, s: TestSession, token: string): { answer: Promise<{ status: number; text: string }>; req: http.ClientRequest } {
  const head =
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n` +
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="x.png"\r\nContent-Type: image/png\r\n\r\n`;
  const req = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/analyse',
    headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Content-Length': String(head.length + 2 * 1024 * 1024), Cookie: s.cookie, Accept: 'text/html' },
  });
  req.on('error', () => undefined); // destroyed by the test
  const answer = new Promise<{ status: number; text: string }>((resolve) =>
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    }),
  );
  req.write(head);
  req.write(Buffer.alloc(64 * 1024, 7));
  return { answer, req };
}

describe('POST /analyse (the analysis form without JavaScript), fake models', () => {
  let app: NestExpressApplication;
  let server: http.Server;
  let alice: TestSession;
  const records = () => app.get(PrismaService).analysis.count();
  const form = (s: TestSession, token: string | null = s.csrfToken) => {
    const r = request(server).post('/analyse').set('Cookie', s.cookie).set('Accept', 'text/html');
    return token === null ? r : r.field('_csrf', token);
  };

  beforeAll(async () => {
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR }));
    server = app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    alice = await loginAs(app);
  });
  afterAll(async () => app?.close());

  it('the page has the form: posts to /analyse, its _csrf field before the file field, Analyse enabled', async () => {
    const page = await request(server).get('/').set('Cookie', alice.cookie).set('Accept', 'text/html').expect(200);
    const formTag = /<form id="analyse-form"[^>]*>/.exec(page.text)![0];
    expect(formTag).toContain('action="/analyse"');
    expect(formTag).toContain('method="post"');
    expect(formTag).toContain('enctype="multipart/form-data"');
    const token = page.text.indexOf(`name="_csrf" value="${alice.csrfToken}"`, page.text.indexOf(formTag));
    expect(token).toBeGreaterThan(0);
    expect(token).toBeLessThan(page.text.indexOf('name="image" type="file"'));
    expect(page.text).toMatch(/id="submit-btn"[^>]*>Analyse</);
    expect(page.text).not.toMatch(/id="submit-btn"[^>]*disabled/);
  });

  it('an answer: decision, calibrated confidence, every probability, the heat map inline, the record and its PDF, the disclaimer', async () => {
    const before = await records();
    const res = await form(alice).field('explain', 'true').attach('image', await solidPng(300, 300, 255), 'scan.png').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(await records()).toBe(before + 1);
    const id = /href="\/history\/([0-9a-f-]{36})"/.exec(res.text)![1];
    // the title is the page's h1; the verdict's heading names the section and its status (d792801)
    expect(res.text).toContain('<h1>Glioma</h1>');
    expect(res.text).toMatch(/<h2 class="verdict-title">Decision<span class="visually-hidden">:<\/span> <span class="badge [a-z-]+">completed<\/span><\/h2>/i);
    // the figure kept on one line with its per-cent sign (verdict-figure.browser.spec.ts)
    expect(res.text).toMatch(/Calibrated confidence <span class="figure">\d+(\.\d)? %<\/span>\./);
    for (const label of ['Glioma', 'Meningioma', 'No tumour', 'Pituitary']) expect(res.text).toContain(`<span class="prob-label">${label}</span>`);
    // each bar drawn by its markup (an SVG width attribute), as no script runs and the CSP forbids style attributes
    expect(res.text.match(/<rect class="bar-fill" width="\d+(\.\d)?%"/g)).toHaveLength(4);
    expect(res.text).not.toMatch(/data-width|style="/);
    // (the template writes '=' as &#x3D;, which the browser reads back as '=')
    expect(res.text).toMatch(/<img src="data:image\/jpeg;base64,[A-Za-z0-9+/]+(=|&#x3D;)*" alt="The analysed image with a heat map/);
    expect(res.text).toContain(`href="/history/${id}/report.pdf"`);
    expect(res.text).toMatch(/not for clinical use/i);
    // what the map is: for which class, by which method, and what it is not (it said only "not a finding")
    expect(res.text).toContain('<h3 class="section-title">Heat map for Glioma</h3>');
    expect(res.text).toMatch(/class activation map \(CAM[^<]*not a segmentation[^<]*not for clinical use/i);
    // the record is the same answer, without the heat map (the image is never stored)
    const record = await request(server).get(`/history/${id}`).set('Cookie', alice.cookie).set('Accept', 'text/html').expect(200);
    expect(record.text).toContain('<h1>Glioma</h1>');
    expect(record.text).not.toContain('data:image/jpeg');
  });

  it('the same form posted twice (Back or reload re-sends it): one history record; the second answer says it was already analysed and links it', async () => {
    const page = await request(server).get('/').set('Cookie', alice.cookie).set('Accept', 'text/html').expect(200);
    // a one-time field of this page's form, before the file like the token
    const nonce = /name="_submission" value="([^"]+)"/.exec(page.text)![1];
    expect(page.text.indexOf('name="_submission"')).toBeLessThan(page.text.indexOf('name="image" type="file"'));
    const image = await solidPng(300, 300, 255);
    const send = () => form(alice).field('_submission', nonce).field('explain', 'true').attach('image', image, 'scan.png').expect(200);
    const before = await records();
    const first = await send();
    const id = /href="\/history\/([0-9a-f-]{36})"/.exec(first.text)![1];
    expect(first.text).not.toContain('already sent');
    const again = await send();
    expect(await records()).toBe(before + 1);
    expect(again.text).toContain(`This form was already sent: this is the same analysis, already saved in your history as <a href="/history/${id}">this record</a> — no second record was made.`);
    // the same answer, heat map included (drawn again from the re-sent image, still never stored)
    expect(again.text).toContain('<h1>Glioma</h1>');
    expect(again.text).toMatch(/<img src="data:image\/jpeg;base64,/);
    // another image from the same page (Back, another file): a new analysis, recorded
    await form(alice).field('_submission', nonce).field('explain', 'true').attach('image', await solidPng(300, 300, 200), 'other.png').expect(200);
    expect(await records()).toBe(before + 2);
    // a page opened anew has a new field: the same image analysed again is a new record, as asked
    const page2 = await request(server).get('/').set('Cookie', alice.cookie).set('Accept', 'text/html').expect(200);
    expect(/name="_submission" value="([^"]+)"/.exec(page2.text)![1]).not.toBe(nonce);
  });

  it('a post with its _submission field hashes the image once for its key (4.1 ms per 5 MB on the request thread), once more for its record', async () => {
    const page = await request(server).get('/').set('Cookie', alice.cookie).set('Accept', 'text/html').expect(200);
    const nonce = /name="_submission" value="([^"]+)"/.exec(page.text)![1];
    const image = await solidPng(300, 300, 250);
    // every hash's update(), whichever module made it: counted where its data is the image
    const spy = jest.spyOn(Object.getPrototypeOf(crypto.createHash('sha256')) as crypto.Hash, 'update');
    let imageHashes: number;
    try {
      await form(alice).field('_submission', nonce).field('explain', 'true').attach('image', image, 'scan.png').expect(200);
      imageHashes = spy.mock.calls.filter(([data]) => Buffer.isBuffer(data) && data.equals(image)).length;
    } finally {
      spy.mockRestore();
    }
    // the key's fingerprint (which the form's key is made of) and the history row's sha256; the form's key hashed it a third time
    expect(imageHashes).toBe(2);
  });

  it('the heat map box unticked (the field absent): no heat map', async () => {
    const res = await form(alice).attach('image', await solidPng(300, 300, 255), 'scan.png').expect(200);
    expect(res.text).not.toContain('data:image/jpeg');
    expect(res.text).not.toContain('Heat map</h3>');
  });

  it('a refusal is an answer (200) with its reason: not an MRI', async () => {
    const res = await form(alice).field('explain', 'true').attach('image', await solidJpeg(128, 128, 0), 'a.jpg').expect(200);
    expect(res.text).toMatch(/<h1>Not an MRI image<\/h1>/);
    expect(res.text).toMatch(/class="verdict-message">[^<]*MRI/);
  });

  it.each([
    ['no _csrf field', null],
    ['a forged token', 'x'.repeat(43)],
  ])('%s: 403 page naming the CSRF check, nothing analysed', async (_label, token) => {
    const before = await records();
    const res = await form(alice, token).attach('image', await solidPng(300, 300, 255), 'scan.png').expect(403);
    // not "Reload the page": on a POST's answer a reload re-sends the same stale token and fails again
    expect(res.text).toContain("The form expired or did not come from this site (CSRF check failed). Open the form&#x27;s page again from its link and send it from there: reloading this page would send the same expired form again.");
    expect(res.text).toContain('<title>Error: Not allowed · MRI Sentinel</title>');
    expect(await records()).toBe(before);
  });

  it('a stale token (the page was opened under an earlier login of the same user): 403, nothing analysed', async () => {
    const later = await sessionFor(app, alice.user); // logged in again, e.g. in another tab
    const before = await records();
    await request(server).post('/analyse').set('Cookie', later.cookie).set('Accept', 'text/html').field('_csrf', alice.csrfToken).attach('image', await solidPng(300, 300, 255), 'scan.png').expect(403);
    expect(await records()).toBe(before);
  });

  it('the token after the file: refused when the file part begins (the field must come first)', async () => {
    const res = await request(server)
      .post('/analyse')
      .set('Cookie', alice.cookie)
      .set('Accept', 'text/html')
      .attach('image', await solidPng(300, 300, 255), 'scan.png')
      .field('_csrf', alice.csrfToken);
    expect(res.status).toBe(403);
  });

  it('refuses a wrong token before reading the file: a body that never ends is answered 403, and none of its bytes is held', async () => {
    const { port } = server.address() as AddressInfo;
    const ledger = app.get(UploadLedger);
    // the same stalled body with the right token is being taken in: its bytes count against the account
    const bob = await loginAs(app);
    const taken = stalledPost(port, bob, bob.csrfToken);
    expect(await eventually(() => ledger.held(bob.user.id), (n) => n > 0)).toBeGreaterThan(0);
    taken.req.destroy();
    expect(await eventually(() => ledger.held(bob.user.id), (n) => n === 0)).toBe(0);
    // with a wrong one: answered while the client is still sending, nothing counted
    const carol = await loginAs(app);
    const refused = stalledPost(port, carol, 'x'.repeat(43));
    const answer = await refused.answer;
    expect(refused.req.writableFinished).toBe(false); // the body was never finished
    refused.req.destroy();
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('CSRF check failed');
    expect(ledger.held(carol.user.id)).toBe(0);
  });

  it.each([
    ['too large', () => sixMegabytes(), 'big.jpg', 413, 'The file exceeds the 5 MB limit.'],
    ['not an image', () => TEXT_AS_JPG, 'scan.jpg', 415, 'Error 415'],
  ] as const)('%s: an error page with its status, its words', async (_label, bytes, name, status, words) => {
    const res = await form(alice).attach('image', bytes(), name).expect(status);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain(words);
  });

  it('text fields are cut at 1 KiB (the form has only a token and a tick box): 400, nothing analysed; a token that long is no token (403)', async () => {
    const before = await records();
    const long = await form(alice).field('explain', 'x'.repeat(2000)).attach('image', await solidPng(300, 300, 255), 'scan.png').expect(400);
    expect(long.text).toContain('Field value too long');
    await form(alice, 'x'.repeat(2000)).attach('image', await solidPng(300, 300, 255), 'scan.png').expect(403);
    expect(await records()).toBe(before);
  });

  it('no image chosen: 400 page saying so', async () => {
    const res = await form(alice).field('explain', 'true').expect(400);
    expect(res.text).toContain('No image was sent: choose a JPEG or PNG file, then press Analyse.');
  });

  it('GET /analyse (reload of the address) goes back to the form', async () => {
    const res = await request(server).get('/analyse').set('Cookie', alice.cookie).set('Accept', 'text/html').expect(303);
    expect(res.headers.location).toBe('/');
  });

  it('anonymous: 401, nothing read; the page leads to the login', async () => {
    const res = await request(server).post('/analyse').set('Accept', 'text/html').field('_csrf', 'x').attach('image', await solidPng(300, 300, 255), 'scan.png').expect(401);
    // a login that ended while the form was open (no JavaScript): "Please log in." came with only
    // "Back to the analyser", where the page's script says the login ended and links to the login
    expect(res.text).toContain('<a class="btn primary" href="/login?ended=1">Log in again</a>');
  });
});

describe('POST /analyse under the analyses-per-user limit', () => {
  let app: NestExpressApplication;
  afterAll(async () => app?.close());

  it('the second analysis in the minute is a 429 page with the wait, the same limit as the API', async () => {
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, RATE_LIMIT_ANALYSES_PER_MINUTE: '1' }));
    const s = await loginAs(app);
    const png = await solidPng(300, 300, 255);
    const send = () => request(app.getHttpServer()).post('/analyse').set('Cookie', s.cookie).set('Accept', 'text/html').field('_csrf', s.csrfToken).attach('image', png, 'scan.png');
    await send().expect(200);
    const limited = await send().expect(429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    expect(limited.text).toContain('You have reached the limit of analyses per minute.');
    // and the API shares it: the page's own route is limited too
    await request(app.getHttpServer()).post('/api/v1/analyses').set(s.bearer).attach('image', png, 'x.png').expect(429);
  });
});
