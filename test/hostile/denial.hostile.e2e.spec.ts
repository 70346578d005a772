/**
 * Issue 11 — one logged-in user must not be able to stop the service for everyone. Each red-team
 * finding is replayed over HTTP against the real app (fake models), with the hostile input built
 * here: every answer is a 4xx with a named error code, never a 5xx, and the process still answers
 * /healthz and /readyz afterwards.
 */
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { binary } from '../helpers/pdf-text';
import { UsersService } from '../../src/accounts/users.service';
import { createUser, loginAs } from '../helpers/auth';
import { solidPng } from '../support/images';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';
import { dicomDeclaringFrames, emptyTextEntries, storedZip } from './denial-inputs';

describe('inputs that once took the service down (issue 11)', () => {
  let app: NestExpressApplication;
  let server: ReturnType<NestExpressApplication['getHttpServer']>;
  let user: Awaited<ReturnType<typeof loginAs>>;
  let admin: Awaited<ReturnType<typeof loginAs>>;
  let png: Buffer;

  beforeAll(async () => {
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, RATE_LIMIT_ANALYSES_PER_MINUTE: '1000', RATE_LIMIT_REQUESTS_PER_MINUTE: '100000' }));
    server = app.getHttpServer();
    user = await loginAs(app);
    admin = await loginAs(app, { role: 'admin' });
    png = await solidPng(96, 96, 200);
  });
  afterAll(async () => {
    await app?.close();
  });

  const alive = async () => {
    expect((await request(server).get('/healthz')).status).toBe(200);
    expect((await request(server).get('/readyz')).status).toBe(200);
  };

  it('F1: the 524-byte DICOM declaring 100,000,000 frames → 413 TOO_MANY_SLICES, process alive', async () => {
    const file = dicomDeclaringFrames(100_000_000);
    expect(file.length).toBe(524);
    const res = await request(server).post('/api/v1/studies').set(user.bearer).attach('files', file, 'frames.dcm');
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('TOO_MANY_SLICES');
    await alive();
  });

  it('F3: a ZIP of empty .txt entries (20,000 here; 300,000 in the report) → 413 TOO_MANY_FILES, process alive', async () => {
    const honest = storedZip(emptyTextEntries(20_000));
    const lying = storedZip(emptyTextEntries(20_000), { declare: 3 });
    const zip64 = storedZip(emptyTextEntries(3), { declare: 300_000, zip64: true });
    for (const z of [honest, lying, zip64]) {
      const res = await request(server).post('/api/v1/studies').set(user.bearer).attach('files', z, 'notes.zip');
      expect(res.status).toBe(413);
      expect(res.body.code).toBe('TOO_MANY_FILES');
    }
    await alive();
  });

  it('L7: more files in one study upload than a study may hold → 413, not 400', async () => {
    let req = request(server).post('/api/v1/studies').set(user.bearer);
    for (let i = 0; i < 402; i++) req = req.attach('files', Buffer.from([i & 0xff]), `f${i}.dcm`);
    const res = await req;
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('TOO_MANY_FILES');
    await alive();
  });

  it('F6: a repeated or nested `explain` field → 400 BAD_REQUEST naming the field (was a 500)', async () => {
    const cases = [
      request(server).post('/api/v1/analyses').set(user.bearer).field('explain', '1').field('explain', '0').attach('image', png, 'x.png'),
      request(server).post('/api/v1/analyses?explain=a&explain=b').set(user.bearer).attach('image', png, 'x.png'),
      request(server).post('/api/v1/analyses').set(user.bearer).field('explain[a]', '1').attach('image', png, 'x.png'),
      request(server).post('/api/v1/analyses?explain=maybe').set(user.bearer).attach('image', png, 'x.png'),
    ];
    for (const c of cases) {
      const res = await c;
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ statusCode: 400, code: 'BAD_REQUEST', message: expect.stringContaining('explain') });
    }
    // the strict words still work, in either place
    const off = await request(server).post('/api/v1/analyses?explain=OFF').set(user.bearer).attach('image', png, 'x.png');
    expect(off.status).toBe(200);
    expect(off.body.heatmap ?? null).toBeNull();
    await alive();
  });

  it('L3: PATCH {"disabled": "nope"} is a 400 and leaves the user as it was (was: re-enabled)', async () => {
    const victim = await loginAs(app);
    await request(server).patch(`/api/v1/users/${victim.user.id}`).set(admin.bearer).send({ disabled: true }).expect(200);
    const res = await request(server).patch(`/api/v1/users/${victim.user.id}`).set(admin.bearer).send({ disabled: 'nope' });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('disabled');
    expect((await app.get(UsersService).findById(victim.user.id))?.disabled).toBe(true);
    await request(server).patch(`/api/v1/users/${victim.user.id}`).set(admin.bearer).send({ disabled: 'false' }).expect(200);
    expect((await app.get(UsersService).findById(victim.user.id))?.disabled).toBe(false);
  });

  it('the users API refuses a field it does not take (a typo of "disabled", an email change) with a 400, never a 200 that changed nothing', async () => {
    const victim = await loginAs(app);
    for (const body of [{ disable: true }, { email: 'other@example.test' }, { disabled: true, mustChangePassword: true }]) {
      const res = await request(server).patch(`/api/v1/users/${victim.user.id}`).set(admin.bearer).send(body);
      expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: 400, code: 'BAD_REQUEST' });
      expect(res.body.message).toContain('unexpected field');
    }
    const after = await app.get(UsersService).findById(victim.user.id);
    expect({ disabled: after?.disabled, email: after?.email }).toEqual({ disabled: false, email: victim.user.email });
    // listing: it takes no filter, so `?role=admin` is a 400 rather than every user under that name
    const listed = await request(server).get('/api/v1/users?role=admin').set(admin.bearer);
    expect({ status: listed.status, message: listed.body.message }).toEqual({ status: 400, message: expect.stringContaining('"role"') });
    // creating: a field the API does not take is refused too, and no user is made
    const email = `strict${Math.random().toString(36).slice(2)}@example.test`;
    const made = await request(server).post('/api/v1/users').set(admin.bearer).send({ email, password: 'a fine long passphrase', mustChangePassword: false });
    expect(made.status).toBe(400);
    expect(made.body.message).toContain('"mustChangePassword"');
    expect(await app.get(UsersService).findByEmail(email)).toBeNull();
  });

  it('L5: emails with NUL, RTL override, spaces or markup are refused; plain ones (and a single-label host like the default admin@localhost) accepted', async () => {
    for (const email of ['a\u0000b@example.test', 'evil\u202egnp.exe@example.test', 'two words@example.test', '<b>x</b>@example.test', 'x@exa_mple.test', 'x@-example.test']) {
      const res = await request(server).post('/api/v1/users').set(admin.bearer).send({ email, password: 'a fine long passphrase' });
      expect(res.status).toBe(400);
    }
    const ok = await request(server).post('/api/v1/users').set(admin.bearer).send({ email: "o'neil+mri@example.test", password: 'a fine long passphrase' });
    expect(ok.status).toBe(201);
    expect((await request(server).post('/api/v1/users').set(admin.bearer).send({ email: 'ops@localhost', password: 'a fine long passphrase' })).status).toBe(201);
  });

  it('L2: ten spaces, one repeated character, a counting run or a common password are refused', async () => {
    for (const password of ['          ', 'aaaaaaaaaaaa', '1234567890', 'qwertyuiop', 'Password123', 'abababababab']) {
      const res = await request(server).post('/api/v1/users').set(admin.bearer).send({ email: `p${Math.random().toString(36).slice(2)}@example.test`, password });
      expect({ password, status: res.status }).toEqual({ password, status: 400 });
    }
  });

  it('L1: the admin notice cannot carry text from a link', async () => {
    const res = await request(server).get('/admin/users?done=Your+session+expired.+Call+555-0100').set({ ...admin.headers, Accept: 'text/html' }).expect(200);
    expect(res.text).not.toContain('555-0100');
  });

  it('the same schemas describe the API in the OpenAPI document', async () => {
    const doc = (await request(server).get('/api/docs-json').set(admin.bearer).expect(200)).body;
    expect(Object.keys(doc.components.schemas.UpdateUserDto.properties).sort()).toEqual(['disabled', 'role']);
    expect(doc.components.schemas.CreateUserDto.properties.role.enum).toEqual(['user', 'admin']);
    expect(doc.components.schemas.TokenRequestDto.properties.email.type).toBe('string');
  });

  it('L4: a CSRF cookie/token pair planted before login is refused after it; the token of a page of this session works', async () => {
    const anon = await request(server).get('/login').set('Accept', 'text/html').expect(200);
    const planted = ([] as string[]).concat(anon.headers['set-cookie'] ?? []).find((c) => c.startsWith('sentinel_csrf='))!.split(';')[0];
    const plantedToken = /name="_csrf" value="([^"]+)"/.exec(anon.text)![1];
    const { user, password } = await createUser(app);
    const login = await request(server).post('/login').set('Cookie', planted).type('form').send({ _csrf: plantedToken, email: user.email, password }).expect(303);
    const session = ([] as string[]).concat(login.headers['set-cookie'] ?? []).find((c) => c.startsWith('sentinel_session='))!.split(';')[0];
    const cookies = `${planted}; ${session}`;
    // the pre-login pair, replayed with the victim's new session: refused
    await request(server).post('/logout').set('Cookie', cookies).type('form').send({ _csrf: plantedToken }).expect(403);
    // the token of a page rendered for this session: accepted
    const page = await request(server).get('/').set('Cookie', cookies).set('Accept', 'text/html').expect(200);
    const fresh = /name="csrf-token" content="([^"]+)"/.exec(page.text)![1];
    expect(fresh).not.toBe(plantedToken);
    await request(server).post('/logout').set('Cookie', cookies).type('form').send({ _csrf: fresh }).expect(303);
  });

  it('F2: a report of a large upload embeds a figure of at most 1024 px a side (no full-size re-encode on the event loop)', async () => {
    const big = await solidPng(2400, 1800, 255);
    await request(server).post('/api/v1/analyses').set(user.bearer).attach('image', big, 'big.png').expect(200);
    const pdf = await request(server).post('/api/v1/reports').set(user.bearer).attach('image', big, 'big.png').buffer(true).parse(binary);
    expect(pdf.status).toBe(200);
    const text = (pdf.body as Buffer).toString('latin1');
    const widths = [...text.matchAll(/\/Width (\d+)/g)].map((m) => Number(m[1]));
    expect(widths.length).toBeGreaterThan(0);
    expect(Math.max(...widths)).toBeLessThanOrEqual(1024);
  });
});
