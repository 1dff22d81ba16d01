import { parseNormalizedNamed, ReferenceDialect, registryHostOf, splitDockerDomain } from './image-reference';

// Expected values are what github.com/distribution/reference answers
// (normalize_test.go / reference_test.go cases, and moby v20.10's vendored copy).
describe('image references are read as the daemon reads them', () => {
  describe.each<ReferenceDialect>(['v20.10', 'current'])('ParseNormalizedNamed (%s)', (dialect) => {
    it.each([
      ['a Hub name gets docker.io and library/', 'ubuntu', { domain: 'docker.io', path: 'library/ubuntu' }],
      ['a Hub namespace stays a namespace', 'user/app:1', { domain: 'docker.io', path: 'user/app', tag: '1' }],
      ['a single-label first component without . or : is a namespace', 'registry/app', { domain: 'docker.io', path: 'registry/app' }],
      ['localhost is always a host', 'localhost/app', { domain: 'localhost', path: 'app' }],
      ['a first component with a port is a host', 'vm:5000/app', { domain: 'vm:5000', path: 'app' }],
      ['a first component with a dot is a host', 'example.com/a/b:t', { domain: 'example.com', path: 'a/b', tag: 't' }],
      ['index.docker.io is Docker Hub', 'index.docker.io/app', { domain: 'docker.io', path: 'library/app' }],
      ['host:port without a path is a Hub name with a tag', 'localhost:5000', { domain: 'docker.io', path: 'library/localhost', tag: '5000' }],
      ['a digest follows the name', `a.io/x@sha256:${'a'.repeat(64)}`, { domain: 'a.io', path: 'x', digest: `sha256:${'a'.repeat(64)}` }],
      ['an uppercase host (with a dot) is allowed: hosts are case-insensitive', 'Example.COM/app', { domain: 'Example.COM', path: 'app' }],
    ])('%s: %s', (_rule, value, expected) => {
      expect(parseNormalizedNamed(value, dialect)).toEqual(expected);
    });

    it.each([
      ['64 hex characters are an ID, not a name', 'a'.repeat(64)],
      ['an uppercase repository is refused', 'docker.io/App'],
      ['a trailing dot in the host does not parse', 'localhost.:5000/app'],
      ['a dotted quad inside brackets is no IPv6 address to the grammar', '[::ffff:127.0.0.1]:5000/app'],
      ['an empty name', ''],
    ])('%s: %s', (_rule, value) => {
      expect(parseNormalizedNamed(value, dialect)).toHaveProperty('error');
    });
  });

  it.each([
    // distribution/reference v0.5 (moby 25+): ipv6address = \[(?:[a-fA-F0-9:]+)\]
    ['the current copy parses IPv6 hosts', '[::1]:5000/app', { domain: '[::1]:5000', path: 'app' }],
    ['the current copy parses hex IPv4-mapped hosts', '[::ffff:7f00:1]/app', { domain: '[::ffff:7f00:1]', path: 'app' }],
    // splitDockerDomain: "if the first element is not lowercase, we assume it to be a domain-name"
    ['the current copy takes an uppercase single label as a host', 'LOCALHOST/app', { domain: 'LOCALHOST', path: 'app' }],
    ['the current copy takes a mixed-case single label as a host', 'Metadata/app', { domain: 'Metadata', path: 'app' }],
  ])('%s: %s', (_rule, value, expected) => {
    expect(parseNormalizedNamed(value, 'current')).toEqual(expected);
  });

  it.each([
    ['v20.10 has no IPv6 hosts', '[::1]:5000/app'],
    ['v20.10 reads an uppercase single label as an uppercase Hub namespace, which it refuses', 'LOCALHOST/app'],
  ])('%s: %s', (_rule, value) => {
    expect(parseNormalizedNamed(value, 'v20.10')).toHaveProperty('error');
  });

  it('v20.10 takes an uppercase single label as part of the Hub name', () => {
    expect(splitDockerDomain('LOCALHOST/app', 'v20.10')).toEqual({ domain: 'docker.io', remainder: 'LOCALHOST/app' });
  });

  describe('registryHostOf: the host any supported daemon may dial', () => {
    it.each([
      ['ubuntu', undefined],
      ['user/app', undefined],
      ['index.docker.io/app', undefined],
      ['docker.io/library/app', undefined],
      ['localhost/app', 'localhost'],
      ['LOCALHOST/app', 'LOCALHOST'],
      ['Localhost/app', 'Localhost'],
      ['vm:5000/app', 'vm:5000'],
      ['[::1]:5000/app', '[::1]:5000'],
      ['[::ffff:127.0.0.1]:5000/app', '[::ffff:127.0.0.1]:5000'],
      // Unparseable to every daemon, still answered: a wider grammar must not get an unchecked host.
      ['localhost.:5000/app', 'localhost.:5000'],
    ])('%s → %s', (reference, host) => {
      expect(registryHostOf(reference)).toBe(host);
    });
  });
});
