import { docker, text } from '../support/docker-cli';
import { e2eState } from '../support/e2e-state';
import { messageOf, rawRequest } from '../support/raw-http';

const state = e2eState();
const tcp = { port: state.apiPort };
const cli = state.clis[0];

describe('refused before the daemon sees it', () => {
  it.each([
    ['POST', '/swarm/init', 'route.denied'],
    ['POST', '/v1.41/swarm/init', 'route.denied'],
    ['GET', '/secrets', 'route.denied'],
    ['POST', '/plugins/pull?remote=x', 'route.denied'],
    ['POST', '/build?version=3', 'buildkit'],
    ['GET', '/not-an-endpoint', 'route.unknown'],
    ['OPTIONS', '/containers/json', 'route.unknown'],
    ['GET', '/v1.99/containers/json', 'api-version.unaudited'],
    ['GET', '/v1.23/containers/json', 'api-version.unaudited'],
    ['GET', '//containers/json', 'request.path'],
    ['GET', '/containers/json/', 'request.path'],
    ['GET', '/v1.41/../swarm', 'request.path'],
    ['GET', '/containers/%2e%2e/json', 'request.path'],
    ['GET', '/v1.41/swarm%2Finit', 'request.path'],
    ['GET', '/containers/json?all=1&all=0', 'query.duplicate'],
  ])('%s %s → 403 (%s)', async (method, path, rule) => {
    const response = await rawRequest(tcp, method, path);
    expect(response.status).toBe(403);
    expect(response.headers['content-type']).toMatch(/application\/json/);
    expect(messageOf(response)).toContain(`rule ${rule}`);
  });

  it('leaves the daemon out of swarm mode after a swarm init attempt', async () => {
    const init = await docker(cli, state.tcpHost, ['swarm', 'init']);
    expect(init.code).not.toBe(0);
    expect(init.stderr).toContain('swarm mode is not offered');
    const info = await docker(cli, state.tcpHost, ['info', '--format', '{{.Swarm.LocalNodeState}}']);
    expect(text(info)).toBe('inactive');
  });

  it('shows the denial to a docker CLI user and creates nothing', async () => {
    const before = text(await docker(cli, state.tcpHost, ['ps', '-aq'])).split('\n').filter(Boolean).length;
    const run = await docker(cli, state.tcpHost, ['run', '--rm', '--privileged', state.image, 'true']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/Error response from daemon: dind-service policy denied the request: HostConfig\.Privileged=true: privileged containers are not allowed/);
    const after = text(await docker(cli, state.tcpHost, ['ps', '-aq'])).split('\n').filter(Boolean).length;
    expect(after).toBe(before);
  });

  it('answers a denial through the unix socket too', async () => {
    const response = await rawRequest({ socketPath: state.socketPath }, 'POST', '/v1.41/swarm/init', { body: '{}', headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(403);
  });
});
