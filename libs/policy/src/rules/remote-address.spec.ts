import { forbiddenHostReason, parseIpv6 } from './remote-address';

describe('forbiddenHostReason: hosts the daemon must not be sent to dial', () => {
  it.each([
    ['localhost', 'localhost'],
    ['localhost in any case', 'LOCALHOST:5000'],
    ['a loopback dotted quad', '127.0.0.1:5000'],
    ['IPv6 loopback', '[::1]:5000'],
    ['IPv6 loopback written in full', '[0:0:0:0:0:0:0:1]'],
    ['IPv6 unspecified', '[::]'],
    ['IPv4-mapped loopback, dotted', '[::ffff:127.0.0.1]:5000'],
    ['IPv4-mapped loopback, hex (Go dials it as 127.0.0.1)', '[::ffff:7f00:1]:5000'],
    ['IPv4-mapped loopback, uppercase and zero-padded', '[0:0:0:0:0:FFFF:7F00:0001]'],
    ['IPv4-compatible loopback, dotted', '[::127.0.0.1]'],
    ['IPv4-compatible loopback, hex', '[::7f00:1]'],
    ['SIIT loopback', '[::ffff:0:127.0.0.1]'],
    ['NAT64 cloud metadata', '[64:ff9b::169.254.169.254]'],
    ['6to4 loopback', '[2002:7f00:1::1]'],
    ['IPv4-mapped cloud metadata', '[::ffff:a9fe:a9fe]'],
    ['IPv6 link-local with a zone', '[fe80::1%eth0]'],
    ['AWS IPv6 metadata', '[fd00:ec2::254]'],
    ['a decimal IPv4 spelling', '2130706433'],
    ['a hex IPv4 spelling', '0x7f.1'],
  ])('refuses %s (%s)', (_what, host) => {
    expect(forbiddenHostReason(host)).toBeDefined();
  });

  it.each([
    ['a registry name', 'registry.example.com:5000'],
    ['a public IPv4', '93.184.216.34'],
    ['a public IPv6', '[2606:2800:220:1:248:1893:25c8:1946]:443'],
    ['IPv4-mapped public', '[::ffff:5db8:d822]'],
    ['a single-label name (resolved later by the dial-target check)', 'registry:5000'],
  ])('allows %s (%s)', (_what, host) => {
    expect(forbiddenHostReason(host)).toBeUndefined();
  });

  it("refuses the service's own IPv6 address however it is written", () => {
    expect(forbiddenHostReason('[2001:db8:0:0::1]', ['2001:db8::1'])).toBeDefined();
  });

  it.each([
    ['::1', [0, 0, 0, 0, 0, 0, 0, 1]],
    ['::ffff:127.0.0.1', [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]],
    ['fe80::1%eth0', [0xfe80, 0, 0, 0, 0, 0, 0, 1]],
    ['1:2:3:4:5:6:7:8', [1, 2, 3, 4, 5, 6, 7, 8]],
  ])('parses %s into its groups', (ip, groups) => {
    expect(parseIpv6(ip)).toEqual(groups);
  });
});
