import { createServer, Socket } from 'node:net';
import { dockerErrorBody, writeDockerErrorToSocket } from './docker-error.response';

describe('writeDockerErrorToSocket', () => {
  it('answers, then lets a half-open socket close when the client closes (shutdown must not wait for it)', async () => {
    // Like the http server's sockets: half-open, and not read after an upgrade.
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    const serverSide = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new Socket({ allowHalfOpen: true });
    client.connect((server.address() as { port: number }).port, '127.0.0.1');
    let answer = '';
    client.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    const socket = await serverSide;
    client.write('POST /session HTTP/1.1\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n');
    writeDockerErrorToSocket(socket, 403, 'Forbidden', dockerErrorBody('no'));
    await new Promise((resolve) => client.once('end', resolve));
    expect(answer).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n[\s\S]*\{"message":"no"\}$/);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    client.end();
    await closed;
    await new Promise((resolve) => server.close(resolve));
  });
});
