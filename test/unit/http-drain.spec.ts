import * as http from 'node:http';
import * as net from 'node:net';
import { Worker } from 'node:worker_threads';
import { HttpDrain } from '../../src/common/http-drain';

/**
 * The drain on SIGTERM (src/common/http-drain.ts) with a request the client had sent in full when
 * the drain began but that the server had not read yet (its connection accepted, the bytes in the
 * socket's buffer: here the connection is handed to the server in the same tick as the drain). It
 * must be answered, with Connection: close — not taken for an idle kept-alive socket and reset.
 * And requests still in the listen backlog when the drain begins (connected and sent, not yet
 * accepted: the event loop was busy) — the kernel resets them when the server stops listening.
 */
describe('HttpDrain', () => {
  const servers: net.Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  /** An HTTP server fed by a raw listener that holds each accepted socket unread until `hand` gives it over. */
  async function setUp() {
    const handled: string[] = [];
    const server = http.createServer((req, res) => (handled.push(req.url ?? ''), res.end('answered')));
    const drain = new HttpDrain();
    drain.attach(server);
    const accepted: net.Socket[] = [];
    let arrived: () => void = () => undefined;
    const raw = net.createServer({ pauseOnConnect: true }, (socket) => (accepted.push(socket), arrived()));
    servers.push(raw, server);
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    server.listen(0, '127.0.0.1'); // listening, as the app's server is when the signal comes
    const port = (raw.address() as net.AddressInfo).port;
    const waitAccepted = new Promise<void>((resolve) => (arrived = resolve));
    return { server, drain, raw, port, waitAccepted, accepted, handled };
  }

  /** Sends one whole GET and collects whatever comes back until the socket ends. */
  function client(port: number) {
    const socket = net.connect(port, '127.0.0.1');
    let got = '';
    let failure = '';
    const sent = new Promise<void>((resolve) => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n', () => resolve()));
    const done = new Promise<string>((resolve) => {
      socket.on('data', (d) => (got += String(d)));
      socket.on('error', (e: NodeJS.ErrnoException) => (failure = e.code ?? e.message));
      socket.on('close', () => resolve(failure ? `error ${failure}` : got));
    });
    return { sent, done };
  }

  it('a request sent in full before the drain, not yet read by the server, is answered (Connection: close), not reset', async () => {
    const { server, drain, port, waitAccepted, accepted } = await setUp();
    const c = client(port);
    await Promise.all([c.sent, waitAccepted]);
    server.emit('connection', accepted[0]); // the server's connection now, its bytes still unread
    accepted[0].resume(); // reading starts, as on any accepted socket: the bytes are read on the next turn
    const cut = await drain.drain(server, 5000);
    const answer = await c.done;
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    expect(answer.endsWith('answered')).toBe(true);
    expect(cut).toBe(0);
  });

  // With no request in flight yet the drain returned at once, and in the app Nest's hooks then
  // closed the inference workers before the request was read: a 503 ANALYSIS_UNAVAILABLE for an
  // analysis the client had sent before the signal (12 of 12 in one round of the SIGTERM probe).
  it('waits for that request: when the drain is over it has been handled', async () => {
    const { server, drain, port, waitAccepted, accepted, handled } = await setUp();
    const c = client(port);
    await Promise.all([c.sent, waitAccepted]);
    server.emit('connection', accepted[0]);
    accepted[0].resume();
    expect(await drain.drain(server, 5000)).toBe(0);
    expect(handled).toEqual(['/']);
    expect(await c.done).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });

  /**
   * A client in its own thread: `n` connections, each sending one whole GET; the main thread is told
   * through `shared` once all are connected and sent (the kernel completes the handshake whether or
   * not the server has accepted), and is sent each connection's first answer line, or its error.
   */
  const BACKLOG_CLIENT = `
    const { workerData, parentPort } = require('node:worker_threads');
    const net = require('node:net');
    const flag = new Int32Array(workerData.shared);
    const results = [];
    let sent = 0;
    for (let i = 0; i < workerData.n; i++) {
      const s = net.connect(workerData.port, '127.0.0.1');
      let got = '', failure = '';
      s.on('connect', () => s.write('GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n', () => {
        if (++sent === workerData.n) { Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); }
      }));
      s.on('data', (d) => (got += d));
      s.on('error', (e) => (failure = e.code));
      s.on('close', () => {
        results.push(failure ? 'error ' + failure : got.split('\\r\\n')[0]);
        if (results.length === workerData.n) parentPort.postMessage(results);
      });
    }`;

  // Without SHUTDOWN_DELAY_MS the drain stopped listening at once: connections the kernel had taken
  // but the server not yet accepted (its loop busy with other work when they came) were reset —
  // ECONNRESET after the client had sent its request, so it cannot tell whether a POST was processed.
  it('requests waiting in the listen backlog when the drain begins are accepted and answered, not reset', async () => {
    const server = http.createServer((req, res) => res.end('answered'));
    servers.push(server);
    const drain = new HttpDrain();
    drain.attach(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const shared = new SharedArrayBuffer(4);
    const n = 5;
    const worker = new Worker(BACKLOG_CLIENT, { eval: true, workerData: { port: (server.address() as net.AddressInfo).port, n, shared } });
    const answers = new Promise<string[]>((resolve) => worker.once('message', resolve));
    // the main thread blocked, as a busy event loop is: the five connect and send, none is accepted
    Atomics.wait(new Int32Array(shared), 0, 0);
    const cut = drain.drain(server, 5000); // the signal's drain begins with all five in the backlog
    expect(await answers).toEqual(Array(n).fill('HTTP/1.1 200 OK'));
    expect(await cut).toBe(0);
    await worker.terminate();
  });

  it('a connection that sends nothing does not hold the drain for its whole bound: closed after a short grace', async () => {
    const { server, drain, port, waitAccepted, accepted, handled } = await setUp();
    const silent = net.connect(port, '127.0.0.1');
    const closed = new Promise<void>((resolve) => silent.on('close', () => resolve()).on('error', () => undefined));
    await waitAccepted;
    server.emit('connection', accepted[0]);
    accepted[0].resume();
    // a bound no test would wait out (jest's timeout is far below it): the grace must end the drain
    expect(await drain.drain(server, 600_000)).toBe(0);
    await closed;
    expect(handled).toEqual([]);
  });
});
