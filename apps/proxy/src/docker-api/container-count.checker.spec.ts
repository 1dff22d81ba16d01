import { createServer, Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerdSupervisor } from '@dind/daemon';
import { DockerPolicy, parsePolicyOptions } from '@dind/policy';
import { ContainerCountChecker } from './container-count.checker';

// A stand-in daemon on a unix socket: answers the list with what the test says.
let answer: { status: number; body: unknown } = { status: 200, body: [] };
const paths: string[] = [];
const socketPath = join(mkdtempSync(join(tmpdir(), 'count-')), 'docker.sock');
let server: Server;

beforeAll(async () => {
  server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const policy = new DockerPolicy({ daemonApiVersion: () => '1.41', policy: parsePolicyOptions({ resources: { containers: { max: 2, running: 1 } } }, 'test') });
const checker = (path = socketPath) => new ContainerCountChecker(policy, { upstream: { socketPath: path } } as unknown as DockerdSupervisor);
const reason = async (path?: string) => (await checker(path).check({ adds: 'container' }))?.reason ?? 'allowed';

describe('ContainerCountChecker', () => {
  it('lists every container, stopped ones too, once per request', async () => {
    paths.length = 0;
    answer = { status: 200, body: [{ Id: 'a', State: 'exited' }] };
    expect(await reason()).toBe('allowed');
    expect(paths).toEqual(['/containers/json?all=1']);
  });

  it.each([
    ['the ceiling is reached', { status: 200, body: [{ Id: 'a', State: 'exited' }, { Id: 'b', State: 'running' }] }, /already holds 2 containers/],
    ['the daemon answers an error', { status: 500, body: { message: 'boom' } }, /cannot count the daemon's containers to check the ceiling \(the daemon answered 500\)/],
  ])('refuses when %s', async (_name, daemon, expected) => {
    answer = daemon;
    expect(await reason()).toMatch(expected);
  });

  it('refuses when the daemon cannot be reached (fail closed)', async () => {
    expect(await reason(join(tmpdir(), 'no-such-daemon.sock'))).toMatch(/cannot count the daemon's containers/);
  });
});
