import { hostname } from 'node:os';
import { bridgeGateway } from '../support/bridge-gateway';
import { docker, text } from '../support/docker-cli';
import { e2eState } from '../support/e2e-state';
import { messageOf, rawRequest } from '../support/raw-http';

// Names that only *resolve* to the service's neighbourhood: the policy cannot
// tell from the spelling, the transport resolves them before forwarding. The
// machine's own hostname resolves locally (through /etc/hosts) to a loopback
// address on Debian; the inner bridge's gateway is one of the service's own
// addresses (it reaches the proxy itself).

const state = e2eState();
const own = hostname();
const imageCount = async (cli: string) => text(await docker(cli, state.tcpHost, ['images', '-q'])).split('\n').filter(Boolean).length;

describe.each(state.clis.map((cli) => [cli]))('hosts the daemon would dial, resolved (%s)', (cli) => {
  const run = (args: string[]) => docker(cli, state.tcpHost, args);

  it.each([
    ['a pull from a registry named by this machine\'s hostname', () => ['pull', `${own}:5000/team/app`], `${own} resolves to 127.`],
    ['a pull from a name that does not resolve', () => ['pull', 'registry.invalid:5000/team/app'], 'registry.invalid could not be resolved'],
    ['a login to this machine\'s hostname', () => ['login', '-u', 'u', '-p', 'p', `${own}:5000`], `${own} resolves to 127.`],
    ['an import from this machine\'s hostname', () => ['import', `http://${own}:8080/rootfs.tar`, 'imported'], `${own} resolves to 127.`],
  ])('refuses %s and pulls nothing', async (_name, args, says) => {
    const before = await imageCount(cli);
    const result = await run(args());
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(says);
    expect(result.stderr).toContain('rule remote-address');
    expect(await imageCount(cli)).toBe(before);
  });

  it("refuses a pull from the inner bridge's gateway, one of the service's own addresses", async () => {
    const gateway = await bridgeGateway(cli, state.tcpHost, 'bridge');
    const result = await run(['pull', `${gateway}:${state.apiPort}/team/app`]);
    expect(result.stderr).toContain("the service's own addresses are not allowed (rule remote-address)");
  });
});

describe('hosts in raw requests', () => {
  it('names the field and value in the refusal of a resolved name', async () => {
    const response = await rawRequest({ port: state.apiPort }, 'POST', `/v1.41/images/create?fromImage=${own}:5000/x&tag=1`);
    expect(response.status).toBe(403);
    expect(messageOf(response)).toContain(`query.fromImage="${own}:5000/x": ${own} resolves to 127.`);
  });
});
