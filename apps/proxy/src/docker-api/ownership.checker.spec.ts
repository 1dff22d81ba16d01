import { createServer, Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerdSupervisor } from '@dind/daemon';
import { DockerPolicy, OWNER_LABEL, OwnedObject, parsePolicyOptions, ResolvedIds } from '@dind/policy';
import { OwnershipChecker } from './ownership.checker';
import { VolumeReferenceChecker } from './volume-reference.checker';

// A stand-in daemon on a unix socket: each path answers what the test says.
const ME = 'CN=runner-1';
let answers: Record<string, { status: number; body?: unknown; raw?: string }> = {};
const asked: string[] = [];
const socketPath = join(mkdtempSync(join(tmpdir(), 'owner-')), 'docker.sock');
let server: Server;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      asked.push(`${req.method} ${req.url}${body ? ` ${body}` : ''}`);
      const answer = answers[`${req.method} ${req.url}`] ?? { status: 404, body: { message: 'not found' } };
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.raw ?? JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  answers = {};
  asked.length = 0;
});

const policy = new DockerPolicy({ daemonApiVersion: () => '1.41', policy: parsePolicyOptions({ ownership: true }, 'test') });
const supervisor = (path = socketPath) => ({ upstream: { socketPath: path } }) as unknown as DockerdSupervisor;
const object = (kind: OwnedObject['kind'], ref: string, extra: Partial<OwnedObject> = {}): OwnedObject => ({ kind, ref, field: 'path.id', owner: ME, ifMissing: 'not-found', ...extra });
const check = async (objects: OwnedObject[], path?: string, resolved?: ResolvedIds) => new OwnershipChecker(policy, supervisor(path)).check(objects, resolved);
const labelled = (owner: string, Id = 'f'.repeat(64)) => ({ Id, Config: { Labels: { [OWNER_LABEL]: owner } } });

describe('OwnershipChecker', () => {
  it('allows the requester\'s container, refuses another\'s without naming it', async () => {
    answers['GET /containers/mine/json'] = { status: 200, body: labelled(ME) };
    answers['GET /containers/theirs/json'] = { status: 200, body: labelled('CN=runner-2') };
    expect(await check([object('container', 'mine')])).toBeUndefined();
    const denial = await check([object('container', 'theirs')]);
    expect(denial).toMatchObject({ status: 403, rule: 'ownership', field: 'path.id', value: 'theirs', reason: 'container "theirs" belongs to another client' });
  });

  it('judges an exec by its container, looked up by the ID the daemon gives', async () => {
    answers['GET /exec/e1/json'] = { status: 200, body: { ID: 'e1'.padEnd(64, '0'), ContainerID: 'c0ffee' } };
    answers['GET /containers/c0ffee/json'] = { status: 200, body: labelled('CN=runner-2') };
    expect((await check([object('exec', 'e1')]))?.reason).toBe('exec "e1" runs in a container that is not the requester\'s: container "c0ffee" belongs to another client');
    answers['GET /containers/c0ffee/json'] = { status: 200, body: labelled(ME) };
    expect(await check([object('exec', 'e1')])).toBeUndefined();
    expect(asked).toEqual(['GET /exec/e1/json', 'GET /containers/c0ffee/json', 'GET /exec/e1/json', 'GET /containers/c0ffee/json']);
  });

  it('records the full ID each reference resolved to, and refuses one whose answer names none', async () => {
    const id = 'ab12'.padEnd(64, 'c');
    answers['GET /containers/ab12/json'] = { status: 200, body: labelled(ME, id) };
    answers['GET /exec/e1/json'] = { status: 200, body: { ID: 'e1'.padEnd(64, '0'), ContainerID: 'c0ffee' } };
    answers['GET /containers/c0ffee/json'] = { status: 200, body: labelled(ME) };
    answers['GET /networks/net/json'] = { status: 200, body: {} };
    answers['GET /networks/net'] = { status: 200, body: { Id: 'n'.repeat(64), Name: 'net', Labels: { [OWNER_LABEL]: ME } } };
    answers['GET /images/cafe/json'] = { status: 200, body: { Id: `sha256:${'cafe'.padEnd(64, '1')}`, RepoTags: [], Config: { Labels: { [OWNER_LABEL]: ME } } } };
    answers['GET /containers/noid/json'] = { status: 200, body: { Config: { Labels: { [OWNER_LABEL]: ME } } } };
    const resolved = new ResolvedIds();
    expect(await check([object('container', 'ab12'), object('exec', 'e1'), object('network', 'net'), object('image', 'cafe')], undefined, resolved)).toBeUndefined();
    expect(resolved.lookup('container', 'ab12')).toBe(id);
    expect(resolved.lookup('exec', 'e1')).toBe('e1'.padEnd(64, '0'));
    expect(resolved.lookup('network', 'net')).toBe('n'.repeat(64));
    expect(resolved.lookup('image', 'cafe')).toBe(`sha256:${'cafe'.padEnd(64, '1')}`);
    // The exec's container is looked up by the daemon's own ID: nothing of the request's to pin.
    expect(resolved.lookup('container', 'c0ffee')).toBeUndefined();
    expect((await check([object('container', 'noid')]))?.reason).toMatch(/names no ID/);
  });

  it('refuses an exec whose answer names no container', async () => {
    answers['GET /exec/e2/json'] = { status: 200, body: {} };
    expect((await check([object('exec', 'e2')]))?.reason).toMatch(/cannot tell whose exec/);
  });

  it('answers a missing object with a 404 of its own, or lets the request go on where the daemon answers itself', async () => {
    expect(await check([object('container', 'gone')])).toMatchObject({ status: 404, rule: 'ownership', reason: 'no such container' });
    expect(await check([object('image', 'not-pulled', { ifMissing: 'go-on' })])).toBeUndefined();
  });

  it.each([
    ['an error status', { status: 500, body: { message: 'boom' } }, /cannot inspect container "x" to check its owner \(the daemon answered 500\)/],
    ['an answer that is not JSON', { status: 200, raw: 'not json' }, /does not describe it/],
  ])('fails closed on %s', async (_name, answer, reason) => {
    answers['GET /containers/x/json'] = answer;
    expect((await check([object('container', 'x')]))?.reason).toMatch(reason);
  });

  it('fails closed when the daemon cannot be reached', async () => {
    expect((await check([object('volume', 'v')], join(tmpdir(), 'no-such-daemon.sock')))?.reason).toMatch(/cannot inspect volume "v"/);
  });

  it('escapes the reference in the inspect path', async () => {
    await check([object('image', 'registry:5000/team/app:1', { ifMissing: 'go-on' })]);
    expect(asked).toEqual(['GET /images/registry%3A5000%2Fteam%2Fapp%3A1/json']);
  });
});

describe('VolumeReferenceChecker in ownership mode', () => {
  const checker = () => new VolumeReferenceChecker(policy, supervisor());
  const reference = { field: 'HostConfig.Binds[0]', value: 'data:/d', name: 'data', owner: ME, labels: { keep: '1' } };

  it('creates the volume with the owner label (and the mount\'s labels) instead of letting the daemon make it unlabelled', async () => {
    answers['POST /volumes/create'] = { status: 201, body: { Name: 'data', Driver: 'local', Labels: { keep: '1', [OWNER_LABEL]: ME } } };
    expect(await checker().check([reference])).toBeUndefined();
    expect(asked).toEqual([`POST /volumes/create ${JSON.stringify({ Name: 'data', Driver: 'local', Labels: { keep: '1', [OWNER_LABEL]: ME } })}`]);
  });

  it('refuses when the create answers with an existing volume of another client', async () => {
    answers['POST /volumes/create'] = { status: 201, body: { Name: 'data', Driver: 'local', Labels: { [OWNER_LABEL]: 'CN=runner-2' } } };
    expect(await checker().check([reference])).toMatchObject({ rule: 'ownership', field: 'HostConfig.Binds[0]' });
  });

  it('refuses when the daemon does not create it', async () => {
    answers['POST /volumes/create'] = { status: 500, body: { message: 'boom' } };
    expect((await checker().check([reference]))?.reason).toMatch(/cannot create or inspect volume "data"/);
  });

  it('still only inspects without an owner (option off)', async () => {
    answers['GET /volumes/data'] = { status: 200, body: { Name: 'data', Driver: 'local' } };
    expect(await checker().check([{ field: 'HostConfig.Binds[0]', value: 'data:/d', name: 'data' }])).toBeUndefined();
    expect(asked).toEqual(['GET /volumes/data']);
  });
});
