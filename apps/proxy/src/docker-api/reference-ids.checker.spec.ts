import { createServer, Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerdSupervisor } from '@dind/daemon';
import { ContainerReference, DockerPolicy, NetworkReference, RESTRICTED, ResolvedIds } from '@dind/policy';
import { ContainerReferenceChecker } from './container-reference.checker';
import { NetworkReferenceChecker } from './network-reference.checker';

// What the borrowed-container and network checks record for the forward: the
// full ID their inspect resolved each reference to (see `pinnedRequest`).
let answers: Record<string, unknown> = {};
const socketPath = join(mkdtempSync(join(tmpdir(), 'refs-')), 'docker.sock');
let server: Server;

beforeAll(async () => {
  server = createServer((req, res) => {
    const body = answers[req.url ?? ''];
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? { message: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => (answers = {}));

const policy = new DockerPolicy({ daemonApiVersion: () => '1.41', policy: RESTRICTED });
const supervisor = { upstream: { socketPath } } as unknown as DockerdSupervisor;
const WEB = 'a'.repeat(64);
const DB = 'b'.repeat(64);

describe('ContainerReferenceChecker', () => {
  const reference = (ref: string, purpose: ContainerReference['purpose'] = 'network'): ContainerReference => ({ field: 'HostConfig.NetworkMode', value: `container:${ref}`, ref, purpose });

  it('records the container the reference resolved to, not the ones a namespace chain leads through', async () => {
    answers['/containers/web/json'] = { Id: WEB, HostConfig: { NetworkMode: 'container:db' } };
    answers['/containers/db/json'] = { Id: DB, HostConfig: { NetworkMode: 'bridge' } };
    const resolved = new ResolvedIds();
    expect(await new ContainerReferenceChecker(policy, supervisor).check([reference('web')], resolved)).toBeUndefined();
    expect(resolved.lookup('container', 'web')).toBe(WEB);
    expect(resolved.lookup('container', 'db')).toBeUndefined();
  });

  it('refuses a container whose answer names no ID: it could not be forwarded as checked', async () => {
    answers['/containers/web/json'] = { HostConfig: {} };
    expect(await new ContainerReferenceChecker(policy, supervisor).check([reference('web', 'volumes-from')])).toMatchObject({ rule: 'container-reference', reason: expect.stringMatching(/names no ID/) });
  });
});

describe('NetworkReferenceChecker', () => {
  const reference = (ref: string): NetworkReference => ({ field: 'HostConfig.NetworkMode', value: ref, ref });

  it('records the network the reference resolved to; an answer that names no ID is refused, and nothing recorded', async () => {
    answers['/networks/front'] = { Id: WEB, Name: 'front', Driver: 'bridge' };
    answers['/networks/back'] = { Name: 'back', Driver: 'bridge' };
    const resolved = new ResolvedIds();
    expect(await new NetworkReferenceChecker(policy, supervisor).check([reference('front')], resolved)).toBeUndefined();
    expect(resolved.lookup('network', 'front')).toBe(WEB);
    expect(await new NetworkReferenceChecker(policy, supervisor).check([reference('back')], resolved)).toMatchObject({ rule: 'network-reference' });
    expect(resolved.lookup('network', 'back')).toBeUndefined();
  });
});
