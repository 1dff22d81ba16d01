import { docker, text } from '../support/docker-cli';
import { e2eState } from '../support/e2e-state';

const state = e2eState();
const cli = state.clis[0];
const adminPort = new URL(state.adminUrl).port;
const run = (args: string[]) => docker(cli, state.tcpHost, args);
const gatewayOf = async (network: string) =>
  text(await run(['network', 'inspect', network, '--format', '{{(index .IPAM.Config 0).Gateway}}']));

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

  it('a container on a network created a moment ago is cut off too', async () => {
    const name = `pos-${Math.random().toString(36).slice(2, 8)}`;
    expect((await run(['network', 'create', name])).code).toBe(0);
    try {
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const output = text(await probe(name, await gatewayOf(name)));
      expect(output).toMatch(/api=[1-9]/);
      expect(output).toMatch(/admin=[1-9]/);
    } finally {
      await run(['network', 'rm', name]);
    }
  });
});
