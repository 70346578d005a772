/**
 * A history address that is not an analysis id (`/history/not-a-uuid`, a link cut short) showed the
 * page heading "No such resource (id: expected a UUID)." — the parser's words on a user's page. The
 * page now says "No analysis with this address."; the API's JSON keeps its precise message.
 */
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { loginAs, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';

describe('a history address that is not an analysis id', () => {
  let app: NestExpressApplication;
  let s: TestSession;

  beforeAll(async () => {
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0' }));
    s = await loginAs(app);
  });
  afterAll(async () => app?.close());

  it('the page says so in a user\'s words, 404', async () => {
    const res = await request(app.getHttpServer()).get('/history/not-a-uuid').set(s.headers).set('Accept', 'text/html');
    expect(res.status).toBe(404);
    expect(res.text).toContain('<h1>No analysis with this address.</h1>');
    expect(res.text).not.toMatch(/expected a UUID|No such resource/);
  });

  it('a well-formed id of no record still says its own message', async () => {
    const res = await request(app.getHttpServer()).get('/history/00000000-0000-4000-8000-000000000000').set(s.headers).set('Accept', 'text/html');
    expect(res.status).toBe(404);
    expect(res.text).toContain('<h1>No such analysis in your history.</h1>');
  });

  it('the API keeps its precise message', async () => {
    const res = await request(app.getHttpServer()).get('/api/v1/history/not-a-uuid').set(s.bearer);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'NOT_FOUND', message: 'No such resource (id: expected a UUID).' });
  });
});
