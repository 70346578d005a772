import Ajv from 'ajv';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { loginAs } from '../helpers/auth';
import { SAMPLES_DIR, startApp, testConfig } from '../support/app';
import { dicomSeries, syntheticSlice, zip } from '../support/study-fixtures';

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}
interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components: object;
}

/**
 * Real answers of the analysis and study endpoints validated against the OpenAPI document they
 * publish (`/api/docs-json`): a client generated from it must accept what the server sends.
 */
describe('OpenAPI document vs real answers', () => {
  let app: NestExpressApplication;
  let headers: Record<string, string>;
  let doc: OpenApiDoc;
  const ajv = new Ajv({ strict: false, allErrors: true });
  const sample = path.join(SAMPLES_DIR, 'brain-glioma-1.jpg');

  beforeAll(async () => {
    app = await startApp(testConfig());
    headers = (await loginAs(app)).headers;
    doc = (await request(app.getHttpServer()).get('/api/docs-json').set(headers).expect(200)).body as OpenApiDoc;
    ajv.addSchema({ components: doc.components }, 'doc');
  });
  afterAll(async () => {
    await app?.close();
  });

  /** The schema the document declares for that answer ('' when the status is not declared at all). */
  function problems(route: string, status: number, body: unknown): string {
    const declared = doc.paths[route].post.responses[String(status)];
    if (!declared) return `${status} not declared (declared: ${Object.keys(doc.paths[route].post.responses).join(', ')})`;
    const schema = declared.content?.['application/json']?.schema;
    if (!schema) return `${status} declared without a schema`;
    const local = JSON.parse(JSON.stringify(schema).replace(/"#\/components/g, '"doc#/components')) as object;
    return ajv.validate(local, body) ? '' : ajv.errorsText(ajv.errors);
  }

  it('POST /api/v1/analyses: a completed answer with and without a heat map, and a refusal, fit the 200 schema', async () => {
    if (!fs.existsSync(sample)) return;
    for (const explain of ['true', 'false']) {
      const res = await request(app.getHttpServer()).post('/api/v1/analyses').set(headers).field('explain', explain).attach('image', sample).expect(200);
      expect(res.body.status).toBe('completed');
      expect(problems('/api/v1/analyses', 200, res.body)).toBe('');
    }
    const refused = await request(app.getHttpServer()).post('/api/v1/analyses').set(headers).field('explain', 'false').attach('image', path.join(SAMPLES_DIR, 'not-mri-chart.jpg')).expect(200);
    expect(problems('/api/v1/analyses', 200, refused.body)).toBe('');
  });

  it('POST /api/v1/analyses: the documented 400s and the 401 are declared with the error shape', async () => {
    const none = await request(app.getHttpServer()).post('/api/v1/analyses').set(headers).field('explain', 'false').expect(400);
    expect(none.body.code).toBe('MISSING_FILE');
    expect(problems('/api/v1/analyses', 400, none.body)).toBe('');
    const anon = await request(app.getHttpServer()).post('/api/v1/analyses').attach('image', Buffer.from('x'), 'a.jpg').expect(401);
    expect(problems('/api/v1/analyses', 401, anon.body)).toBe('');
  });

  it('POST /api/v1/studies: a study answer (slices included) fits the 200 schema; a request without files its 400', async () => {
    const slices = Array.from({ length: 3 }, (_, k) => syntheticSlice(96, 96, (x, y) => 40 + ((x * y + k) % 180)));
    const body = zip(Object.fromEntries(dicomSeries(slices).map((b, i) => [`IM${i}`, b])));
    const res = await request(app.getHttpServer()).post('/api/v1/studies').set(headers).attach('files', body, 'series.zip').expect(200);
    expect(res.body.slices.length).toBe(3);
    expect(problems('/api/v1/studies', 200, res.body)).toBe('');
    const none = await request(app.getHttpServer()).post('/api/v1/studies').set(headers).field('x', '1');
    expect(none.status).toBe(400);
    expect(problems('/api/v1/studies', 400, none.body)).toBe('');
  });
});
