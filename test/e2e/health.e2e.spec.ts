import request from 'supertest';
import { ShutdownState } from '../../src/health/shutdown-state';
import { loginAs } from '../helpers/auth';
import { useApp } from '../support/use-app';

describe('health and error surfaces (real app, temp SQLite)', () => {
  const h = useApp();

  it('GET /healthz answers ok', async () => {
    const res = await request(h.server).get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /readyz reports the database', async () => {
    const res = await request(h.server).get('/readyz');
    expect(res.body.checks.database.ok).toBe(true);
  });

  it('unknown API routes give the JSON error shape', async () => {
    const res = await request(h.server).get('/api/v1/nope').expect(404);
    expect(res.body).toEqual({ statusCode: 404, code: 'NOT_FOUND', message: expect.any(String) });
  });

  it('unknown pages give an HTML error page with the disclaimer', async () => {
    const res = await request(h.server).get('/nope').set('Accept', 'text/html').expect(404);
    expect(res.headers['content-type']).toMatch(/html/);
    expect(res.text).toContain('Research use only');
  });

  it('serves the OpenAPI document', async () => {
    const { headers } = await loginAs(h.app);
    const res = await request(h.server).get('/api/docs-json').set(headers).expect(200);
    expect(res.body.info.title).toBe('MRI Sentinel API');
  });

  // main.ts marks the stop on the first signal; the balancer must see 503 while the app still serves.
  // Last in this file: a stop is not undone.
  it('GET /readyz answers 503 SHUTTING_DOWN once a stop has begun, while /healthz still answers', async () => {
    h.get(ShutdownState).begin();
    const res = await request(h.server).get('/readyz').expect(503);
    expect(res.body).toEqual({ status: 'not_ready', checks: { database: { ok: true }, models: { ok: true }, shutdown: { ok: false, code: 'SHUTTING_DOWN' } } });
    expect(res.headers['retry-after']).toBeDefined();
    await request(h.server).get('/healthz').expect(200);
  });
});
