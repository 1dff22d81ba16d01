import { OWNER_LABEL } from '@dind/policy';
import { createServer, IncomingMessage, request, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { MAX_OWNER_VIEW_BYTES, sendOwnerView } from './owner-view.response';

// The daemon's answer is a stream the test writes; the client is a real HTTP request.
let daemonAnswer: { status: number; chunks: Buffer[] };
let view: 'images' | 'network' = 'images';
let ownContainers: () => Promise<ReadonlySet<string>> = async () => new Set();
let counted = 0;
let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((_req, res) => {
    const proxyRes = Object.assign(new PassThrough(), { statusCode: daemonAnswer.status, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } });
    void sendOwnerView(proxyRes as unknown as IncomingMessage, res, { view, owner: 'me' }, (bytes) => (counted += bytes), () => ownContainers());
    for (const chunk of daemonAnswer.chunks) proxyRes.write(chunk);
    proxyRes.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const get = () =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    request({ port, host: '127.0.0.1', path: '/images/json' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });

describe('sendOwnerView', () => {
  it('sends the list narrowed to the owner, with its own length, and counts what the daemon sent', async () => {
    const list = JSON.stringify([{ Id: 'a', Labels: { [OWNER_LABEL]: 'me' } }, { Id: 'b', Labels: { [OWNER_LABEL]: 'you' } }, { Id: 'c', Labels: null, RepoTags: ['busybox:latest'] }]);
    counted = 0;
    daemonAnswer = { status: 200, chunks: [Buffer.from(list.slice(0, 10)), Buffer.from(list.slice(10))] };
    const { status, body } = await get();
    expect(status).toBe(200);
    expect((JSON.parse(body) as Array<{ Id: string }>).map((image) => image.Id)).toEqual(['a', 'c']);
    expect(counted).toBe(list.length);
  });

  it('shows a network\'s containers only when they are the requester\'s, and fails closed when it cannot list them', async () => {
    view = 'network';
    try {
      daemonAnswer = { status: 200, chunks: [Buffer.from(JSON.stringify({ Name: 'bridge', Containers: { mine1: { Name: 'a' }, theirs1: { Name: 'b' } } }))] };
      ownContainers = async () => new Set(['mine1']);
      expect(JSON.parse((await get()).body)).toEqual({ Name: 'bridge', Containers: { mine1: { Name: 'a' } } });
      ownContainers = async () => {
        throw new Error('the daemon answered 500');
      };
      const { status, body } = await get();
      expect(status).toBe(502);
      expect(body).not.toContain('theirs1');
    } finally {
      view = 'images';
    }
  });

  it('passes an error answer as it is', async () => {
    daemonAnswer = { status: 500, chunks: [Buffer.from('{"message":"boom"}')] };
    expect(await get()).toEqual({ status: 500, body: '{"message":"boom"}' });
  });

  it.each([
    ['an answer it cannot read', [Buffer.from('[{"Id":')], /could not be read/],
    ['an answer larger than the bound', [Buffer.alloc(MAX_OWNER_VIEW_BYTES, 0x20), Buffer.from('[]')], /larger than/],
  ])('fails closed on %s: 502, never the unfiltered list', async (_name, chunks, message) => {
    daemonAnswer = { status: 200, chunks };
    const { status, body } = await get();
    expect(status).toBe(502);
    expect((JSON.parse(body) as { message: string }).message).toMatch(message);
  });
});
