import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { loginAs, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import { solidPng } from '../support/images';
import { Contract, OpenApiDoc } from '../support/openapi-contract';

/**
 * The OpenAPI document (`/api/docs-json`) against requests made from it: for every operation, a
 * matrix of requests a client could send — a bad or missing login, a method the path does not take,
 * each declared query parameter and JSON body field given a value its schema rules out (and each
 * field the schema calls optional left out), bodies of other media types, ids that name nothing —
 * and every answer must be one the document declares for that operation: its status, its media
 * type, its body valid against the declared schema (Contract.check). openapi-contract.e2e.spec.ts
 * provokes each declared answer by hand; this one walks what the document itself says a client may
 * send, so a new route or field is covered without a new case.
 */
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'options';
/** HEAD is left out: Express answers it wherever GET is (not a method the document lists), and a 405 to it has no body to check. */
const METHODS: Method[] = ['get', 'post', 'put', 'patch', 'delete', 'options'];
type Schema = { type?: string; enum?: unknown[]; minimum?: number; maximum?: number; maxLength?: number; minLength?: number; properties?: Record<string, Schema>; required?: string[]; $ref?: string; format?: string; items?: Schema };
interface Operation {
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
  requestBody?: { content: Record<string, { schema?: Schema }> };
  responses: Record<string, unknown>;
}
type Doc = OpenApiDoc & { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };

describe('OpenAPI document vs a matrix of requests made from it', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, RATE_LIMIT_REQUESTS_PER_MINUTE: '100000', RATE_LIMIT_ANALYSES_PER_MINUTE: '1000', RATE_LIMIT_LOGIN_PER_IP: '1000', RATE_LIMIT_LOGIN_PER_ACCOUNT: '1000', RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: '1000' }, sessions: { user: {}, admin: { role: 'admin' } } });
  const { user, admin } = h.sessions;
  let doc: Doc;
  let contract: Contract;
  const problems: string[] = [];

  const send = (method: Method, path: string) => request(h.server)[method](path);
  const fill = (route: string, id: string) => route.replace('{id}', encodeURIComponent(id));
  const resolve = (s: Schema | undefined): Schema => (s?.$ref ? doc.components.schemas[s.$ref.split('/').pop()!] : (s ?? {}));
  /** Who calls `route`: an admin for the admin routes; a fresh login for the calls that end or change one. */
  const caller = async (method: Method, route: string): Promise<TestSession> =>
    route.startsWith('/api/v1/users') || route.endsWith('export.csv') ? admin : route.startsWith('/api/v1/auth/') && method !== 'get' ? loginAs(h.app) : user;
  const operations = () => Object.entries(doc.paths).flatMap(([route, ops]) => Object.entries(ops).map(([m, op]) => ({ op: `${m.toUpperCase()} ${route}`, method: m as Method, route, spec: op })));

  /** Records what is wrong with the answer (nothing when the document declares it); `expect` also pins the status. */
  async function check(op: string, what: string, pending: request.Test, expectStatus?: (s: number) => boolean): Promise<request.Response> {
    const res = await pending;
    const wrong = contract.check(op, res);
    if (wrong) problems.push(`${op} [${what}]: ${wrong} — ${res.text.slice(0, 160)}`);
    else if (expectStatus && !expectStatus(res.status)) problems.push(`${op} [${what}]: answered ${res.status} — ${res.text.slice(0, 160)}`);
    return res;
  }

  beforeAll(async () => {
    doc = (await request(h.server).get('/api/docs-json').set(user.headers).expect(200)).body as Doc;
    contract = new Contract(doc);
  });
  beforeEach(() => problems.splice(0));

  it('no login, an unknown token, another scheme, an empty bearer: 401 with its declared body wherever 401 is declared', async () => {
    for (const { op, method, route, spec } of operations()) {
      const guarded = '401' in spec.responses && op !== 'POST /api/v1/auth/token';
      for (const [what, auth] of [['no login', {}], ['unknown token', { Authorization: 'Bearer mst_nothing' }], ['not a bearer', { Authorization: 'Basic dTpw' }], ['empty bearer', { Authorization: 'Bearer ' }]] as const) {
        await check(op, what, send(method, fill(route, randomUUID())).set(auth), guarded ? (s) => s === 401 : undefined);
      }
    }
    expect(problems).toEqual([]);
  });

  it('a method the path does not take: 405 with Allow naming exactly the methods the document lists, as an ErrorBody (OPTIONS: 204 with that Allow)', async () => {
    const errorBody = contract.schemaCheck('ErrorBodyDto');
    for (const [route, ops] of Object.entries(doc.paths)) {
      const declared = Object.keys(ops).map((m) => m.toUpperCase());
      const who = await caller('get', route);
      for (const method of METHODS.filter((m) => !(m in ops))) {
        const res = await send(method, fill(route, randomUUID())).set(who.bearer);
        // HEAD (from GET) and OPTIONS (every path) are the router's, not operations of the document
        const allow = String(res.headers.allow ?? '').split(/,\s*/).filter((m) => m !== 'HEAD' && m !== 'OPTIONS').sort();
        // OPTIONS is the question Allow answers: 204, no body (test/e2e/options-method.e2e.spec.ts)
        if (method === 'options') {
          if (res.status !== 204 || allow.join() !== [...declared].sort().join() || res.text) problems.push(`OPTIONS ${route}: ${res.status}, Allow "${res.headers.allow}" (document: ${declared.join(', ')})`);
          continue;
        }
        const body = errorBody(res.body);
        if (res.status !== 405 || allow.join() !== [...declared].sort().join() || body || !String(res.headers['content-type']).startsWith('application/json')) {
          problems.push(`${method.toUpperCase()} ${route}: ${res.status}, Allow "${res.headers.allow}" (document: ${declared.join(', ')}) ${body} — ${res.text.slice(0, 120)}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  /** Values `schema` rules out, each named. */
  function badValues(schema: Schema): [string, string][] {
    const out: [string, string][] = [];
    if (schema.maxLength !== undefined) out.push(['over maxLength', 'x'.repeat(schema.maxLength + 1)]);
    if (schema.enum) out.push(['outside the enum', 'not_in_the_enum']);
    if (schema.type === 'boolean') out.push(['not a boolean', 'maybe']);
    if (schema.type === 'integer' || schema.type === 'number') out.push(['not a number', 'abc']);
    if (schema.type === 'integer') out.push(['a fraction', '1.5']);
    if (schema.minimum !== undefined) out.push(['under minimum', String(schema.minimum - 1)]);
    if (schema.maximum !== undefined) out.push(['over maximum', String(schema.maximum + 1)]);
    return out;
  }

  /** Values `schema` admits at its edges: each enum value, the minimum and the maximum. */
  function edgeValues(schema: Schema): string[] {
    return [...(schema.enum ?? []).map(String), ...[schema.minimum, schema.maximum].filter((v) => v !== undefined).map(String)];
  }

  it('each declared query parameter: a value its schema rules out (400), one at its edges (200), the parameter repeated or nested; an undeclared one', async () => {
    for (const { op, method, route, spec } of operations()) {
      const who = await caller(method, route);
      const get = () => send(method, fill(route, randomUUID())).set(who.bearer);
      // a GET with nothing else wrong: the one thing wrong must be the 400; a POST may be refused for its missing body first
      const refused = method === 'get' && !route.includes('{id}') ? (s: number) => s === 400 : undefined;
      for (const p of (spec.parameters ?? []).filter((x) => x.in === 'query')) {
        for (const [what, value] of badValues(p.schema ?? {})) await check(op, `?${p.name} ${what}`, get().query({ [p.name]: value }), refused);
        // what the schema admits is taken
        for (const value of edgeValues(p.schema ?? {})) await check(op, `?${p.name}=${value}`, get().query({ [p.name]: value }), refused && ((s) => s === 200));
        await check(op, `?${p.name} repeated`, get().query(`${p.name}=1&${p.name}=1`), refused);
        await check(op, `?${p.name} nested`, get().query(`${p.name}[a]=1`), refused);
      }
      // an /api/v1 operation refuses a query parameter it does not declare, as the document says (those
      // without any took it silently: GET /api/v1/history/{id}?explain=false, PATCH …?role=admin were answered
      // as if it were not there, while GET /api/v1/history?zz=1 was a 400); the health probes ignore theirs
      const res = await check(op, 'undeclared ?zz', get().query({ zz: '1' }), route.startsWith('/api/v1/') ? (s) => s === 400 : undefined);
      // and says it is the query string (an upload route does not echo the name, as for its body's fields)
      if (route.startsWith('/api/v1/') && !String((res.body as { message?: unknown }).message).startsWith('Invalid query string: unexpected field')) problems.push(`${op} [undeclared ?zz]: the 400 is not about the query string: ${res.text.slice(0, 160)}`);
    }
    expect(problems).toEqual([]);
  });

  it('ids that name nothing: a random UUID, not a UUID, upper case, very long, encoded nonsense', async () => {
    for (const { op, method, route } of operations().filter((o) => o.route.includes('{id}'))) {
      const who = await caller('get', route);
      for (const id of [randomUUID(), 'not-a-uuid', randomUUID().toUpperCase(), 'a'.repeat(3000), '..', '%00', ' ']) {
        const pending = send(method, fill(route, id)).set(who.bearer);
        await check(op, `id ${id.slice(0, 20)}`, method === 'patch' ? pending.send({ role: 'user' }) : pending, (s) => s === 404);
      }
    }
    expect(problems).toEqual([]);
  });

  /**
   * A body each JSON operation takes, and who sends it. A login is made once per operation and again
   * only after an answer that used it up (a password changed): a login costs a password hash.
   */
  function validJson(op: string): (spent: boolean) => Promise<{ as: Record<string, string>; path?: string; body: Record<string, unknown> }> {
    let fresh: Promise<TestSession> | undefined;
    const session = (spent: boolean) => (fresh = !fresh || spent ? loginAs(h.app) : fresh);
    return async (spent) => {
      switch (op) {
        case 'POST /api/v1/auth/token': {
          const s = await session(spent);
          return { as: {}, body: { email: s.user.email, password: s.password } };
        }
        case 'POST /api/v1/auth/password': {
          const s = await session(spent);
          return { as: s.bearer, body: { current: s.password, password: `a new passphrase ${randomUUID()}` } };
        }
        case 'POST /api/v1/users':
          return { as: admin.bearer, body: { email: `m-${randomUUID()}@example.test`, password: 'a long enough passphrase', role: 'user' } };
        case 'PATCH /api/v1/users/{id}':
          return { as: admin.bearer, path: `/api/v1/users/${(await session(false)).user.id}`, body: { role: 'admin', disabled: false } };
        default:
          throw new Error(`no valid body for ${op}: add one`);
      }
    };
  }

  it('each JSON body: the valid one, each field left out (400 only where the schema requires it), wrong types, values the schema rules out, other shapes and media types', async () => {
    const jsonOps = operations().filter((o) => o.spec.requestBody?.content['application/json']);
    expect(jsonOps.map((o) => o.op).sort()).toEqual(['PATCH /api/v1/users/{id}', 'POST /api/v1/auth/password', 'POST /api/v1/auth/token', 'POST /api/v1/users']);
    for (const { op, method, route, spec } of jsonOps) {
      const schema = resolve(spec.requestBody!.content['application/json'].schema);
      const valid = validJson(op);
      let spent = false;
      let lastRefusal = '';
      /** The valid request, its body changed by `build`; a success marks the login used up (a changed password). */
      const post = async (what: string, build: (v: Awaited<ReturnType<typeof valid>>, pending: request.Test) => request.Test, expectStatus?: (s: number) => boolean) => {
        const v = await valid(spent);
        const res = await check(op, what, build(v, send(method, v.path ?? route).set(v.as)), expectStatus);
        spent = res.status < 300;
        lastRefusal = String((res.body as { message?: unknown }).message ?? '');
      };
      const json = (what: string, mutate: (b: Record<string, unknown>) => unknown, expectStatus?: (s: number) => boolean) => post(what, (v, r) => r.send(mutate({ ...v.body }) as object), expectStatus);
      await json('valid', (b) => b, (s) => s < 300);
      for (const [name, prop] of Object.entries(schema.properties ?? {})) {
        const required = (schema.required ?? []).includes(name);
        // a field the document calls optional may be left out: the server may not refuse the body for it
        await json(`without ${name}`, ({ [name]: _, ...rest }) => rest, required ? (s) => s === 400 : (s) => s !== 400);
        const field = resolve(prop);
        for (const [what, value] of [...badValues(field), ['a number', 7], ['an array', ['x']], ['an object', { a: 1 }], ['null', null]] as [string, unknown][]) {
          await json(`${name} ${what}`, (b) => ({ ...b, [name]: value }), (s) => s === 400);
        }
      }
      await json('an undeclared field', (b) => ({ ...b, zz: 1 }));
      // none of these carries a field: refused, never a 2xx that did nothing (PATCH with {} was a 200)
      const refused = (s: number) => s === 400 || s === 415;
      for (const [what, body] of [['an array', '[1]'], ['a string', '"x"'], ['empty', ''], ['null', 'null'], ['{}', '{}']] as const) {
        await post(`body ${what}`, (_, r) => r.set('Content-Type', 'application/json').send(body), refused);
      }
      // the valid body as other media types: 415, as the document says the operation takes JSON only — forms
      // were read as such (a 2xx), so the API took two body formats, one of them undocumented; the
      // browser's forms have routes of their own
      for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data']) {
        await post(`as ${type}`, (v, r) => {
          const text = Object.entries(v.body).map(([k, x]): [string, string] => [k, String(x)]);
          if (type === 'multipart/form-data') return text.reduce((m, [k, x]) => m.field(k, x), r);
          return r.set('Content-Type', type).send(type.includes('form') ? new URLSearchParams(text).toString() : JSON.stringify(v.body));
        }, (s) => s === 415);
        // and the refusal says what to send instead (POST /api/v1/users said "A valid email address is required.")
        if (!lastRefusal.includes('Content-Type: application/json')) problems.push(`${op} [as ${type}]: the refusal does not name the media type to send: ${lastRefusal}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('each upload route: JSON instead of multipart, a text body, multipart without the file, the file under another name, an undeclared field', async () => {
    const png = await solidPng(64, 64, 100);
    const uploads = operations().filter((o) => o.spec.requestBody?.content['multipart/form-data']);
    expect(uploads.length).toBe(3);
    for (const { op, method, route, spec } of uploads) {
      const post = () => send(method, route).set(user.bearer);
      const fields = resolve(spec.requestBody!.content['multipart/form-data'].schema);
      const fileField = (fields.required ?? [])[0];
      await check(op, 'JSON', post().send({ [fileField]: 'x' }), (s) => s === 400 || s === 415);
      await check(op, 'text', post().set('Content-Type', 'text/plain').send('hello'), (s) => s === 400 || s === 415);
      await check(op, 'no file', post().field('zz', '1'), (s) => s === 400);
      await check(op, 'file under another name', post().attach('other', png, 'a.png'), (s) => s === 400);
      await check(op, 'two files in a one-file field', post().attach(fileField, png, 'a.png').attach(fileField, png, 'b.png'));
      for (const [name, prop] of Object.entries(fields.properties ?? {}).filter(([n]) => n !== fileField)) {
        for (const [what, value] of badValues(resolve(prop))) await check(op, `${name} ${what}`, post().field(name, value).attach(fileField, png, 'a.png'), (s) => s === 400);
      }
      await check(op, 'boundary missing', post().set('Content-Type', 'multipart/form-data').send('--x\r\n'), (s) => s === 400 || s === 415);
    }
    expect(problems).toEqual([]);
  });

  it('an Accept the API does not answer in: still a declared answer', async () => {
    for (const { op, method, route } of operations().filter((o) => o.method === 'get')) {
      const who = await caller(method, route);
      for (const accept of ['application/xml', 'text/html']) await check(op, `Accept ${accept}`, send(method, fill(route, randomUUID())).set(who.bearer).set('Accept', accept));
    }
    expect(problems).toEqual([]);
  });
});
