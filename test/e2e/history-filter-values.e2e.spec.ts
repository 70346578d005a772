/**
 * A history filter value that can never match is refused by name, with the values that can. A
 * script sending `label=no_tumor` (the key is `notumor`), `bodyPart=elbow` or `status=done` was
 * answered 200 with 0 rows — silent emptiness it would take for "none yet". The accepted labels
 * and body parts are what the history can hold: the loaded models' and every value already
 * recorded (a label of an older model version stays a filter for as long as its rows exist).
 */
import request from 'supertest';
import { encodeCursor } from '../../src/history/history-cursor';
import { HistoryService } from '../../src/history/history.service';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import { analysisRecord } from '../helpers/analysis-record';

/** The fake models' brain_tumor labels (test/fixtures/fake-models), and the older set a 2.x model wrote. */
const CARD_LABELS = ['glioma', 'meningioma', 'notumor', 'pituitary'];
const BODY_PARTS = ['brain', 'knee', 'other_mri', 'spine'];

describe('history filters: a value that can never match is a 400 naming the accepted ones', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR }, sessions: { alice: {}, bob: {}, root: { role: 'admin' } } });
  const { alice, bob, root } = h.sessions;
  const server = () => h.server;

  beforeAll(async () => {
    const history = h.get(HistoryService);
    await history.record(analysisRecord(alice.user.id, {}));
    // as an older brain_tumor (2.x) answered: its label set was glioma_tumor, no_tumor…
    await history.record(analysisRecord(alice.user.id, { label: 'glioma_tumor' }));
    await history.record(analysisRecord(alice.user.id, { label: 'no_tumor' }));
  });

  const ROUTES = ['/api/v1/history', '/api/v1/history/summary', '/api/v1/history/export.csv'];

  it.each([
    ['label=pituitary_adenoma', 'label', [...CARD_LABELS, 'glioma_tumor', 'no_tumor']],
    ['label=Glioblastoma', 'label', CARD_LABELS],
    ['bodyPart=elbow', 'bodyPart', BODY_PARTS],
    ['bodyPart=not_mri', 'bodyPart', BODY_PARTS],
    ['status=done', 'status', ['completed', 'inconclusive', 'rejected']],
  ])('%s: 400 UNKNOWN_FILTER_VALUE on the list, the summary and the CSV, listing the accepted values', async (query, name, accepted) => {
    for (const route of ROUTES) {
      const res = await request(server()).get(`${route}?${query}`).set(root.bearer);
      expect({ route, status: res.status, code: res.body.code }).toEqual({ route, status: 400, code: 'UNKNOWN_FILTER_VALUE' });
      expect(res.body.message).toContain(`"${name}"`);
      for (const value of accepted) expect({ route, message: res.body.message.includes(value) ? value : res.body.message }).toEqual({ route, message: value });
    }
    // a user's own history: the same words (the accepted values are the service's, not the user's rows)
    const own = await request(server()).get(`/api/v1/history?${query}`).set(bob.bearer).expect(400);
    expect(own.body.code).toBe('UNKNOWN_FILTER_VALUE');
  });

  it('the labels a model gives in the words the page shows: "notumor (no tumour)"', async () => {
    const res = await request(server()).get('/api/v1/history?label=tumour').set(alice.bearer).expect(400);
    expect(res.body.message).toContain('notumor (no tumour)');
  });

  it('a label only an older model version gave is still a filter while its rows exist; a loaded model\'s label with no row yet is a true 0', async () => {
    const old = (await request(server()).get('/api/v1/history?label=glioma_tumor').set(alice.bearer).expect(200)).body as { total: number };
    expect(old.total).toBe(1);
    expect(((await request(server()).get('/api/v1/history?label=no_tumor').set(alice.bearer).expect(200)).body as { total: number }).total).toBe(1);
    // bob has none of them: an empty answer, which is the truth for his history
    expect(((await request(server()).get('/api/v1/history?label=glioma_tumor').set(bob.bearer).expect(200)).body as { total: number }).total).toBe(0);
    for (const q of ['label=pituitary', 'label=No+tumour', 'bodyPart=Knee', 'bodyPart=other+MRI', 'status=rejected']) {
      const res = await request(server()).get(`/api/v1/history?${q}`).set(alice.bearer);
      expect({ q, status: res.status, total: res.body.total }).toEqual({ q, status: 200, total: 0 });
    }
    await request(server()).get('/api/v1/history/summary?label=glioma_tumor').set(alice.bearer).expect(200);
    const csv = (await request(server()).get('/api/v1/history/export.csv?label=glioma_tumor').set(root.bearer).expect(200)).text;
    expect(csv.trim().split('\r\n')).toHaveLength(2);
  });

  it('the history page: the same message by the form, as typed, with the code — not a 500 or an empty table', async () => {
    const api = await request(server()).get('/api/v1/history?label=tumour&bodyPart=brain').set(alice.bearer).expect(400);
    const res = await request(server()).get('/history?label=tumour&bodyPart=brain').set(alice.headers).set('Accept', 'text/html').expect(400);
    expect(res.text).toContain('<form method="get" action="/history" class="filters">');
    // the Label box offers only accepted values (history-filter-form e2e): the refused one is named by the message, not offered; the body part stays chosen
    expect(res.text).not.toContain('value="tumour"');
    expect(res.text).toContain('<option value="brain" selected>Brain</option>');
    const shown = /<p class="client-error" role="alert" id="filter-error">([\s\S]*?) Change the filters above/.exec(res.text)?.[1];
    const escaped = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    expect(shown).toBe(escaped(api.body.message as string));
    expect(res.text).toContain('<code>UNKNOWN_FILTER_VALUE</code>');
    expect(res.text).not.toContain('role="table"');
    // the admin's CSV link of the page form: the JSON error, not an empty file
    const csv = await request(server()).get('/history/export.csv?status=done').set(root.headers);
    expect(csv.status).toBe(400);
  });

  it('cursor paging: a cursor carries its accepted filters on; beside another value it is CURSOR_FILTERS_MISMATCH', async () => {
    const first = (await request(server()).get('/api/v1/history?bodyPart=brain&pageSize=1').set(alice.bearer).expect(200)).body as { nextCursor: string };
    const next = (await request(server()).get(`/api/v1/history?cursor=${first.nextCursor}`).set(alice.bearer).expect(200)).body as { items: unknown[]; total: number };
    expect({ items: next.items.length, total: next.total }).toEqual({ items: 1, total: 3 });
    const mismatch = await request(server()).get(`/api/v1/history?cursor=${first.nextCursor}&label=no_such_label`).set(alice.bearer).expect(400);
    expect(mismatch.body.code).toBe('CURSOR_FILTERS_MISMATCH');
  });

  it('an admin\'s "user" filter with a control character is a 400 naming it (PostgreSQL answered 500 to a NUL), on every route and in a cursor', async () => {
    for (const value of ['a%00b%40example.org', encodeURIComponent(`${alice.user.email}\u0007`)]) {
      for (const route of ROUTES) {
        const res = await request(server()).get(`${route}?user=${value}`).set(root.bearer);
        expect({ route, status: res.status, code: res.body.code, message: res.body.message }).toEqual({ route, status: 400, code: 'BAD_REQUEST', message: '"user" must be an email address: it holds a control character.' });
      }
      const page = await request(server()).get(`/history?user=${value}`).set(root.headers);
      expect(page.status).toBe(400);
      expect(page.text).toContain('holds a control character');
    }
    // the same filter in a cursor rebuilt by hand (its digest has no key): not one this server gives
    const forged = encodeCursor({ direction: 'older', createdAt: new Date(), id: 'x', page: 2, pageSize: 1, filters: { user: 'a\u0000b@example.org' } });
    expect((await request(server()).get(`/api/v1/history?cursor=${forged}`).set(root.bearer).expect(400)).body.code).toBe('INVALID_CURSOR');
  });
});
