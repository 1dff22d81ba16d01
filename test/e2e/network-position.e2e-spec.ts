import { bridgeGateway } from '../support/bridge-gateway';
import { docker, text } from '../support/docker-cli';
import { e2eState } from '../support/e2e-state';

const state = e2eState();
const cli = state.clis[0];
const adminPort = new URL(state.adminUrl).port;
const run = (args: string[]) => docker(cli, state.tcpHost, args);
const gatewayOf = (network: string) => bridgeGateway(cli, state.tcpHost, network);

// From inside a container, fetch the Docker API and the admin API via the gateway.
const probe = (network: string, gateway: string) =>
  run([
    'run', '--rm', '--network', network, state.image, 'sh', '-c',
    `wget -q -T 3 -O- http://${gateway}:${state.apiPort}/_ping; echo " api=$?"; wget -q -T 3 -O- http://${gateway}:${adminPort}/health; echo " admin=$?"`,
  ]);

describe('the network position: containers cannot reach the service that runs them', () => {
  it('the host reaches both listeners on the bridge gateway address', async () => {
    const gateway = await gatewayOf('bridge');
    expect((await fetch(`http://${gateway}:${state.apiPort}/_ping`)).status).toBe(200);
    expect((await fetch(`http://${gateway}:${adminPort}/health`)).status).toBe(200);
  });

  it('a container on the default bridge is cut off from the Docker API and the admin API', async () => {
    const output = text(await probe('bridge', await gatewayOf('bridge')));
    expect(output).not.toContain('OK');
    expect(output).toMatch(/api=[1-9]/);
    expect(output).toMatch(/admin=[1-9]/);
  });

  it('a container on a network created a moment ago is cut off too (no wait for a periodic re-read)', async () => {
    const name = `pos-${Math.random().toString(36).slice(2, 8)}`;
    expect((await run(['network', 'create', name])).code).toBe(0);
    try {
      const output = text(await probe(name, await gatewayOf(name)));
      expect(output).toMatch(/api=[1-9]/);
      expect(output).toMatch(/admin=[1-9]/);
    } finally {
      await run(['network', 'rm', name]);
    }
  });

  it('a container that opens a kept-alive connection at once on a fresh network gets no answer on it for 12 s', async () => {
    const name = `pos-${Math.random().toString(36).slice(2, 8)}`;
    expect((await run(['network', 'create', name])).code).toBe(0);
    try {
      const gateway = await gatewayOf(name);
      // One connection, one request a second, as a client library's keep-alive pool would.
      const requests = (count: number) => `for i in $(seq ${count}); do printf 'GET /_ping HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'; sleep 1; done`;
      const keptAlive = (target: string, count: number) =>
        docker(cli, state.tcpHost, ['run', '--rm', '--network', name, state.image, 'sh', '-c', `(${requests(count)}) | nc ${target}; echo " nc=$?"`], { timeoutMs: 60_000 });
      // The same client against a web server on that network does get answers.
      const server = text(await run(['run', '-d', '--network', name, state.image, 'httpd', '-f', '-p', '8080']));
      try {
        const serverIp = text(await run(['inspect', '-f', `{{(index .NetworkSettings.Networks "${name}").IPAddress}}`, server]));
        expect(text(await keptAlive(`${serverIp} 8080`, 2))).toMatch(/^HTTP\/1\.[01] \d{3}/m);
      } finally {
        await run(['rm', '-f', server]);
      }
      const result = await keptAlive(`${gateway} ${state.apiPort}`, 12);
      expect(text(result)).not.toContain('HTTP/1.1 200');
      expect(text(result)).toMatch(/nc=\d+/);
    } finally {
      await run(['network', 'rm', name]);
    }
  });
});
