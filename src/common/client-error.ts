import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorBody } from './app-exception.filter';
import { REQUEST_ID_HEADER } from './request-id';

/** Node's limit on a request's headers (--max-http-header-size, 16 KB by default), in the words of the answer. */
export const HEADERS_TOO_LARGE_MESSAGE = 'The request line and headers together are over the server\'s 16 KB limit (a very long URL or a large Cookie header): send less.';

/** The answer to each refusal, by the statuses Node gives them. */
function bodyFor(code: string | undefined): ErrorBody {
  if (code === 'HPE_HEADER_OVERFLOW') return { statusCode: 431, code: 'REQUEST_HEADERS_TOO_LARGE', message: HEADERS_TOO_LARGE_MESSAGE };
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The chunk extensions of the request body are too large.' };
  return { statusCode: 400, code: 'BAD_REQUEST', message: 'The request could not be read as HTTP/1.1.' };
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large' };

/**
 * Requests Node's HTTP parser refuses never reach Express: headers over 16 KB (431), a request that
 * is not HTTP (400). Node wrote a bare status line for them, with no body, no X-Request-Id and no
 * code, unlike every other error of the service. A 'clientError' listener replaces Node's handling
 * entirely, so this one does what Node does (answer only on a socket that can still be written and
 * has no answer under way, then destroy it), with the app's error body (ErrorBody) instead of none.
 * A request timeout (headers not complete within Node's requestTimeout) keeps Node's bare 408: the
 * client is likely gone, and the service has no error code for it.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // Node's own test (_http_server.js socketOnError): no answer under way on this socket
    const answering = socket.writable && !(socket as Duplex & { _httpMessage?: { _headerSent?: boolean } })._httpMessage?._headerSent;
    if (answering && err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      socket.write('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    } else if (answering) {
      const body = bodyFor(err.code);
      const text = JSON.stringify(body);
      socket.write(
        `HTTP/1.1 ${body.statusCode} ${REASONS[body.statusCode]}\r\n` +
          `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
          `${REQUEST_ID_HEADER}: ${randomUUID()}\r\nConnection: close\r\n\r\n${text}`,
      );
    }
    socket.destroy(err);
  });
}
