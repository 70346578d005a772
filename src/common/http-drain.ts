import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Longest a SIGTERM/SIGINT may take (main.ts's deadline): the drain below, then Nest's hooks
 * (inference workers, prepare pool, database) and the server's close.
 */
export const SHUTDOWN_GRACE_MS = 10_000;
/** Longest the drain waits for requests in flight; the rest of the grace is left to the hooks. */
export const SHUTDOWN_DRAIN_MS = 7_000;
/**
 * Longest the drain waits for a connection accepted before it but with no request read from it
 * yet (its bytes still in the socket's buffer, read on a later turn); one that has sent nothing by
 * then is closed — a browser's preconnect must not hold every stop for SHUTDOWN_DRAIN_MS.
 */
export const UNREAD_CONNECTION_GRACE_MS = 1_000;
/**
 * Most turns of the event loop the drain spends taking in the listen backlog before it stops
 * listening (it stops as soon as a turn accepts nothing): bounded, so a steady stream of new
 * connections cannot hold a stop open.
 */
export const BACKLOG_TURNS = 50;

/**
 * Empties the HTTP server before the app's parts are taken down. Node's server.close() only stops
 * new connections: a client that keeps its socket alive is served for as long as it sends, so
 * under steady load the close never finished and the process was cut off by the deadline (exit
 * code 1), after Nest's destroy hooks had already closed the inference workers and the database
 * under the requests still running (with workers, onnxruntime then aborted the process). Here:
 * stop listening, close idle kept-alive sockets, mark every response not yet sent
 * `Connection: close` (so each client's socket ends after the answer it is waiting for), and wait
 * for the requests in flight; past `ms` the remaining sockets are cut (their analyses see the
 * client gone and stop at their next check). Connections accepted but not read yet are waited for
 * too (up to UNREAD_CONNECTION_GRACE_MS): counting requests only, a drain with none in flight
 * returned at once, Nest's hooks closed the workers, and the requests read a moment later were
 * answered 503 ANALYSIS_UNAVAILABLE (12 of 12 analyses sent as the SIGTERM came, in one round).
 */
export class HttpDrain {
  private readonly open = new Set<ServerResponse>();
  /** accepted connections no request has been read from yet (plain HTTP: TLS ends at a proxy, so req.socket is the accepted socket) */
  private readonly unread = new Set<Socket>();
  private draining = false;
  /** connections accepted so far: the backlog is taken in until a turn of the loop adds none */
  private accepted = 0;
  private emptied: (() => void) | undefined;

  /** Counts the server's requests and unread connections; prepended so a request taken during the drain is marked before any handler runs. */
  attach(server: Server): void {
    server.prependListener('connection', (socket: Socket) => {
      this.accepted++;
      this.unread.add(socket);
      socket.once('close', () => this.settled(this.unread.delete(socket)));
    });
    server.prependListener('request', (req, res: ServerResponse) => {
      this.unread.delete(req.socket);
      this.open.add(res);
      if (this.draining) res.setHeader('Connection', 'close');
      res.once('close', () => this.settled(this.open.delete(res)));
    });
  }

  private settled(changed: boolean): void {
    if (changed && !this.open.size && !this.unread.size) this.emptied?.();
  }

  /**
   * Closing the listener resets every connection the kernel has completed but the server not yet
   * accepted — after the client sent its request (ECONNRESET: it cannot tell whether a POST was
   * processed). Without SHUTDOWN_DELAY_MS the close came at once, and a loop busy when they arrived
   * left them there (5 of 5 reset in http-drain.spec.ts). So the loop turns, accepting, until a turn
   * (a whole poll phase between two check phases) accepts nothing; those are then drained like the
   * others (marked Connection: close, waited for). A connection that arrives after that is refused
   * at its SYN (ECONNREFUSED: nothing was sent), or at worst, racing the close itself, reset.
   */
  private async acceptBacklog(server: Server): Promise<void> {
    for (let turn = 0; turn < BACKLOG_TURNS && server.listening; turn++) {
      const before = this.accepted;
      await new Promise<void>((resolve) => setImmediate(resolve));
      // the first wait may end in the turn the drain began in; from the second on, a poll phase lay between
      if (turn > 0 && this.accepted === before) return;
    }
  }

  /** Resolves with the number of requests cut off (0 when every one was answered within `ms`). */
  async drain(server: Server, ms: number): Promise<number> {
    this.draining = true;
    for (const res of this.open) if (!res.headersSent) res.setHeader('Connection', 'close');
    await this.acceptBacklog(server);
    if (server.listening) server.close(); // Node ≥ 19 also closes the idle kept-alive sockets
    server.closeIdleConnections();
    if (this.open.size || this.unread.size) {
      // connections still unread after the grace have sent nothing: closed, and no longer waited for
      const silent = setTimeout(() => {
        for (const socket of this.unread) socket.destroy();
      }, Math.min(UNREAD_CONNECTION_GRACE_MS, ms));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.emptied = () => (clearTimeout(timer), resolve());
      });
      clearTimeout(silent);
    }
    const cut = this.open.size;
    if (cut) server.closeAllConnections();
    return cut;
  }
}
