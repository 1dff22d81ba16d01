import { isInsideSubnets, parseSubnet, Subnet } from './subnet-membership';

const subnets = ['172.17.0.0/16', '10.99.0.0/24'].map((cidr) => parseSubnet(cidr)!) as Subnet[];

describe('container network membership', () => {
  it.each([
    ['172.17.0.2', '172.17.0.0/16'],
    ['::ffff:172.17.255.254', '172.17.0.0/16'],
    ['10.99.0.200', '10.99.0.0/24'],
  ])('%s is inside %s', (address, cidr) => {
    expect(isInsideSubnets(address, subnets)?.cidr).toBe(cidr);
  });

  it.each(['127.0.0.1', '172.18.0.2', '10.99.1.1', '::1', undefined])('%s is outside', (address) => {
    expect(isInsideSubnets(address, subnets)).toBeUndefined();
  });

  it.each(['fd00::/64', '172.17.0.0/33', 'nonsense'])('ignores %s as an IPv4 subnet', (cidr) => {
    expect(parseSubnet(cidr)).toBeUndefined();
  });
});
