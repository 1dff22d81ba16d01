import { cidrFamily, egressChainRules, egressJump, nameserversOf, parseDenyCidrs, staleJumpDeletions } from './egress-rules';

const reject = (...destination: string[]) => [
  ['-A', 'DIND-EGRESS', '-p', 'tcp', ...destination, '-j', 'REJECT', '--reject-with', 'tcp-reset'],
  ['-A', 'DIND-EGRESS', ...destination, '-j', 'REJECT'],
];
const established = ['-A', 'DIND-EGRESS', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'RETURN'];
const dns = (server: string) =>
  ['udp', 'tcp'].map((protocol) => ['-A', 'DIND-EGRESS', '-p', protocol, '-m', 'conntrack', '--ctorigdst', server, '--ctorigdstport', '53', '-j', 'RETURN']);

describe('egressChainRules', () => {
  const settings = { gid: 2375, nameservers: ['127.0.0.11', 'fd00::53'], denyCidrs: ['10.96.0.0/12', 'fd00:10::/64'] };

  it('lets replies and the resolvers through, then refuses this namespace, loopback, link-local, unspecified and the operator\'s networks (IPv4)', () => {
    expect(egressChainRules(settings, 4)).toEqual([
      established,
      ...dns('127.0.0.11'),
      ...reject('-m', 'addrtype', '--dst-type', 'LOCAL'),
      ...reject('-d', '127.0.0.0/8'),
      ...reject('-d', '169.254.0.0/16'),
      ...reject('-d', '0.0.0.0/8'),
      ...reject('-d', '10.96.0.0/12'),
    ]);
  });

  it('does the same for IPv6 with the IPv6 addresses only', () => {
    expect(egressChainRules(settings, 6)).toEqual([
      established,
      ...dns('fd00::53'),
      ...reject('-m', 'addrtype', '--dst-type', 'LOCAL'),
      ...reject('-d', '::1/128'),
      ...reject('-d', 'fe80::/10'),
      ...reject('-d', '::/128'),
      ...reject('-d', 'fd00:10::/64'),
    ]);
  });

  it('has every exception before the first refusal', () => {
    const rules = egressChainRules(settings, 4);
    const lastReturn = rules.map((rule) => rule.at(-1)).lastIndexOf('RETURN');
    const firstReject = rules.findIndex((rule) => rule.includes('REJECT'));
    expect(lastReturn).toBeLessThan(firstReject);
  });

  it('jumps from OUTPUT for the daemon\'s group only', () => {
    expect(egressJump(2375)).toEqual(['OUTPUT', '-m', 'owner', '--gid-owner', '2375', '--suppl-groups', '-j', 'DIND-EGRESS']);
  });
});

describe('nameserversOf', () => {
  it('reads the nameserver lines, drops zone indexes, comments and junk', () => {
    const conf = '# generated\nsearch svc.cluster.local\nnameserver 10.96.0.10\n  nameserver   fe80::1%eth0\nnameserver not-an-ip\noptions ndots:5\n';
    expect(nameserversOf(conf)).toEqual(['10.96.0.10', 'fe80::1']);
  });
});

describe('EGRESS_DENY_CIDRS', () => {
  it.each([['10.96.0.0/12', 4], ['192.0.2.7/32', 4], ['fd00::/8', 6], ['::/0', 6]])('accepts %s', (cidr, family) => {
    expect(cidrFamily(cidr)).toBe(family);
  });

  it.each([['10.96.0.0'], ['10.96.0.0/33'], ['fd00::/129'], ['example.com/8'], ['10.0.0.0/-1'], ['10.0.0.0/8/8']])('refuses %s', (cidr) => {
    expect(cidrFamily(cidr)).toBeUndefined();
    expect(parseDenyCidrs(cidr).problems).toEqual([expect.stringContaining(`"${cidr}" is not an address/prefix`)]);
  });

  it('splits on commas and ignores spaces and empty entries', () => {
    expect(parseDenyCidrs(' 10.96.0.0/12, ,fd00::/8,')).toEqual({ cidrs: ['10.96.0.0/12', 'fd00::/8'], problems: [] });
  });
});

describe('staleJumpDeletions', () => {
  it('deletes every jump to the chain, whatever group a previous run used, and nothing else', () => {
    const listing = [
      '-P OUTPUT ACCEPT',
      '-A OUTPUT -m owner --gid-owner 2375 --suppl-groups -j DIND-EGRESS',
      '-A OUTPUT -m owner --gid-owner 4000 --suppl-groups -j DIND-EGRESS',
      '-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER',
      '-A OUTPUT -j DIND-EGRESS-OTHER',
    ].join('\n');
    expect(staleJumpDeletions(listing)).toEqual([
      ['-D', 'OUTPUT', '-m', 'owner', '--gid-owner', '2375', '--suppl-groups', '-j', 'DIND-EGRESS'],
      ['-D', 'OUTPUT', '-m', 'owner', '--gid-owner', '4000', '--suppl-groups', '-j', 'DIND-EGRESS'],
    ]);
  });
});
