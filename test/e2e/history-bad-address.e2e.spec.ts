/**
 * A history address that is not an analysis id (`/history/not-a-uuid`, a link cut short) showed the
 * page heading "No such resource (id: expected a UUID)." — the parser's words on a user's page. The
 * page now says "No analysis with this address."; the API's JSON keeps its precise message.
 */
import request from 'supertest';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';

describe('a history address that is not an analysis id', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0' }, sessions: { s: {} } });
  const { s } = h.sessions;

  it('the page says so in a user\'s words, 404', async () => {
    const res = await request(h.server).get('/history/not-a-uuid').set(s.headers).set('Accept', 'text/html');
    expect(res.status).toBe(404);
    expect(res.text).toContain('<h1>No analysis with this address.</h1>');
    expect(res.text).not.toMatch(/expected a UUID|No such resource/);
  });

  it('a well-formed id of no record still says its own message', async () => {
    const res = await request(h.server).get('/history/00000000-0000-4000-8000-000000000000').set(s.headers).set('Accept', 'text/html');
    expect(res.status).toBe(404);
    expect(res.text).toContain('<h1>No such analysis in your history.</h1>');
  });

  it('the API keeps its precise message', async () => {
    const res = await request(h.server).get('/api/v1/history/not-a-uuid').set(s.bearer);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'NOT_FOUND', message: 'No such resource (id: expected a UUID).' });
  });
});
