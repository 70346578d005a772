/**
 * Issue 11 — URL parameters are parsed by schema like bodies and query strings: an `:id` that is
 * not a UUID, a `:file` that is not a plain file name, a `:name` that is not a model folder's
 * name never reaches a service or the database (PostgreSQL's uuid type would refuse the query),
 * so each is a 404 NOT_FOUND by construction — never a 500. A well-formed unknown id is a 404 too.
 */
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { loginAs, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';

const BAD = ['not-a-uuid', '%00', "'%20OR%201=1--", '..%2F..%2Fetc%2Fpasswd', 'x'.repeat(5000), '00000000-0000-0000-0000-00000000000g', '%E2%80%AE'];
const UNKNOWN = '0b5c6f58-8f0e-4c55-9d3a-3a4f5e6d7c8b';

describe('URL parameters parsed by schema', () => {
  let app: NestExpressApplication;
  let admin: TestSession;

  beforeAll(async () => {
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR }));
    admin = await loginAs(app, { role: 'admin' });
  });
  afterAll(async () => {
    await app?.close();
  });

  const routes: [method: 'get' | 'post' | 'patch', path: (p: string) => string][] = [
    ['get', (p) => `/api/v1/history/${p}`],
    ['get', (p) => `/api/v1/history/${p}/report.pdf`],
    ['patch', (p) => `/api/v1/users/${p}`],
  ];

  it.each(routes)('%s with a malformed or unknown :id → 404 NOT_FOUND (JSON), never 500', async (method, path) => {
    for (const p of [...BAD, UNKNOWN]) {
      const res = await request(app.getHttpServer())[method](path(p)).set(admin.bearer).send(method === 'patch' ? { disabled: true } : undefined);
      expect([p.slice(0, 40), res.status, res.body.code]).toEqual([p.slice(0, 40), 404, 'NOT_FOUND']);
    }
  });

  it('pages: history detail, its report, admin forms, samples and model cards → 404 pages for malformed parameters', async () => {
    const server = app.getHttpServer();
    for (const p of BAD) {
      for (const path of [`/history/${p}`, `/history/${p}/report.pdf`, `/samples/${p}`, `/models/${p}`]) {
        const res = await request(server).get(path).set(admin.headers).set('Accept', 'text/html');
        expect([path.slice(0, 60), res.status]).toEqual([path.slice(0, 60), 404]);
      }
      const form = await request(server).post(`/admin/users/${p}`).set(admin.headers).type('form').send({ disabled: 'true' });
      expect([p.slice(0, 40), form.status]).toEqual([p.slice(0, 40), 404]);
    }
    // the well-formed ones still work
    await request(server).get('/models/triage').set(admin.headers).set('Accept', 'text/html').expect(200);
    await request(server).get(`/api/v1/users`).set(admin.bearer).expect(200);
  });

  it('an unknown query field is named only when its name is plain: a crafted link cannot write the error page', async () => {
    const server = app.getHttpServer();
    // was the page's heading: Invalid query string: body: Unrecognized key: "Your session expired. Call … <RTL>evil"
    const spoof = 'Your session expired. Call +1 555 0100 now \u202eevil';
    for (const path of [`/history?${encodeURIComponent(spoof)}=1`, `/history/export.csv?${encodeURIComponent(spoof)}=1`, `/history?${'x'.repeat(5000)}=1`]) {
      const page = await request(server).get(path).set(admin.headers).set('Accept', 'text/html');
      expect([path.slice(0, 30), page.status]).toEqual([path.slice(0, 30), 400]);
      expect(page.text).not.toMatch(/session expired|\u202e|x{41}/);
    }
    const api = await request(server).get(`/api/v1/history?${encodeURIComponent(spoof)}=1&pageSiz=2`).set(admin.bearer).expect(400);
    expect(api.body.message).toBe('Invalid query string: unexpected fields "(a field)", "pageSiz".');
  });

  it('the OpenAPI document declares :id as a path parameter', async () => {
    const doc = (await request(app.getHttpServer()).get('/api/docs-json').set(admin.headers).expect(200)).body;
    const params = doc.paths['/api/v1/history/{id}'].get.parameters as { name: string; in: string; required: boolean }[];
    expect(params).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path', required: true })]));
  });
});
