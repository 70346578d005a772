/**
 * GET /history answers a bad query in the format the request asks for. With Accept: application/json,
 * ?a=1 (a field it does not take, refused by the query schema) was a JSON 400, but ?page=0, a date
 * that does not exist, an unknown label or a bad cursor (refused while the filters are read, and
 * rendered as the page with its form) were an HTML 400 page. A browser still gets the page, with the
 * form and why.
 */
import request from 'supertest';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';

const BAD_QUERIES: [query: string, status: number, code: string][] = [
  ['?a=1', 400, 'BAD_REQUEST'],
  ['?page=0', 400, 'BAD_REQUEST'],
  ['?pageSize=1000', 400, 'BAD_REQUEST'],
  ['?from=2024-02-30', 400, 'BAD_REQUEST'],
  ['?from=2024-03-02&to=2024-03-01', 400, 'BAD_REQUEST'],
  ['?label=no-such-label', 400, 'UNKNOWN_FILTER_VALUE'],
  ['?cursor=not-a-cursor', 400, 'INVALID_CURSOR'],
  ['?user=someone@example.org', 403, 'FORBIDDEN'],
];

describe('GET /history: a bad query answers in the format Accept asks for', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR }, sessions: { alice: {} } });
  const { alice } = h.sessions;
  const get = (query: string, accept: string) => request(h.server).get(`/history${query}`).set(alice.headers).set('Accept', accept);

  it.each(BAD_QUERIES)('%s with Accept: application/json is a JSON %i %s', async (query, status, code) => {
    const res = await get(query, 'application/json');
    expect({ status: res.status, type: res.type }).toEqual({ status, type: 'application/json' });
    expect(res.body).toMatchObject({ statusCode: status, code, message: expect.any(String) });
  });

  it.each(BAD_QUERIES)('%s without Accept is JSON too, as the exception filter answers any page (%i %s)', async (query, status, code) => {
    const res = await request(h.server).get(`/history${query}`).set(alice.headers);
    expect({ status: res.status, type: res.type, code: res.body.code }).toEqual({ status, type: 'application/json', code });
  });

  it.each(BAD_QUERIES.filter(([q]) => q !== '?a=1'))('%s from a browser is the page, its form and why (HTML %i)', async (query, status) => {
    const res = await get(query, 'text/html');
    expect({ status: res.status, type: res.type }).toEqual({ status, type: 'text/html' });
    expect(res.text).toContain('<form');
  });
});
