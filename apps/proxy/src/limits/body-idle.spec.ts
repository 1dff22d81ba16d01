import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo, connect, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { bodyTimeoutRefusal, watchBodyIdle } from './body-idle';

const TIMEOUT_MS = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A real server whose handler is set per test, and a raw client that writes the
 * request head and then the body as slowly as the test wants.
 */
describe('watchBodyIdle', () => {
  let server: Server;
  let onRequest: (req: IncomingMessage) => void;
  const clients: Socket[] = [];

  beforeAll(async () => {
    server = createServer((req) => onRequest(req));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Sends the head, resolves with the socket and the server's request once it arrived. */
  const open = async (head: string): Promise<{ client: Socket; req: IncomingMessage }> => {
    const arrived = new Promise<IncomingMessage>((resolve) => (onRequest = resolve));
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    clients.push(client);
    client.write(head);
    return { client, req: await arrived };
  };

  const POST_10 = 'POST /v1.41/images/load HTTP/1.1\r\nHost: docker\r\nContent-Length: 10\r\n\r\n';
  const POST_CHUNKED = 'POST /v1.41/images/load HTTP/1.1\r\nHost: docker\r\nTransfer-Encoding: chunked\r\n\r\n';

  it.each([
    ['a Content-Length body', POST_10, 'ab'],
    ['a chunked body', POST_CHUNKED, '2\r\nab\r\n'],
  ])('calls onStall when %s stops arriving for the timeout', async (_, head, firstBytes) => {
    const { client, req } = await open(head);
    const stalls: number[] = [];
    const since = performance.now();
    watchBodyIdle(req, TIMEOUT_MS, () => stalls.push(performance.now() - since));
    req.resume();
    client.write(firstBytes);
    await sleep(TIMEOUT_MS / 2);
    expect(stalls).toEqual([]);
    await sleep(TIMEOUT_MS * 2);
    expect(stalls).toHaveLength(1);
    expect(stalls[0]).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
  });

  it('does not call onStall while the body keeps arriving, nor after it ended', async () => {
    const { client, req } = await open(POST_10);
    let stalls = 0;
    watchBodyIdle(req, TIMEOUT_MS, () => stalls++);
    req.resume();
    const ended = new Promise((resolve) => req.once('end', resolve));
    // 10 bytes, one every 40 ms: 400 ms in all, four times the timeout.
    for (let i = 0; i < 10; i++) {
      client.write('x');
      await sleep(TIMEOUT_MS * 0.4);
    }
    await ended;
    await sleep(TIMEOUT_MS * 1.5);
    expect(stalls).toBe(0);
  });

  it('does not count time the proxy holds a paused body back, and watches again once it flows', async () => {
    const { client, req } = await open(POST_10);
    let stalls = 0;
    watchBodyIdle(req, TIMEOUT_MS, () => stalls++);
    req.resume();
    client.write('ab');
    await sleep(10);
    req.pause(); // backpressure: the daemon is slow to take the body
    expect(req.readableFlowing).toBe(false);
    await sleep(TIMEOUT_MS * 2.5);
    expect(stalls).toBe(0);
    req.resume();
    await sleep(TIMEOUT_MS * 2);
    expect(stalls).toBe(1);
  });

  it('does not call onStall for a client that left (the request is destroyed)', async () => {
    const { client, req } = await open(POST_10);
    let stalls = 0;
    watchBodyIdle(req, TIMEOUT_MS, () => stalls++);
    req.resume();
    client.write('ab');
    await sleep(10);
    client.destroy();
    await sleep(TIMEOUT_MS * 2);
    expect(stalls).toBe(0);
  });

  describe('a request without a body', () => {
    // Not complete, not flowing: were it watched, its timer would fire.
    const fakeRequest = (headers: Record<string, string>) => Object.assign(new Readable({ read() {} }), { headers, complete: false }) as unknown as IncomingMessage;

    it.each([
      ['no framing header', {}],
      ['Content-Length: 0', { 'content-length': '0' }],
    ])('is never watched (%s)', async (_, headers) => {
      let stalls = 0;
      watchBodyIdle(fakeRequest(headers), TIMEOUT_MS, () => stalls++);
      await sleep(TIMEOUT_MS * 2);
      expect(stalls).toBe(0);
    });

    it('while the same stand-in with a declared body is', async () => {
      let stalls = 0;
      watchBodyIdle(fakeRequest({ 'content-length': '1' }), TIMEOUT_MS, () => stalls++);
      await sleep(TIMEOUT_MS * 2);
      expect(stalls).toBe(1);
    });

    it('from a real client is never watched', async () => {
      const { req } = await open('GET /v1.41/containers/json HTTP/1.1\r\nHost: docker\r\n\r\n');
      let stalls = 0;
      watchBodyIdle(req, TIMEOUT_MS, () => stalls++);
      await sleep(TIMEOUT_MS * 2);
      expect(stalls).toBe(0);
    });
  });
});

describe('bodyTimeoutRefusal', () => {
  it('is a 408 body-timeout naming BODY_TIMEOUT_MS and its value', () => {
    const refusal = bodyTimeoutRefusal(1234);
    expect(refusal).toMatchObject({ limit: 'body-timeout', status: 408 });
    expect(refusal.message).toContain('BODY_TIMEOUT_MS=1234');
  });
});
