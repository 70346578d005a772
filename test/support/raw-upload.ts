/**
 * A raw HTTP upload client for the specs that check how much of a refused body the server reads
 * (upload-chunked-length, upload-declared-length). supertest sends a body whole before it reads an
 * answer, so it cannot show a server that answers early; this client sends the body a 64 KB chunk
 * at a time, notes how much it had sent when the answer came, and asks the server's own socket
 * how many bytes it read.
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

const CHUNK = 64 * 1024;

/** A listening server whose connections are known by the client's port. */
export interface RawUploadServer {
  port: number;
  /** the server's end of each connection, by the client's port */
  sockets: ReadonlyMap<number, Socket>;
}

/** Starts `server` on a loopback port and keeps the server's end of each connection it accepts. */
export async function listenForRawUploads(server: http.Server): Promise<RawUploadServer> {
  const sockets = new Map<number, Socket>();
  server.on('connection', (s: Socket) => sockets.set(s.remotePort ?? 0, s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, sockets };
}

/**
 * How the body is framed and how far it is sent.
 * - `chunked`: no Content-Length; `head`, then `fill` bytes of filler, then `end`. Sending stops
 *   once an answer has arrived; the server's count is taken when it closes the connection (or at
 *   the answer, when it keeps the connection open).
 * - `declared`: a Content-Length of `length`; `head`, then filler up to `length`, sent on after the
 *   answer too, until all of it is sent or the server closes the connection; the server's count is
 *   taken when it closes the connection.
 */
export type RawBody = { framing: 'chunked'; head: Buffer; fill: number; end: Buffer } | { framing: 'declared'; head: Buffer; length: number };

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** body bytes the client had handed to its socket when the answer arrived */
  sent: number;
  /** bytes the server had read from this connection (headers and body) when it closed, or -1 if unknown */
  serverRead: number;
}

/** POSTs `body` to `path` as multipart/form-data with `boundary` (see RawBody for how far it goes). */
export function postRaw(server: RawUploadServer, path: string, boundary: string, headers: Record<string, string>, body: RawBody): Promise<RawAnswer> {
  const chunked = body.framing === 'chunked';
  const total = chunked ? body.head.length + body.fill : body.length;
  const lengthHeader: Record<string, string> = chunked ? {} : { 'Content-Length': String(body.length) };
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answer: Omit<RawAnswer, 'serverRead'> | null = null;
    let stopped = false;
    let finished = false;
    let localPort = -1;
    const req = http.request({
      host: '127.0.0.1',
      port: server.port,
      path,
      method: 'POST',
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, ...lengthHeader, ...headers },
    });
    const finish = () => {
      if (!answer || !stopped || finished) return;
      finished = true;
      const got = answer;
      const theirs = server.sockets.get(localPort);
      const done = () => resolve({ ...got, serverRead: theirs?.bytesRead ?? -1 });
      // a chunked upload answered on a connection kept open (one within the bound): nothing to wait for
      if (!theirs || theirs.destroyed || (chunked && got.headers.connection !== 'close')) done();
      else theirs.once('close', done);
      req.destroy();
    };
    const stop = () => {
      stopped = true;
      finish();
    };
    const send = () => {
      if (stopped || (chunked && answer)) return stop();
      if (sent >= total) {
        if (body.framing === 'chunked') req.end(body.end);
        else stop();
        return;
      }
      const part = sent === 0 ? body.head : Buffer.alloc(Math.min(CHUNK, total - sent), 7);
      sent += part.length;
      req.write(part, (err) => (err ? stop() : setImmediate(send)));
    };
    req.on('socket', (s) => {
      s.once('connect', () => {
        localPort = s.localPort ?? -1;
        send();
      });
      s.once('close', stop);
    });
    req.on('response', (res) => {
      const sentAtAnswer = sent;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('error', () => undefined); // the connection closed under a response already read
      res.on('end', () => {
        answer = { status: res.statusCode ?? 0, headers: res.headers, text, sent: sentAtAnswer };
        // a chunked upload stops sending at the answer; a declared one sends on until the close
        if (chunked) stop();
        else finish();
      });
    });
    // the server closes a refused upload's connection: the client's writes then fail; an error
    // before any answer (a reset that lost it) fails the test
    req.on('error', (e) => (answer ? stop() : setImmediate(() => (answer ? stop() : reject(e)))));
  });
}
