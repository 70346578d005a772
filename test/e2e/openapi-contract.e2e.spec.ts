import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { NestExpressApplication } from '@nestjs/platform-express';
import { PrismaService } from '../../src/prisma/prisma.service';
import { ERROR_CODES } from '../../src/common/errors';
import { KEY_HEADER_DOC, requestFingerprint } from '../../src/idempotency/idempotency-key';
import request from 'supertest';
import { createUser, loginAs, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR, startApp, tempDir, testConfig } from '../support/app';
import { useApp } from '../support/use-app';
import { sixMegabytes, solidPng, TEXT_AS_JPG, truncatedJpeg } from '../support/images';
import { Contract, OpenApiDoc } from '../support/openapi-contract';
import { SERIES } from '../support/study-e2e';
import { dicomSeries, newUid, zip } from '../support/study-fixtures';

/**
 * Every route of the OpenAPI document (`/api/docs-json`) against what the app really answers, on
 * the fake models: the success and each declared error provoked, every body validated against
 * the declared schema (with no undeclared field), and no status answered that is not declared.
 * Four apps, as some answers need their own settings: the main one; no models (503); deadlines of
 * 1 ms (504); one request per minute per IP (429).
 */
type Method = 'get' | 'post' | 'patch' | 'delete';

/** What no case here provokes, and why (the coverage check below holds everything else to a case). */
const NOT_PROVOKED: Record<string, string> = {
  'POST /api/v1/reports 503': 'needs a recorded analysis in an app whose models are not loaded',
  'POST /api/v1/reports 504': 'needs a recorded analysis whose re-run then times out',
};

describe('OpenAPI document vs the answers of every route', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, STUDY_MAX_SLICES: '5', RATE_LIMIT_ANALYSES_PER_MINUTE: '200' }, sessions: { user: {}, admin: { role: 'admin' } } });
  const { user, admin } = h.sessions;
  let contract: Contract;
  const api = () => request(h.app.getHttpServer());

  /** A request for `op` ("POST /api/v1/users/{id}"), `{id}` filled in. */
  const call = (on: NestExpressApplication, op: string, id: string = randomUUID()) => {
    const [method, route] = op.split(' ');
    return request(on.getHttpServer())[method.toLowerCase() as Method](route.replace('{id}', id));
  };
  /** The answer has this status, and the document declares it with this body. */
  async function answers(op: string, status: number, pending: request.Test | Promise<request.Response>): Promise<request.Response> {
    const res = await pending;
    expect({ op, status: res.status, problems: contract.check(op, res) }).toEqual({ op, status, problems: '' });
    return res;
  }
  /** `op` sent with this Expect header (no body), its answer read as far as Contract.check reads one. */
  async function expecting(op: string, expectation: string): Promise<request.Response> {
    const server = h.app.getHttpServer() as http.Server;
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const [method, route] = op.split(' ');
    const { port } = server.address() as AddressInfo;
    const headers = { Expect: expectation, 'Content-Length': '0' };
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method, path: route.replace('{id}', randomUUID()), headers, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text, body: JSON.parse(text) as unknown } as unknown as request.Response));
      });
      req.on('error', reject);
      req.end();
    });
  }
  /** Operations whose declared answer for `status` says `words`. */
  const declaring = (status: number, words: string) => contract.operations().filter((op) => contract.description(op, status).includes(words));

  beforeAll(async () => {
    contract = new Contract((await api().get('/api/docs-json').set(user.headers).expect(200)).body as OpenApiDoc);
  });

  it('every login-only route: 401 without a login; 403 PASSWORD_CHANGE_REQUIRED where declared, else what it declares', async () => {
    const loginOnly = contract.operations().filter((op) => contract.declared(op).includes('401') && op !== 'POST /api/v1/auth/token');
    expect(loginOnly.length).toBeGreaterThan(12);
    for (const op of loginOnly) {
      const res = await answers(op, 401, call(h.app, op));
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    const pending = await loginAs(h.app, { mustChangePassword: true });
    const gated = declaring(403, 'PASSWORD_CHANGE_REQUIRED');
    // the token's own revocation last: it ends the session the others use
    for (const op of loginOnly.sort((a, b) => Number(a === 'DELETE /api/v1/auth/token') - Number(b === 'DELETE /api/v1/auth/token'))) {
      const res = await call(h.app, op).set(pending.bearer);
      expect({ op, problems: contract.check(op, res) }).toEqual({ op, problems: '' });
      expect({ op, code: res.body?.code === 'PASSWORD_CHANGE_REQUIRED' }).toEqual({ op, code: gated.includes(op) });
    }
    expect(gated.length).toBeGreaterThan(10);
  });

  it('every route for admins: 403 to a user; every cookie-authenticated unsafe call: 403 without the CSRF token', async () => {
    for (const op of declaring(403, 'for administrators only')) await answers(op, 403, call(h.app, op).set(user.bearer));
    const csrf = declaring(403, 'X-CSRF-Token');
    expect(csrf.sort()).toEqual(contract.operations().filter((op) => !op.startsWith('GET') && op !== 'POST /api/v1/auth/token').sort());
    for (const op of csrf) await answers(op, 403, call(h.app, op).set('Cookie', user.cookie));
  });

  it('POST and DELETE /api/v1/auth/token, POST /api/v1/auth/password, GET /api/v1/auth/me', async () => {
    const token = (await answers('POST /api/v1/auth/token', 200, api().post('/api/v1/auth/token').send({ email: user.user.email, password: user.password }))).body;
    await answers('POST /api/v1/auth/token', 400, api().post('/api/v1/auth/token').send({ email: ['a'] }));
    await answers('POST /api/v1/auth/token', 401, api().post('/api/v1/auth/token').send({ email: 'nobody@example.test', password: 'not the password' }));
    await answers('DELETE /api/v1/auth/token', 204, api().delete('/api/v1/auth/token').set('Authorization', `Bearer ${token.token}`));
    await answers('DELETE /api/v1/auth/token', 400, api().delete('/api/v1/auth/token').set(user.headers));
    const [bearer, browser] = [await loginAs(h.app), await loginAs(h.app)];
    for (const [who, status] of [[bearer, 200], [browser, 204]] as const) {
      const creds = status === 200 ? who.bearer : who.headers;
      await answers('POST /api/v1/auth/password', status, api().post('/api/v1/auth/password').set(creds).send({ current: who.password, password: 'a brand new passphrase' }));
    }
    await answers('POST /api/v1/auth/password', 400, api().post('/api/v1/auth/password').set(user.bearer).send({ current: 'not it', password: 'a brand new passphrase' }));
    expect((await answers('GET /api/v1/auth/me', 200, api().get('/api/v1/auth/me').set(user.bearer))).body.id).toBe(user.user.id);
  });

  it('GET, POST /api/v1/users and PATCH /api/v1/users/{id}', async () => {
    await answers('GET /api/v1/users', 200, api().get('/api/v1/users').set(admin.bearer));
    await answers('GET /api/v1/users', 400, api().get('/api/v1/users?role=admin').set(admin.bearer));
    const body = { email: `new-${randomUUID()}@example.test`, password: 'a long enough passphrase', role: 'user' };
    const created = (await answers('POST /api/v1/users', 201, api().post('/api/v1/users').set(admin.bearer).send(body))).body as { id: string };
    await answers('POST /api/v1/users', 400, api().post('/api/v1/users').set(admin.bearer).send({ ...body, email: 'not an email' }));
    await answers('POST /api/v1/users', 409, api().post('/api/v1/users').set(admin.bearer).send(body));
    const patch = (id: string, send: object) => api().patch(`/api/v1/users/${id}`).set(admin.bearer).send(send);
    await answers('PATCH /api/v1/users/{id}', 200, patch(created.id, { role: 'admin' }));
    await answers('PATCH /api/v1/users/{id}', 400, patch(created.id, { disable: true }));
    await answers('PATCH /api/v1/users/{id}', 400, patch(created.id, { disabled: 'nope' }));
    await answers('PATCH /api/v1/users/{id}', 403, patch(admin.user.id, { disabled: true }));
    for (const id of [randomUUID(), 'not-a-uuid']) await answers('PATCH /api/v1/users/{id}', 404, patch(id, { role: 'user' }));
  });

  let recorded: { image: string; study: string };
  const white = solidPng(300, 300, 255);

  it('POST /api/v1/analyses: each outcome and each file error', async () => {
    const post = () => api().post('/api/v1/analyses').set(user.bearer);
    const image = (await answers('POST /api/v1/analyses', 200, post().attach('image', await white, 'w.png'))).body;
    expect(image).toMatchObject({ status: 'completed', explanation: { heatmap: expect.any(String) } });
    for (const grey of [64, 128]) await answers('POST /api/v1/analyses', 200, post().field('explain', 'false').attach('image', await solidPng(128, 128, grey), 'g.png'));
    await answers('POST /api/v1/analyses', 400, post().field('explain', 'false'));
    await answers('POST /api/v1/analyses', 400, post().field('threshold', '0.9').attach('image', await white, 'w.png'));
    await answers('POST /api/v1/analyses', 413, post().attach('image', sixMegabytes(), 'big.jpg'));
    await answers('POST /api/v1/analyses', 415, post().attach('image', TEXT_AS_JPG, 'scan.jpg'));
    await answers('POST /api/v1/analyses', 422, post().attach('image', await truncatedJpeg(), 't.jpg'));
    recorded = { image: image.analysisId as string, study: '' };
  });

  it('POST /api/v1/studies: a study, a CT refusal, and each error', async () => {
    const post = () => api().post('/api/v1/studies').set(user.bearer);
    const series = (o: { modality?: string } = {}) => zip(Object.fromEntries(dicomSeries(SERIES.slice(0, 3), { ...o, seriesUid: newUid() }).map((b, i) => [`IM${i}`, b])));
    await answers('POST /api/v1/studies', 200, post().attach('files', series(), 's.zip'));
    await answers('POST /api/v1/studies', 200, post().attach('files', series({ modality: 'CT' }), 'ct.zip'));
    await answers('POST /api/v1/studies', 400, post().field('x', '1'));
    await answers('POST /api/v1/studies', 413, post().attach('files', zip(Object.fromEntries(dicomSeries(SERIES.slice(0, 6)).map((b, i) => [`IM${i}`, b]))), 'six.zip'));
    await answers('POST /api/v1/studies', 415, post().attach('files', TEXT_AS_JPG, 'notes.txt'));
    const one = () => dicomSeries(SERIES.slice(0, 2), { seriesUid: newUid() });
    await answers('POST /api/v1/studies', 422, post().attach('files', one()[0], 'a.dcm').attach('files', one()[1], 'b.dcm')); // MIXED_SERIES
    const history = (await api().get('/api/v1/history?pageSize=100').set(user.bearer).expect(200)).body as { items: { id: string; study: object | null }[] };
    recorded.study = history.items.find((i) => i.study)!.id;
  });

  it('Idempotency-Key on both analysis POSTs: declared, and its replay, 400, 409 and 422 answer as declared', async () => {
    const doc = (await api().get('/api/docs-json').set(user.headers).expect(200)).body as { paths: Record<string, { post: { parameters?: { name: string; in: string }[]; responses: Record<string, { headers?: Record<string, unknown> }> } }> };
    const prisma = h.app.get(PrismaService);
    const grey = await solidPng(96, 96, 200);
    const series = zip(Object.fromEntries(dicomSeries(SERIES.slice(0, 3), { seriesUid: newUid() }).map((b, i) => [`IM${i}`, b])));
    const cases = [
      { op: 'POST /api/v1/analyses', path: '/api/v1/analyses', send: (key: string, file = grey) => api().post('/api/v1/analyses').set(user.bearer).set('Idempotency-Key', key).attach('image', file, 'g.png'), fingerprint: () => requestFingerprint('POST /api/v1/analyses', { explain: true }, [grey]) },
      { op: 'POST /api/v1/studies', path: '/api/v1/studies', send: (key: string, file = series) => api().post('/api/v1/studies').set(user.bearer).set('Idempotency-Key', key).attach('files', file, 's.zip'), fingerprint: () => requestFingerprint('POST /api/v1/studies', {}, [series]) },
    ];
    for (const c of cases) {
      const declared = doc.paths[c.path].post;
      expect({ op: c.op, header: declared.parameters?.find((p) => p.name === 'Idempotency-Key')?.in, replayed: Object.keys(declared.responses['200'].headers ?? {}) }).toEqual({ op: c.op, header: 'header', replayed: ['Idempotent-Replayed', 'X-Request-Id'] });
      const key = randomUUID();
      const first = await answers(c.op, 200, c.send(key));
      const replay = await answers(c.op, 200, c.send(key));
      expect({ op: c.op, id: replay.body.analysisId, replayed: replay.headers['idempotent-replayed'] }).toEqual({ op: c.op, id: first.body.analysisId, replayed: 'true' });
      expect((await answers(c.op, 422, c.send(key, TEXT_AS_JPG))).body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect((await answers(c.op, 400, c.send('k'.repeat(256)))).body.code).toBe('INVALID_IDEMPOTENCY_KEY');
      // a refused file is answered once too: its retry is the same 415, marked replayed, as declared on the 415
      const refused = randomUUID();
      const refusal = await answers(c.op, 415, c.send(refused, TEXT_AS_JPG));
      const again = await answers(c.op, 415, c.send(refused, TEXT_AS_JPG));
      expect({ op: c.op, body: again.body, replayed: again.headers['idempotent-replayed'], declared: Object.keys(declared.responses['415'].headers ?? {}) })
        .toEqual({ op: c.op, body: refusal.body, replayed: 'true', declared: expect.arrayContaining(['Idempotent-Replayed']) });
      // another replica still answering this key (its reservation, in progress)
      const busy = randomUUID();
      await prisma.idempotencyKey.create({ data: { userId: user.user.id, key: busy, fingerprint: c.fingerprint(), expiresAt: new Date(Date.now() + 3_600_000) } });
      const res = await answers(c.op, 409, c.send(busy));
      expect({ op: c.op, code: res.body.code, retryAfter: Number(res.headers['retry-after']) > 0 }).toEqual({ op: c.op, code: 'IDEMPOTENCY_KEY_IN_USE', retryAfter: true });
    }
  });

  it('ErrorBodyDto.code lists the error codes as an enum, from the one list the errors are typed by; the header schema is the server rule', async () => {
    const doc = (await api().get('/api/docs-json').set(user.headers).expect(200)).body as {
      components: { schemas: Record<string, { enum?: string[]; properties?: Record<string, { enum?: string[]; $ref?: string; allOf?: { $ref?: string }[] }> }> };
      paths: Record<string, { post: { parameters?: { name: string; schema?: unknown }[] } }>;
    };
    // every answer here is validated against this enum (answers → contract.check): a code the server
    // sends that is not in it fails the case that provoked it
    const code = doc.components.schemas.ErrorBodyDto.properties?.code;
    const ref = (code?.$ref ?? code?.allOf?.[0]?.$ref)?.split('/').pop();
    expect({ ref, enum: code?.enum ?? (ref ? doc.components.schemas[ref].enum : undefined) }).toEqual({ ref: 'ErrorCode', enum: [...ERROR_CODES] });
    for (const route of ['/api/v1/analyses', '/api/v1/studies']) {
      expect({ route, schema: doc.paths[route].post.parameters?.find((p) => p.name === 'Idempotency-Key')?.schema }).toEqual({ route, schema: KEY_HEADER_DOC.schema });
    }
    // the quoted form of the longest key: taken, as the schema now says
    await answers('POST /api/v1/analyses', 200, api().post('/api/v1/analyses').set(user.bearer).set('Idempotency-Key', `"${'q'.repeat(254)}${randomUUID().slice(0, 1)}"`).attach('image', await solidPng(64, 64, 90), 'q.png'));
  });

  it('every operation declares the X-Request-Id a client may send (it was only declared on the answers), and that id comes back', async () => {
    const doc = (await api().get('/api/docs-json').set(user.headers).expect(200)).body as { paths: Record<string, Record<string, { parameters?: { name: string; in: string; required?: boolean; schema?: { pattern?: string } }[] }>> };
    const missing = Object.entries(doc.paths).flatMap(([route, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => {
          const p = (op.parameters ?? []).find((x) => x.name === 'X-Request-Id');
          return !(p?.in === 'header' && p.required === false && p.schema?.pattern === '^[A-Za-z0-9._-]{1,64}$');
        })
        .map(([method]) => `${method.toUpperCase()} ${route}`),
    );
    expect(missing).toEqual([]);
    const res = await answers('GET /api/v1/history', 200, api().get('/api/v1/history?pageSize=1').set(user.bearer).set('X-Request-Id', 'script-run-7.page_1'));
    expect(res.headers['x-request-id']).toBe('script-run-7.page_1');
  });

  it('every query parameter is declared as the one value the server reads: never an array (a repeated parameter is a 400)', async () => {
    const doc = (await api().get('/api/docs-json').set(user.headers).expect(200)).body as { paths: Record<string, Record<string, { parameters?: { name: string; in: string; schema?: { type?: unknown } }[] }>> };
    const declared = Object.entries(doc.paths).flatMap(([route, ops]) =>
      Object.entries(ops).flatMap(([method, op]) => (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => ({ param: `${method.toUpperCase()} ${route} ?${p.name}`, type: p.schema?.type }))),
    );
    expect(declared.filter((p) => Array.isArray(p.type) || p.type === 'array')).toEqual([]);
    // explain=false in the query string, as a generated client sends a boolean, is read; a repeated one is refused
    expect(declared.find((p) => p.param === 'POST /api/v1/analyses ?explain')?.type).toBe('boolean');
    const grey = await solidPng(96, 96, 120);
    const once = await answers('POST /api/v1/analyses', 200, api().post('/api/v1/analyses?explain=false').set(user.bearer).attach('image', grey, 'g.png'));
    expect(once.body.explanation).toBeNull();
    await answers('POST /api/v1/analyses', 400, api().post('/api/v1/analyses?explain=false&explain=false').set(user.bearer).attach('image', grey, 'g.png'));
  });

  it('GET /api/v1/history, its summary, its CSV and each record it lists', async () => {
    for (const who of [user, admin]) {
      const page = (await answers('GET /api/v1/history', 200, api().get('/api/v1/history?pageSize=100').set(who.bearer))).body as { items: { id: string }[] };
      if (who === user) for (const { id } of page.items) await answers('GET /api/v1/history/{id}', 200, api().get(`/api/v1/history/${id}`).set(who.bearer));
      await answers('GET /api/v1/history/summary', 200, api().get('/api/v1/history/summary').set(who.bearer));
    }
    await answers('GET /api/v1/history', 400, api().get('/api/v1/history?page=abc').set(user.bearer));
    // a filter value no record can hold: refused by its own code, named in each route's 400
    const doc = (await api().get('/api/docs-json').set(user.headers).expect(200)).body as { paths: Record<string, { get: { responses: Record<string, { description?: string }> } }> };
    for (const [op, path] of [['GET /api/v1/history', '/api/v1/history'], ['GET /api/v1/history/summary', '/api/v1/history/summary']]) {
      const res = await answers(op, 400, api().get(`${path}?label=no_such_label`).set(user.bearer));
      expect({ op, code: res.body.code, declared: doc.paths[path].get.responses['400'].description?.includes('UNKNOWN_FILTER_VALUE') }).toEqual({ op, code: 'UNKNOWN_FILTER_VALUE', declared: true });
    }
    // a user's filter by another user's email: refused by name, declared
    for (const op of ['GET /api/v1/history', 'GET /api/v1/history/summary']) {
      const res = await answers(op, 403, call(h.app, op).query({ user: admin.user.email }).set(user.bearer));
      expect({ op, code: res.body.code }).toEqual({ op, code: 'FORBIDDEN' });
    }
    // keyset paging: a page reached by its cursor (nextCursor, prevCursor declared nullable strings), and the cursor's 400s
    const first = (await answers('GET /api/v1/history', 200, api().get('/api/v1/history?pageSize=1').set(user.bearer))).body as { nextCursor: string };
    expect(typeof first.nextCursor).toBe('string');
    const cursor = encodeURIComponent(first.nextCursor);
    await answers('GET /api/v1/history', 200, api().get(`/api/v1/history?cursor=${cursor}`).set(user.bearer));
    for (const [q, code] of [['cursor=x.y', 'INVALID_CURSOR'], [`cursor=${cursor}&status=rejected`, 'CURSOR_FILTERS_MISMATCH'], [`cursor=${cursor}&page=2`, 'BAD_REQUEST']]) {
      expect((await answers('GET /api/v1/history', 400, api().get(`/api/v1/history?${q}`).set(user.bearer))).body.code).toBe(code);
    }
    await answers('GET /api/v1/history/summary', 400, api().get('/api/v1/history/summary?from=2025-02-31').set(user.bearer));
    await answers('GET /api/v1/history/export.csv', 200, api().get('/api/v1/history/export.csv').set(admin.bearer));
    await answers('GET /api/v1/history/export.csv', 400, api().get('/api/v1/history/export.csv?status=maybe').set(admin.bearer));
    const stranger = await loginAs(h.app);
    for (const op of ['GET /api/v1/history/{id}', 'GET /api/v1/history/{id}/report.pdf']) {
      for (const id of [randomUUID(), 'not-a-uuid']) await answers(op, 404, call(h.app, op, id).set(user.bearer));
      await answers(op, 404, call(h.app, op, recorded.image).set(stranger.bearer)); // someone else's: as if there were none
    }
    await answers('GET /api/v1/history/{id}/report.pdf', 200, call(h.app, 'GET /api/v1/history/{id}/report.pdf', recorded.study).set(user.bearer));
  });

  it('POST /api/v1/reports: the PDF, and each error', async () => {
    const post = () => api().post('/api/v1/reports').set(user.bearer);
    await answers('POST /api/v1/reports', 200, post().field('analysisId', recorded.image).attach('image', await white, 'w.png'));
    await answers('POST /api/v1/reports', 400, post().field('analysisId', recorded.image));
    await answers('POST /api/v1/reports', 404, post().attach('image', await solidPng(300, 300, 250), 'never.png'));
    await answers('POST /api/v1/reports', 413, post().attach('image', sixMegabytes(), 'big.jpg'));
    // recorded as a file error by the analyses case above: the re-run's file checks refuse it again
    await answers('POST /api/v1/reports', 415, post().attach('image', TEXT_AS_JPG, 'scan.jpg'));
    await answers('POST /api/v1/reports', 422, post().field('analysisId', recorded.study).attach('image', await white, 'w.png'));
  });

  it('GET /healthz, GET /readyz', async () => {
    await answers('GET /healthz', 200, api().get('/healthz'));
    await answers('GET /readyz', 200, api().get('/readyz'));
  });

  it('every route: 413 PAYLOAD_TOO_LARGE for a JSON body over the parser\'s limit, before the route or its login wall', async () => {
    expect(declaring(413, 'PAYLOAD_TOO_LARGE')).toEqual(contract.operations()); // the upload routes: beside FILE_TOO_LARGE
    const body = JSON.stringify({ email: 'x'.repeat(101 * 1024) });
    for (const op of contract.operations()) {
      for (const as of [{}, user.bearer]) {
        const res = await answers(op, 413, call(h.app, op).set(as).set('Content-Type', 'application/json').send(body));
        expect({ op, code: res.body.code }).toEqual({ op, code: 'PAYLOAD_TOO_LARGE' });
      }
    }
  });

  it("every route: the body parser's 400 (JSON that does not parse) and 415 (a charset or Content-Encoding it does not take), before the route or its login wall", async () => {
    // answered on every route like the 413 above, and declared on none but the upload routes' own 400 and 415
    for (const op of contract.operations()) {
      for (const as of [{}, user.bearer]) {
        const json = () => call(h.app, op).set(as).set('Content-Type', 'application/json');
        const broken = await answers(op, 400, json().send('{"email":'));
        const charset = await answers(op, 415, call(h.app, op).set(as).set('Content-Type', 'application/json; charset=latin9').send('{}'));
        const encoding = await answers(op, 415, json().set('Content-Encoding', 'zz').send('{}'));
        expect({ op, codes: [broken, charset, encoding].map((r) => r.body.code) }).toEqual({ op, codes: ['BAD_REQUEST', 'UNSUPPORTED_TYPE', 'UNSUPPORTED_TYPE'] });
      }
    }
  });

  it("every route: headers over Node's 16 KB limit are a 431 REQUEST_HEADERS_TOO_LARGE in the error shape (a bare 431 before)", async () => {
    for (const op of contract.operations()) {
      const res = await answers(op, 431, call(h.app, op).set('Cookie', `big=${'x'.repeat(17_000)}`));
      expect({ op, code: res.body.code }).toEqual({ op, code: 'REQUEST_HEADERS_TOO_LARGE' });
    }
  });

  it('every route: an Expect header other than 100-continue is a 417 EXPECTATION_FAILED in the error shape (Node\'s bare 417 before)', async () => {
    for (const op of contract.operations()) {
      // Node's client sends the headers the moment Expect is set, so supertest cannot add its own after it: a plain request
      const res = await answers(op, 417, expecting(op, 'something-else'));
      expect({ op, code: res.body.code }).toEqual({ op, code: 'EXPECTATION_FAILED' });
    }
  });

  it('a database that refuses writes: each route that writes answers 503 DATABASE_UNAVAILABLE, every other what it declares', async () => {
    const prisma = h.app.get(PrismaService);
    const { user: other } = await createUser(h.app);
    const writer = await loginAs(h.app);
    const grey = await solidPng(96, 96, 200);
    const series = zip(Object.fromEntries(dicomSeries(SERIES.slice(0, 3), { seriesUid: newUid() }).map((b, i) => [`IM${i}`, b])));
    const writes: Record<string, () => request.Test> = {
      'POST /api/v1/auth/token': () => api().post('/api/v1/auth/token').send({ email: writer.user.email, password: writer.password }),
      'POST /api/v1/auth/password': () => api().post('/api/v1/auth/password').set(writer.bearer).send({ current: writer.password, password: 'another long passphrase' }),
      'DELETE /api/v1/auth/token': () => api().delete('/api/v1/auth/token').set(writer.bearer),
      'POST /api/v1/users': () => api().post('/api/v1/users').set(admin.bearer).send({ email: `ro-${randomUUID()}@example.test`, password: 'a long enough passphrase', role: 'user' }),
      'PATCH /api/v1/users/{id}': () => api().patch(`/api/v1/users/${other.id}`).set(admin.bearer).send({ disabled: true }),
      'POST /api/v1/analyses': () => api().post('/api/v1/analyses').set(user.bearer).field('explain', 'false').attach('image', grey, 'w.png'),
      'POST /api/v1/studies': () => api().post('/api/v1/studies').set(user.bearer).attach('files', series, 's.zip'),
    };
    expect(declaring(503, 'DATABASE_UNAVAILABLE: the database refused the write').sort()).toEqual(Object.keys(writes).sort());
    await prisma.$executeRawUnsafe('PRAGMA query_only = ON');
    try {
      for (const [op, send] of Object.entries(writes)) {
        const res = await answers(op, 503, send());
        expect({ op, code: res.body.code }).toEqual({ op, code: 'DATABASE_UNAVAILABLE' });
      }
      // the routes that only read go on answering (a report re-runs in memory and records nothing)
      for (const op of contract.operations().filter((o) => !writes[o] && o.startsWith('GET') && !o.includes('{id}'))) {
        const res = await call(h.app, op).set(admin.bearer);
        expect({ op, problems: contract.check(op, res), status: res.status }).toEqual({ op, problems: '', status: op === 'GET /readyz' ? 503 : 200 });
      }
      await answers('POST /api/v1/reports', 200, api().post('/api/v1/reports').set(user.bearer).field('analysisId', recorded.image).attach('image', await white, 'w.png'));
    } finally {
      await prisma.$executeRawUnsafe('PRAGMA query_only = OFF');
    }
    await answers('POST /api/v1/auth/token', 200, writes['POST /api/v1/auth/token']());
  });

  /** Another app with these settings, its answers checked against the same document. */
  async function withApp(env: Record<string, string>, run: (on: NestExpressApplication, as: TestSession) => Promise<void>): Promise<void> {
    const other = await startApp(testConfig(env));
    try {
      await run(other, await loginAs(other));
    } finally {
      await other.close();
    }
  }

  it('no models loaded: /readyz and the analyses 503', () =>
    withApp({ MODELS_DIR: path.join(tempDir(), 'none') }, async (on, as) => {
      await answers('GET /readyz', 503, request(on.getHttpServer()).get('/readyz'));
      await answers('POST /api/v1/analyses', 503, call(on, 'POST /api/v1/analyses').set(as.bearer).attach('image', await white, 'w.png'));
      await answers('POST /api/v1/studies', 503, call(on, 'POST /api/v1/studies').set(as.bearer).attach('files', dicomSeries(SERIES.slice(0, 1))[0], 'a.dcm'));
    }));

  it('deadlines of 1 ms: the analyses 504', () =>
    withApp({ MODELS_DIR: FAKE_MODELS_DIR, ANALYSIS_TIMEOUT_MS: '1', STUDY_TIMEOUT_MS: '1' }, async (on, as) => {
      await answers('POST /api/v1/analyses', 504, call(on, 'POST /api/v1/analyses').set(as.bearer).attach('image', await solidPng(2000, 2000, 255), 'w.png'));
      await answers('POST /api/v1/studies', 504, call(on, 'POST /api/v1/studies').set(as.bearer).attach('files', zip(Object.fromEntries(dicomSeries(SERIES).map((b, i) => [`IM${i}`, b]))), 's.zip'));
    }));

  it('one request a minute: every throttled route answers 429 with Retry-After, the probes do not', () =>
    withApp({ MODELS_DIR: FAKE_MODELS_DIR, RATE_LIMIT_REQUESTS_PER_MINUTE: '1' }, async (on) => {
      await request(on.getHttpServer()).get('/api/v1/auth/me').expect(401); // the minute's one request
      for (const op of contract.operations()) {
        if (!contract.declared(op).includes('429')) {
          await answers(op, 200, call(on, op));
          continue;
        }
        const res = await answers(op, 429, call(on, op));
        expect({ op, retryAfter: Number(res.headers['retry-after']) > 0, code: res.body.code }).toEqual({ op, retryAfter: true, code: 'TOO_MANY_REQUESTS' });
      }
    }));

  it('every declared status of every route was provoked above', () => {
    expect(contract.operations().length).toBe(17); // a route gone from the document is a change to say, not to miss
    expect(contract.unprovoked(NOT_PROVOKED)).toEqual([]);
    // every answer carries X-Request-Id (assignRequestId, before anything can answer), so every one declares it
    const without = contract.operations().flatMap((op) => contract.declared(op).filter((s) => !contract.headers(op, s).includes('X-Request-Id')).map((s) => `${op} ${s}`));
    expect(without).toEqual([]);
  });
});
