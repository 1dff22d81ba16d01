import { DialTarget } from '@dind/policy';
import { networkInterfaces } from 'node:os';
import { DialTargetChecker, HostResolver } from './dial-target.checker';

const target = (host: string): DialTarget => ({ field: 'query.fromImage', value: `${host}/team/app`, host });
const fails = (code: string) => Object.assign(new Error(`getaddrinfo ${code}`), { code });

// A fake DNS: names in the table resolve, others fail as the system resolver does.
const table: Record<string, readonly string[] | Error> = {
  'registry.example.com': ['93.184.216.34', '2606:2800:220:1::1'],
  'loopy.example.com': ['127.0.0.2'],
  'six.example.com': ['::1'],
  'metadata.example.com': ['169.254.169.254'],
  'mixed.example.com': ['93.184.216.34', '127.0.0.1'],
  'mapped.example.com': ['::ffff:127.0.0.1'],
  'zero.example.com': ['0.0.0.0'],
  'empty.example.com': [],
  'missing.example.com': fails('ENOTFOUND'),
};
const fakeResolver: HostResolver = async (name) => {
  const answer = table[name];
  if (answer === undefined) throw fails('ENOTFOUND');
  if (answer instanceof Error) throw answer;
  return answer;
};

// Stands in for binding: which addresses are this machine's own.
const localProbe = (...local: string[]) => async (address: string) => local.includes(address);

describe('DialTargetChecker', () => {
  const checker = new DialTargetChecker(fakeResolver, localProbe());

  it.each(['registry.example.com', 'registry.example.com:5000', '93.184.216.34:443'])('allows %s, which resolves to public addresses only', async (host) => {
    expect(await checker.check([target(host)])).toBeUndefined();
  });

  it.each([
    ['loopy.example.com:5000', '127.0.0.2: loopback'],
    ['six.example.com', '::1: loopback'],
    ['metadata.example.com', '169.254.169.254: link-local'],
    ['mixed.example.com', '127.0.0.1: loopback'],
    ['mapped.example.com', '::ffff:127.0.0.1: loopback'],
    ['zero.example.com', '0.0.0.0: unspecified'],
  ])('refuses %s, naming the address it resolves to', async (host, says) => {
    const denial = await checker.check([target(host)]);
    expect(denial).toMatchObject({ rule: 'remote-address', field: 'query.fromImage', value: `${host}/team/app` });
    expect(denial!.reason).toContain(`resolves to ${says}`);
  });

  it.each([
    ['missing.example.com', 'could not be resolved (ENOTFOUND)'],
    ['empty.example.com', 'resolves to no address'],
  ])('refuses %s, which it cannot check', async (host, says) => {
    expect((await checker.check([target(host)]))?.reason).toContain(says);
  });

  it('refuses a name whose lookup does not answer in time', async () => {
    jest.useFakeTimers();
    try {
      const hanging = new DialTargetChecker(() => new Promise(() => undefined));
      const pending = hanging.check([target('slow.example.com')]);
      await jest.advanceTimersByTimeAsync(3001);
      expect((await pending)?.reason).toContain('no answer within 3000 ms');
    } finally {
      jest.useRealTimers();
    }
  });

  it("refuses a name that resolves to one of this machine's own interface addresses", async () => {
    const own = Object.values(networkInterfaces()).flat().find((info) => info && info.family === 'IPv4' && !info.internal)?.address;
    if (own === undefined) return expect(own).toBeUndefined(); // no external interface on this machine
    const denial = await new DialTargetChecker(async () => [own], localProbe()).check([target('self.example.com')]);
    expect(denial?.reason).toContain(`resolves to ${own}: the service's own addresses are not allowed`);
  });

  it('refuses an own address written as such, which the policy cannot know', async () => {
    const own = Object.values(networkInterfaces()).flat().find((info) => info && info.family === 'IPv4' && !info.internal)?.address;
    if (own === undefined) return expect(own).toBeUndefined();
    expect((await checker.check([target(`${own}:5000`)]))?.reason).toContain("the service's own addresses are not allowed");
  });

  it('refuses an address of an interface that is down, found by binding it (a bridge without containers)', async () => {
    const withBridge = new DialTargetChecker(async () => ['172.17.0.1'], localProbe('172.17.0.1'));
    expect((await withBridge.check([target('172.17.0.1:2375')]))?.reason).toBe("the service's own addresses are not allowed");
    expect((await withBridge.check([target('gw.example.com')]))?.reason).toBe("gw.example.com resolves to 172.17.0.1: the service's own addresses are not allowed");
  });

  it("the real probe (binding) does not take another machine's address for its own", async () => {
    const real = new DialTargetChecker(async () => ['192.0.2.200']);
    expect((await real.check([target('elsewhere.example.com')]))).toBeUndefined();
  });

  it('checks every target and answers with the first refusal', async () => {
    const denial = await checker.check([target('registry.example.com'), { field: 'serveraddress', value: 'six.example.com', host: 'six.example.com' }]);
    expect(denial?.field).toBe('serveraddress');
  });
});
