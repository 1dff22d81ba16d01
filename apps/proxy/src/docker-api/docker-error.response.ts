import { denialMessage, PolicyDenial } from '@dind/policy';
import { ServerResponse } from 'node:http';
import { Socket } from 'node:net';

/** Docker clients print `message` after "Error response from daemon: ". */
export function dockerErrorBody(message: string): Buffer {
  return Buffer.from(JSON.stringify({ message }));
}

/**
 * The request id leads an operator straight to the audit record; the client's
 * identity (its certificate's subject with TLS, its address without) tells the
 * client which credentials the service saw.
 */
export function denialBody(denial: PolicyDenial, requestId: string, client: string): Buffer {
  return dockerErrorBody(denialText(denial, requestId, client));
}

export function denialText(denial: PolicyDenial, requestId: string, client: string): string {
  return `${denialMessage(denial)} [request id ${requestId}] [client ${client}]`;
}

export function sendDockerError(res: ServerResponse, status: number, body: Buffer, requestId?: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': body.length,
    ...(requestId ? { 'X-Request-Id': requestId } : {}),
    // The rest of a body that is too slow or too large is not worth reading.
    ...(status === 408 || status === 413 ? { Connection: 'close' } : {}),
  });
  res.end(body);
}

// How long a refused client may take to close its side before it is cut.
const REFUSED_SOCKET_LINGER_MS = 5000;

/** The same answer on a raw socket (upgrade requests never reach an http.ServerResponse). */
export function writeDockerErrorToSocket(socket: Socket, status: number, reason: string, body: Buffer): void {
  if (socket.destroyed) return;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString()}`,
  );
  lingerThenClose(socket);
}

/**
 * After an upgrade the http server no longer reads the socket, and its sockets
 * are half-open: unread, the client's FIN is never seen, the socket never
 * closes, and what it holds (and server.close() at shutdown) waits forever.
 * Reading (and discarding) lets the close through; a client that never closes
 * is cut. Not destroyed at once: unread input at close makes the kernel send a
 * reset that can overtake the answer.
 */
export function lingerThenClose(socket: Socket): void {
  socket.resume();
  setTimeout(() => socket.destroy(), REFUSED_SOCKET_LINGER_MS).unref();
}
