import { DockerPolicy } from '../docker-policy';
import { PolicyDecision } from '../policy-request';
import { checkTmpfs, checkTmpfsMountOptions, tmpfsOptionRefusal } from './tmpfs-options.rules';

describe('tmpfs options are an allowlist', () => {
  it.each([
    ['rw'], ['ro'], ['exec'], ['noexec'], ['suid'], ['nosuid'], ['dev'], ['nodev'],
    ['noatime'], ['atime'], ['relatime'], ['norelatime'], ['strictatime'], ['nostrictatime'], ['diratime'], ['nodiratime'], ['defaults'],
    ['private'], ['rprivate'],
    ['size=64m'], ['size=1G'], ['size=50%'], ['size=65536'], ['nr_inodes=4k'], ['nr_blocks=1024'],
    ['mode=1777'], ['mode=755'], ['uid=1000'], ['gid=0'],
  ])('allows %s', (option) => {
    expect(tmpfsOptionRefusal(option)).toBeUndefined();
  });

  it.each([
    ['bind', /bind mount of a host path/],
    ['rbind', /bind mount of a host path/],
    ['remount', /remounts an existing mount/],
    ['shared', /propagation/],
    ['rshared', /propagation/],
    ['slave', /propagation/],
    ['rslave', /propagation/],
    ['unbindable', /propagation/],
    ['runbindable', /propagation/],
    ['mpol=bind:0', /not allowed/],
    ['huge=always', /not allowed/],
    ['mand', /not allowed/],
    ['sync', /not allowed/],
    ['', /not allowed/],
    ['RW', /not allowed/],
    ['size', /size must be a size/],
    ['size=', /size must be a size/],
    ['size=1m;bind', /size must be a size/],
    ['mode=rwx', /octal mode/],
    ['mode=17777', /octal mode/],
    ['uid=-1', /numeric user id/],
    ['gid=root', /numeric group id/],
    ['nr_inodes=many', /number of inodes/],
  ])('refuses %j', (option, reason) => {
    expect(tmpfsOptionRefusal(option)).toMatch(reason);
  });

  it('checks every option of every HostConfig.Tmpfs entry and names the entry', () => {
    expect(checkTmpfs({ '/run': 'rw,noexec', '/t': 'rw,size=1m,exec' })).toBeUndefined();
    expect(checkTmpfs({ '/run': 'rw', '/t': 'size=1m,bind' })).toEqual({ reason: expect.stringMatching(/"bind"/), field: 'Tmpfs["/t"]', value: 'size=1m,bind' });
  });

  it('needs an absolute container path', () => {
    expect(checkTmpfs({ t: '' })).toMatchObject({ field: 'Tmpfs["t"]', reason: /absolute/ });
  });

  it.each([[[['exec']]], [[['noexec']]], [[]], [null]])('allows Mount TmpfsOptions.Options %j', (options) => {
    expect(checkTmpfsMountOptions(options, 'Mounts[0].TmpfsOptions.Options')).toBeUndefined();
  });

  it.each([[[['bind']]], [[['nr_inodes', '1000']]], [[['exec', 'x']]], [[['noexec'], ['remount']]], [[['EXEC']]]])('refuses Mount TmpfsOptions.Options %j', (options) => {
    expect(checkTmpfsMountOptions(options, 'M')).toMatchObject({ reason: /only be \["exec"\] or \["noexec"\]/ });
  });
});

describe('tmpfs options at create', () => {
  const policy = new DockerPolicy({ daemonApiVersion: () => '1.41' });
  const create = (hostConfig: unknown, version = '1.41'): PolicyDecision =>
    policy.decide({
      method: 'POST',
      url: `/v${version}/containers/create`,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ Image: 'b', HostConfig: hostConfig })),
    });
  const outcome = (decision: PolicyDecision) => (decision.allowed ? 'allowed' : `${decision.denial.rule} ${decision.denial.field}`);

  it.each(['1.24', '1.41', '1.46'])('refuses a bind hidden in HostConfig.Tmpfs at API %s', (version) => {
    expect(outcome(create({ Tmpfs: { '/t': 'rw,bind' } }, version))).toBe('tmpfs HostConfig.Tmpfs["/t"]');
  });

  it('allows what `docker run --tmpfs /t:rw,size=1m,exec` sends', () => {
    expect(outcome(create({ Tmpfs: { '/t': 'rw,size=1m,exec' } }))).toBe('allowed');
  });

  it('refuses a tmpfs mount option other than exec/noexec (API 1.46+)', () => {
    const mounts = [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { Options: [['exec'], ['bind']] } }];
    expect(outcome(create({ Mounts: mounts }, '1.46'))).toBe('host-mount HostConfig.Mounts[0].TmpfsOptions.Options[1]');
  });

  it('allows a tmpfs mount with exec, size and mode', () => {
    const mounts = [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1777, Options: [['exec']] } }];
    expect(outcome(create({ Mounts: mounts }, '1.46'))).toBe('allowed');
  });
});
