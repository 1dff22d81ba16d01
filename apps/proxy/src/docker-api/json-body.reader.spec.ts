import { PolicyDenial } from '@dind/policy';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo, connect, Socket } from 'node:net';
import { readJsonBody } from './json-body.reader';

const LIMIT = 64;
const TIMEOUT_MS = 150;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A real server that hands each request to readJsonBody, and a raw client that
 * writes the request as the test wants it, slowly or not at all.
 */
describe('readJsonBody', () => {
  let server: Server;
  let outcome: Promise<Buffer | PolicyDenial>;
  const clients: Socket[] = [];

  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Resolves once the server has handed the request to readJsonBody. */
  const send = async (head: string, body = ''): Promise<Socket> => {
    const arrived = new Promise<void>((resolve) =>
      server.once('request', (req: IncomingMessage) => {
        outcome = readJsonBody(req, LIMIT, TIMEOUT_MS);
        resolve();
      }),
    );
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    clients.push(client);
    client.write(head + body);
    await arrived;
    return client;
  };
  const head = (framing: string) => `POST /v1.41/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n${framing}\r\n\r\n`;
  const chunked = (...chunks: string[]) => chunks.map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join('') + '0\r\n\r\n';

  it.each([
    ['a Content-Length body', head('Content-Length: 19'), '{"Image":"busybox"}', '{"Image":"busybox"}'],
    ['a chunked body', head('Transfer-Encoding: chunked'), chunked('{"Image":', '"busybox"}'), '{"Image":"busybox"}'],
    ['a body of exactly the limit', head(`Content-Length: ${LIMIT}`), 'x'.repeat(LIMIT), 'x'.repeat(LIMIT)],
    ['an empty body', head('Content-Length: 0'), '', ''],
    ['bytes that are not valid JSON (judged later)', head('Content-Length: 5'), '{"a":', '{"a":'],
  ])('returns the bytes of %s as they arrived', async (_, requestHead, body, expected) => {
    await send(requestHead, body);
    const read = await outcome;
    expect(Buffer.isBuffer(read)).toBe(true);
    expect((read as Buffer).toString()).toBe(expected);
  });

  it.each([
    ['declared by Content-Length', head(`Content-Length: ${LIMIT + 1}`), ''],
    ['streamed in chunks past the limit', head('Transfer-Encoding: chunked'), chunked('x'.repeat(40), 'x'.repeat(40))],
  ])('refuses a body over the limit %s with 413 body.size', async (_, requestHead, body) => {
    await send(requestHead, body);
    const read = await outcome;
    expect(read).toMatchObject({ status: 413, rule: 'body.size', field: '(body)' });
    expect((read as PolicyDenial).reason).toContain(`at most ${LIMIT} bytes`);
  });

  it('refuses a body that stops arriving with 408 limit.body-timeout naming BODY_TIMEOUT_MS', async () => {
    const since = performance.now();
    await send(head('Content-Length: 19'), '{"Image":');
    const read = await outcome;
    expect(performance.now() - since).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(read).toMatchObject({ status: 408, rule: 'limit.body-timeout' });
    expect((read as PolicyDenial).reason).toContain(`BODY_TIMEOUT_MS=${TIMEOUT_MS}`);
  });

  it('refuses a body that trickles in past the whole-body deadline, though it never stalls for long', async () => {
    const client = await send(head('Content-Length: 20'));
    let settled = false;
    void outcome.then(() => (settled = true));
    for (let i = 0; i < 20 && !settled; i++) {
      client.write('x');
      await sleep(TIMEOUT_MS / 5);
    }
    expect(await outcome).toMatchObject({ status: 408, rule: 'limit.body-timeout' });
  });

  it('refuses a body whose client disconnects mid-body with 400 body.framing', async () => {
    const client = await send(head('Content-Length: 19'), '{"Image":');
    await sleep(20);
    const since = performance.now();
    client.destroy();
    const read = await outcome;
    expect(read).toMatchObject({ status: 400, rule: 'body.framing', field: '(body)' });
    // Answered at the disconnect, not at the deadline.
    expect(performance.now() - since).toBeLessThan(TIMEOUT_MS / 2);
  });
});
