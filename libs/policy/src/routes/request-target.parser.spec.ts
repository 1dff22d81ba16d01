import { parseRequestTarget } from './request-target.parser';

describe('parsing the request target', () => {
  it.each([
    ['//containers/json', 'double slash'],
    ['/containers/json/', 'trailing slash'],
    ['/containers/./json', 'dot segment'],
    ['/v1.41/../swarm/init', 'dot-dot segment'],
    ['/containers/%2e%2e/json', 'percent-encoded dots'],
    ['/swarm%2Finit', 'percent-encoded slash'],
    ['/c%6fntainers/json', 'percent-encoded letter'],
    ['/containers/json;x=1', 'matrix parameter'],
    ['/containers/json#frag', 'fragment'],
    ['http://daemon/containers/json', 'absolute form'],
    ['/containers\\json', 'backslash'],
    ['/v1.41', 'a version and nothing else'],
    ['/containers/json?a=1;b=2', 'semicolon in the query'],
    ['/containers/json?filters=%zz', 'broken percent-encoding'],
    ['/cont\u0430iners/json', 'non-ASCII letter'],
  ])('refuses %s (%s)', (url) => {
    expect(parseRequestTarget(url)).toHaveProperty('rule');
  });

  it.each([
    ['/_ping', undefined, ['_ping']],
    ['/v1.41/containers/json', '1.41', ['containers', 'json']],
    ['/v1.52/images/registry.example:5000/team/app:1.0/json', '1.52', ['images', 'registry.example:5000', 'team', 'app:1.0', 'json']],
    ['/images/busybox@sha256:abcd/json', undefined, ['images', 'busybox@sha256:abcd', 'json']],
  ])('reads %s as version %s and segments %j', (url, version, segments) => {
    expect(parseRequestTarget(url)).toEqual({ version, segments, query: [] });
  });

  it('decodes the query the way Go does (plus is a space) and keeps repeats in order', () => {
    expect(parseRequestTarget('/images/get?names=a+b&names=c%2Fd')).toMatchObject({
      query: [
        ['names', 'a b'],
        ['names', 'c/d'],
      ],
    });
  });
});
