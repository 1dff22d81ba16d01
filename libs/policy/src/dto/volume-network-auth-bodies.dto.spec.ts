import { BodyCases, describeBodyCases, UNKNOWN } from './body-cases.testing';

// The volume, network and registry-login bodies.
const CASES: Record<'volumeCreate' | 'networkCreate' | 'networkConnect' | 'auth', BodyCases> = {
  volumeCreate: {
    // docker CLI 20.10, `docker volume create --name vol`
    body: { Driver: 'local', DriverOpts: {}, Labels: {}, Name: 'vol' },
    accepted: [
      [
        'a cluster volume spec, shaped like the daemon\'s Go type',
        (b) =>
          (b.ClusterVolumeSpec = {
            Group: 'g',
            AccessMode: { Scope: 'single', Sharing: 'none', MountVolume: { FsType: 'ext4', MountFlags: ['ro'] }, BlockVolume: null },
            Secrets: [{ Key: 'k', Secret: 's' }],
            AccessibilityRequirements: { Requisite: [{ Segments: { zone: 'a' } }], Preferred: [] },
            CapacityRange: { RequiredBytes: 1, LimitBytes: 2 },
            Availability: 'active',
          }),
      ],
      ['an empty BlockVolume', (b) => (b.ClusterVolumeSpec = { AccessMode: { BlockVolume: {} } })],
    ],
    refused: [
      ['a wrongly-cased key', 'name', UNKNOWN, (b) => (b.name = 'vol')],
      ['a wrongly-cased key in the cluster spec', 'ClusterVolumeSpec.accessMode', UNKNOWN, (b) => (b.ClusterVolumeSpec = { accessMode: {} })],
      ['a look-alike key (U+017F)', '["DriverOptſ"]', /Docker would read it as "DriverOpts"/, (b) => (b['DriverOpt\u017F'] = {})],
      ['a number among driver options', 'DriverOpts.o', /must be a string/, (b) => (b.DriverOpts = { o: 1 })],
      ['an object among driver options', 'DriverOpts.o', /must be a string/, (b) => (b.DriverOpts = { o: { bind: true } })],
      ['a string for labels', 'Labels', /must be an object of string values/, (b) => (b.Labels = 'a=b')],
      ['the spec\'s misplaced Secrets', 'ClusterVolumeSpec.AccessMode.Secrets', UNKNOWN, (b) => (b.ClusterVolumeSpec = { AccessMode: { Secrets: [] } })],
      ['a field in a BlockVolume', 'ClusterVolumeSpec.AccessMode.BlockVolume', /must be \{\}/, (b) => (b.ClusterVolumeSpec = { AccessMode: { BlockVolume: { Size: 1 } } })],
      ['an unknown field in a topology', 'ClusterVolumeSpec.AccessibilityRequirements.Requisite[0].Zone', UNKNOWN, (b) => (b.ClusterVolumeSpec = { AccessibilityRequirements: { Requisite: [{ Zone: 'a' }] } })],
      ['an availability outside the spec enum', 'ClusterVolumeSpec.Availability', /must be one of/, (b) => (b.ClusterVolumeSpec = { Availability: 'gone' })],
    ],
  },
  networkCreate: {
    // docker CLI 20.10, `docker network create n`
    body: {
      CheckDuplicate: true, Driver: 'bridge', Scope: '', EnableIPv6: false, IPAM: { Driver: 'default', Options: {}, Config: [] }, Internal: false,
      Attachable: false, Ingress: false, ConfigOnly: false, ConfigFrom: null, Options: {}, Labels: {}, Name: 'n',
    },
    accepted: [
      ['a subnet with auxiliary addresses', (b) => (b.IPAM.Config = [{ Subnet: '172.30.0.0/16', IPRange: '172.30.1.0/24', Gateway: '172.30.0.1', AuxiliaryAddresses: { host1: '172.30.0.5' } }])],
      ['EnableIPv4 (1.47+) and a config-only network', (b) => Object.assign(b, { EnableIPv4: true, ConfigFrom: { Network: 'base' } })],
    ],
    refused: [
      ['a wrongly-cased key', 'name', UNKNOWN, (b) => (b.name = 'n')],
      ['a wrongly-cased key in IPAM', 'IPAM.config', UNKNOWN, (b) => (b.IPAM.config = [])],
      ['a look-alike key (U+017F)', '["ſcope"]', /Docker would read it as "Scope"/, (b) => (b['\u017Fcope'] = 'local')],
      ['a string for a boolean', 'Internal', /must be a boolean/, (b) => (b.Internal = 'false')],
      ['an object for the list of subnets', 'IPAM.Config', /must be a list of objects/, (b) => (b.IPAM.Config = {})],
      ['v1.24\'s documented AuxAddress (the Go field name, not its JSON name)', 'IPAM.Config[0].AuxAddress', UNKNOWN, (b) => (b.IPAM.Config = [{ Subnet: '10.0.0.0/24', AuxAddress: {} }])],
      ['a number among auxiliary addresses', 'IPAM.Config[0].AuxiliaryAddresses.host1', /must be a string/, (b) => (b.IPAM.Config = [{ AuxiliaryAddresses: { host1: 1 } }])],
      ['a boolean among driver options', 'Options["com.docker.network.bridge.enable_icc"]', /must be a string/, (b) => (b.Options = { 'com.docker.network.bridge.enable_icc': true })],
    ],
  },
  networkConnect: {
    // docker CLI 28.x, `docker network connect --alias db n c`
    body: {
      Container: 'c',
      EndpointConfig: {
        IPAMConfig: {}, Links: null, Aliases: ['db'], MacAddress: '', DriverOpts: {}, GwPriority: 0, NetworkID: '', EndpointID: '', Gateway: '',
        IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, DNSNames: null,
      },
    },
    refused: [
      ['a wrongly-cased key', 'container', UNKNOWN, (b) => (b.container = 'c')],
      ['a wrongly-cased key in the endpoint', 'EndpointConfig.aliases', UNKNOWN, (b) => (b.EndpointConfig.aliases = ['x'])],
      ['a wrongly-cased key in the endpoint\'s IPAMConfig', 'EndpointConfig.IPAMConfig.ipv4Address', UNKNOWN, (b) => (b.EndpointConfig.IPAMConfig.ipv4Address = '10.0.0.2')],
      ['a look-alike key (U+0130)', '["EndpoİntConfig"]', UNKNOWN, (b) => (b['Endpo\u0130ntConfig'] = {})],
      ['a string for a list', 'EndpointConfig.Aliases', /must be a list of strings/, (b) => (b.EndpointConfig.Aliases = 'db')],
      ['a string for an integer', 'EndpointConfig.GwPriority', /must be an integer/, (b) => (b.EndpointConfig.GwPriority = '1')],
      ['a number among driver options', 'EndpointConfig.DriverOpts.a', /must be a string/, (b) => (b.EndpointConfig.DriverOpts = { a: 1 })],
    ],
  },
  auth: {
    // docker CLI, `docker login -u u -p p registry.example.com`
    body: { username: 'u', password: 'p', serveraddress: 'registry.example.com' },
    accepted: [
      ['email (up to 1.51)', (b) => (b.email = '')],
      ['an identity token instead of a password', (b) => Object.assign(b, { password: undefined, identitytoken: 'tok' })],
    ],
    refused: [
      ['the capitalised spelling of a lower-case field', 'Username', UNKNOWN, (b) => (b.Username = 'u')],
      ['a look-alike key (U+017F)', '["ſerveraddress"]', /Docker would read it as "serveraddress"/, (b) => (b['\u017Ferveraddress'] = 'evil.example')],
      ['a number for a string', 'password', /must be a string/, (b) => (b.password = 1234)],
      ['an undocumented AuthConfig field', 'registrytoken', UNKNOWN, (b) => (b.registrytoken = 'x')],
    ],
  },
};

describeBodyCases(CASES);
