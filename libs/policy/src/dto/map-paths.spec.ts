import { DockerPolicy } from '../docker-policy';
import { parseStrictJson } from '../json/strict-json.parser';
import { PolicyDecision } from '../policy-request';
import { bodyMapPaths } from './map-paths';

describe('which objects of a body are Go maps', () => {
  const create = bodyMapPaths('containerCreate');
  it.each([
    [['Labels']],
    [['ExposedPorts']],
    [['Volumes']],
    [['HostConfig', 'Sysctls']],
    [['HostConfig', 'Tmpfs']],
    [['HostConfig', 'StorageOpt']],
    [['HostConfig', 'PortBindings']],
    [['HostConfig', 'LogConfig', 'Config']],
    [['HostConfig', 'Annotations']],
    [['HostConfig', 'Mounts', 0, 'VolumeOptions', 'Labels']],
    [['HostConfig', 'Mounts', 3, 'VolumeOptions', 'DriverConfig', 'Options']],
    [['NetworkingConfig', 'EndpointsConfig']],
    [['NetworkingConfig', 'EndpointsConfig', 'mynet', 'DriverOpts']],
    // Go finds the field under any folded spelling; the DTO refuses that spelling later.
    [['hostconfig', 'sysctls']],
  ])('create: %j is a map', (path) => {
    expect(create(path)).toBe(true);
  });

  it.each([
    [[]],
    [['HostConfig']],
    [['HostConfig', 'LogConfig']],
    [['HostConfig', 'Mounts', 0]],
    [['HostConfig', 'Mounts', 0, 'VolumeOptions']],
    [['HostConfig', 'PortBindings', '80/tcp', 0]],
    [['NetworkingConfig']],
    [['NetworkingConfig', 'EndpointsConfig', 'mynet']],
    [['NetworkingConfig', 'EndpointsConfig', 'mynet', 'IPAMConfig']],
    [['ExposedPorts', '80/tcp']],
    [['Healthcheck']],
    // Not described by the DTO: treated as a struct, so folded duplicates stay refused.
    [['Unknown']],
    [['Labels', 'x']],
    [['HostConfig', 'Mounts', 'x']],
  ])('create: %j is a struct (or unknown)', (path) => {
    expect(create(path)).toBe(false);
  });

  it.each([
    ['volumeCreate', ['DriverOpts']],
    ['volumeCreate', ['Labels']],
    ['networkCreate', ['Options']],
    ['networkCreate', ['Labels']],
    ['networkCreate', ['IPAM', 'Options']],
    ['networkConnect', ['EndpointConfig', 'DriverOpts']],
    ['containerUpdate', ['Ulimits', 0]],
  ] as const)('%s: %j', (kind, path) => {
    expect(bodyMapPaths(kind)([...path])).toBe(kind !== 'containerUpdate');
  });

  it('knows no maps on a route without a body DTO', () => {
    expect(bodyMapPaths(undefined)(['Labels'])).toBe(false);
    expect(bodyMapPaths('build')(['Labels'])).toBe(false);
  });

  it('lets the parser keep keys that fold alike in a map, and still refuse them in a struct', () => {
    expect(parseStrictJson('{"Labels":{"a.b":"1","a.B":"2"}}', { isMap: create })).toEqual({ Labels: { 'a.b': '1', 'a.B': '2' } });
    expect(() => parseStrictJson('{"Labels":{"a.b":"1","a.b":"2"}}', { isMap: create })).toThrow(/duplicate key "a.b"/);
    expect(() => parseStrictJson('{"Labels":{},"labels":{}}', { isMap: create })).toThrow(/same key to the Docker daemon/);
  });
});

describe('map keys are data (policy)', () => {
  const policy = new DockerPolicy({ daemonApiVersion: () => '1.41' });
  const post = (url: string, raw: string): PolicyDecision =>
    policy.decide({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body: Buffer.from(raw) });
  const forwarded = (decision: PolicyDecision) => {
    if (!decision.allowed) throw new Error(`denied: ${decision.denial.rule} ${decision.denial.field} ${decision.denial.reason}`);
    return JSON.parse(decision.body!.toString());
  };
  const refusal = (decision: PolicyDecision) => (decision.allowed ? 'allowed' : `${decision.denial.rule} ${decision.denial.field}: ${decision.denial.reason}`);

  it.each([
    ['labels', '/v1.41/containers/create', '{"Image":"b","Labels":{"a.b":"1","a.B":"2"}}', ['Labels'], { 'a.b': '1', 'a.B': '2' }],
    ['labels, unversioned', '/containers/create', '{"Image":"b","Labels":{"a.b":"1","a.B":"2"}}', ['Labels'], { 'a.b': '1', 'a.B': '2' }],
    ['labels at API 1.24', '/v1.24/containers/create', '{"Image":"b","Labels":{"x":"1","X":"2","\u017f":"3","s":"4"}}', ['Labels'], { x: '1', X: '2', '\u017f': '3', s: '4' }],
    ['exposed ports', '/v1.41/containers/create', '{"Image":"b","ExposedPorts":{"80/tcp":{},"80/TCP":{}}}', ['ExposedPorts'], { '80/tcp': {}, '80/TCP': {} }],
    ['volumes', '/v1.41/containers/create', '{"Image":"b","Volumes":{"/d":{},"/D":{}}}', ['Volumes'], { '/d': {}, '/D': {} }],
    ['tmpfs paths', '/v1.41/containers/create', '{"Image":"b","HostConfig":{"Tmpfs":{"/t":"","/T":"size=1m"}}}', ['HostConfig', 'Tmpfs'], { '/t': '', '/T': 'size=1m' }],
    ['mount volume labels', '/v1.41/containers/create', '{"Image":"b","HostConfig":{"Mounts":[{"Type":"volume","Source":"vv","Target":"/v","VolumeOptions":{"Labels":{"k":"1","K":"2"}}}]}}', ['HostConfig', 'Mounts', 0, 'VolumeOptions', 'Labels'], { k: '1', K: '2' }],
    ['volume labels', '/v1.41/volumes/create', '{"Name":"vv","Labels":{"a.b":"1","a.B":"2"}}', ['Labels'], { 'a.b': '1', 'a.B': '2' }],
    ['network labels', '/v1.41/networks/create', '{"Name":"n","Labels":{"a.b":"1","a.B":"2"}}', ['Labels'], { 'a.b': '1', 'a.B': '2' }],
    ['commit labels', '/v1.41/commit?container=c', '{"Labels":{"a.b":"1","a.B":"2"}}', ['Labels'], { 'a.b': '1', 'a.B': '2' }],
  ])('forwards both keys that fold alike in %s', (_name, url, raw, path, expected) => {
    let value = forwarded(post(url, raw));
    for (const segment of path) value = value[segment];
    expect(value).toEqual(expected);
  });

  it.each([
    ['labels', '/v1.41/containers/create', '{"Image":"b","Labels":{"a.b":"1","a.b":"2"}}', /^body.json Labels\["a.b"\]: duplicate key "a.b"/],
    ['sysctls, spelled with an escape', '/v1.41/containers/create', '{"Image":"b","HostConfig":{"Sysctls":{"net.x":"1","net.\\u0078":"2"}}}', /^body.json HostConfig.Sysctls\["net.x"\]: duplicate key/],
    ['endpoints', '/v1.41/containers/create', '{"Image":"b","NetworkingConfig":{"EndpointsConfig":{"n":{},"n":{}}}}', /^body.json NetworkingConfig.EndpointsConfig.n: duplicate key "n"/],
    ['volume driver options', '/v1.41/volumes/create', '{"DriverOpts":{"o":"size=1m","o":"bind"}}', /^body.json DriverOpts.o: duplicate key "o"/],
    ['network options', '/v1.41/networks/create', '{"Name":"n","Options":{"a":"1","a":"2"}}', /^body.json Options.a: duplicate key/],
  ])('refuses an exact duplicate key in %s (the daemon would keep the last)', (_name, url, raw, expected) => {
    expect(refusal(post(url, raw))).toMatch(expected);
  });

  it.each([
    ['top level', '{"Image":"b","image":"c"}', /^body.json image: duplicate key/],
    ['HostConfig', '{"Image":"b","HostConfig":{"Privileged":false,"PRIVILEGED":true}}', /^body.json HostConfig.PRIVILEGED/],
    ['LogConfig (a struct inside a struct)', '{"Image":"b","HostConfig":{"LogConfig":{"Type":"json-file","type":"syslog"}}}', /^body.json HostConfig.LogConfig.type/],
    ['a Mounts element', '{"Image":"b","HostConfig":{"Mounts":[{"Type":"volume","TYPE":"bind","Target":"/x"}]}}', /^body.json HostConfig.Mounts\[0\].TYPE/],
    ['VolumeOptions inside a Mounts element', '{"Image":"b","HostConfig":{"Mounts":[{"Type":"volume","Target":"/x","VolumeOptions":{"NoCopy":true,"nocopy":false}}]}}', /VolumeOptions.nocopy/],
    ['an endpoint (a struct inside a map)', '{"Image":"b","NetworkingConfig":{"EndpointsConfig":{"n":{"NetworkID":"a","networkid":"b"}}}}', /EndpointsConfig.n.networkid: duplicate key/],
    ['a port binding (a struct in a list in a map)', '{"Image":"b","HostConfig":{"PortBindings":{"80/tcp":[{"HostIp":"","hostip":"0.0.0.0"}]}}}', /\[0\].hostip: duplicate key/],
    ['an ExposedPorts value (Go struct{})', '{"Image":"b","ExposedPorts":{"80/tcp":{"a":1,"A":2}}}', /ExposedPorts\["80\/tcp"\].A: duplicate key/],
    ['a Ulimit at update', '{"Ulimits":[{"Name":"nofile","name":"nice"}]}', /Ulimits\[0\].name: duplicate key/],
    ['with the Kelvin sign', '{"Image":"b","HostConfig":{"KernelMemory":0,"\u212aernelMemory":1}}', /same key to the Docker daemon/],
  ])('still refuses struct fields that fold alike: %s', (_name, raw, expected) => {
    const url = raw.startsWith('{"Ulimits"') ? '/v1.41/containers/c/update' : '/v1.41/containers/create';
    expect(refusal(post(url, raw))).toMatch(expected);
  });
});
