/**
 * Requests Node's HTTP parser refuses before the app sees them — headers over its 16 KB limit, a
 * request line that is not HTTP — were answered by Node itself: a bare `431` or `400` with no body,
 * no X-Request-Id, declared nowhere. They are answered in the app's error shape now
 * (src/common/client-error.ts), and the 431 is in the OpenAPI document.
 */
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { loginAs } from '../helpers/auth';
import { useApp } from '../support/use-app';

/** Sends `raw` on a fresh connection and returns everything the server wrote before it closed. */
function rawExchange(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    socket.on('data', (d: Buffer) => parts.push(d));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(parts).toString('latin1')));
    socket.end(raw);
  });
}

function parse(answer: string): { status: number; headers: Record<string, string>; body: string } {
  const [head, body = ''] = answer.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

describe('requests the HTTP parser refuses', () => {
  const h = useApp();
  let port: number;

  beforeAll(async () => {
    await h.app.listen(0, '127.0.0.1');
    port = (h.server.address() as AddressInfo).port;
  });

  it('headers over 16 KB: 431 with a JSON error body, a request id and Connection: close', async () => {
    const answer = parse(await rawExchange(port, `GET /api/v1/models HTTP/1.1\r\nHost: x\r\nCookie: a=${'x'.repeat(20_000)}\r\n\r\n`));
    expect(answer.status).toBe(431);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.headers['connection']).toBe('close');
    expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
    expect(JSON.parse(answer.body)).toEqual({
      statusCode: 431,
      code: 'REQUEST_HEADERS_TOO_LARGE',
      message: expect.stringContaining('16 KB') as unknown,
    });
  });

  it('a request line that is not HTTP: 400 BAD_REQUEST with a JSON body', async () => {
    const answer = parse(await rawExchange(port, 'HELLO THERE\r\n\r\n'));
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST' });
  });

  it('a connection that sends nothing and closes gets nothing (no answer written to a gone client)', async () => {
    expect(await rawExchange(port, '')).toBe('');
  });

  it('the OpenAPI document declares the 431 on every operation', async () => {
    const user = await loginAs(h.app);
    const doc = (await request(h.server).get('/api/docs-json').set(user.headers).expect(200)).body as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
    };
    const missing = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).filter(([, op]) => !op.responses['431']?.content?.['application/json']).map(([m]) => `${m} ${path}`));
    expect(missing).toEqual([]);
  });
});
