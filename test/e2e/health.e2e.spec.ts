import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { loginAs } from '../helpers/auth';
import { startApp, testConfig } from '../support/app';

describe('health and error surfaces (real app, temp SQLite)', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await startApp(testConfig());
  });
  afterAll(async () => {
    await app.close();
  });

  it('GET /healthz answers ok', async () => {
    const res = await request(app.getHttpServer()).get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /readyz reports the database', async () => {
    const res = await request(app.getHttpServer()).get('/readyz');
    expect(res.body.checks.database.ok).toBe(true);
  });

  it('unknown API routes give the JSON error shape', async () => {
    const res = await request(app.getHttpServer()).get('/api/v1/nope').expect(404);
    expect(res.body).toEqual({ statusCode: 404, code: 'NOT_FOUND', message: expect.any(String) });
  });

  it('unknown pages give an HTML error page with the disclaimer', async () => {
    const res = await request(app.getHttpServer()).get('/nope').set('Accept', 'text/html').expect(404);
    expect(res.headers['content-type']).toMatch(/html/);
    expect(res.text).toContain('Research use only');
  });

  it('serves the OpenAPI document', async () => {
    const { headers } = await loginAs(app);
    const res = await request(app.getHttpServer()).get('/api/docs-json').set(headers).expect(200);
    expect(res.body.info.title).toBe('MRI Sentinel API');
  });
});
