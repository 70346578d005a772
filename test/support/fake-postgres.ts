import * as net from 'node:net';

/**
 * A loopback TCP server speaking just enough of PostgreSQL's wire protocol to fail the way a real
 * server does when it is restarted, full or shutting down: it accepts the login (AuthenticationOk,
 * ReadyForQuery), then answers the first query with an ErrorResponse carrying `code` (e.g. 57P01,
 * "terminating connection due to administrator command", what `pg_ctl restart` or
 * pg_terminate_backend sends to every open connection) and closes the connection. With
 * `atLogin`, the error is the answer to the login itself (53300 too many connections, 57P03 the
 * database system is starting up). `severity: 'ERROR'` fails the statement and keeps the
 * connection open, as a refused privilege (42501) does. `silent: true` accepts the connection and
 * never answers (a frozen server, or a network that drops packets); `frozenAfterLogin: true` accepts
 * the login and then answers no query (a server frozen while the app's connections are open).
 * `startupParameters()` are what each login sent (statement_timeout …). `close: true` instead drops the connection without a word
 * (a crashed server or a cut network). Lets unit tests see the real driver adapter's errors
 * without a PostgreSQL server.
 */
export interface FakePostgres {
  url: string;
  port: number;
  /** connections accepted so far (every attempt of a start-up wait is one) */
  connections(): number;
  /** each login's startup parameters (user, database, statement_timeout …), in order */
  startupParameters(): Record<string, string>[];
  close(): Promise<void>;
}

export interface FakePostgresOptions {
  code?: string;
  message?: string;
  atLogin?: boolean;
  /** with atLogin: only the first N logins get the error, later ones are accepted (a server that finished starting) */
  atLoginTimes?: number;
  close?: boolean;
  severity?: 'ERROR' | 'FATAL';
  silent?: boolean;
  frozenAfterLogin?: boolean;
  /** listen on this port (one a test found closed: refused until the fake starts there); else any free one */
  port?: number;
}

export async function fakePostgres(opts: FakePostgresOptions): Promise<FakePostgres> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const logins: Record<string, string>[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const index = ++connections;
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let loggedIn = false;
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      if (opts.silent) return;
      if (opts.close) return void socket.destroy();
      if (!loggedIn) {
        // the startup message (no type byte) is the first thing a client sends
        logins.push(startupParameters(chunk));
        if (opts.atLogin && (opts.atLoginTimes === undefined || index <= opts.atLoginTimes)) return void socket.end(errorResponse(opts.code ?? '57P03', opts.message ?? 'the database system is starting up', 'FATAL'));
        loggedIn = true;
        socket.write(Buffer.concat([message('R', int32(0)), message('Z', Buffer.from('I'))]));
        return;
      }
      if (opts.frozenAfterLogin) return;
      // answer once per statement: at a simple Query ('Q') or at the Sync ('S') closing an extended one
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 5 && pending.length >= 1 + pending.readInt32BE(1)) {
        const type = String.fromCharCode(pending[0]);
        pending = pending.subarray(1 + pending.readInt32BE(1));
        if (type !== 'Q' && type !== 'S') continue;
        const error = errorResponse(opts.code ?? '57P01', opts.message ?? 'terminating connection due to administrator command', opts.severity ?? 'FATAL');
        // an ERROR ends the statement, not the session: the server is ready for the next one
        if (opts.severity === 'ERROR') socket.write(Buffer.concat([error, message('Z', Buffer.from('I'))]));
        else return void socket.end(error);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `postgresql://sentinel:pw@127.0.0.1:${port}/sentinel`,
    port,
    connections: () => connections,
    startupParameters: () => logins,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

function message(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
}

function errorResponse(code: string, text: string, severity: string): Buffer {
  const field = (t: string, v: string) => Buffer.concat([Buffer.from(t), Buffer.from(v), Buffer.from([0])]);
  return message('E', Buffer.concat([field('S', severity), field('V', severity), field('C', code), field('M', text), Buffer.from([0])]));
}

/** The key/value pairs of a StartupMessage (length, protocol 3.0, then name NUL value NUL … NUL). */
function startupParameters(chunk: Buffer): Record<string, string> {
  const parts = chunk.subarray(8, Math.min(chunk.length, chunk.readInt32BE(0))).toString('utf8').split('\0');
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length && parts[i]; i += 2) out[parts[i]] = parts[i + 1];
  return out;
}
