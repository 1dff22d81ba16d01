import { DockerPolicy } from '../docker-policy';
import { PolicyDecision } from '../policy-request';
import { checkUlimits, ULIMIT_ALLOWANCES } from './ulimit.rules';

const one = (Name: unknown, Soft: unknown, Hard: unknown) => checkUlimits([{ Name, Soft, Hard }]);

describe('ulimits are an allowlist of names with ceilings', () => {
  it.each([
    ['nofile', 1024, 2048],
    ['nofile', 1048576, 1048576],
    ['NoFile', 1024, 1024],
    ['nproc', -1, -1],
    ['nproc', 4096, 8192],
    ['core', 0, 0],
    ['core', -1, -1],
    ['stack', 8388608, -1],
    ['memlock', -1, -1],
    ['cpu', 60, 120],
    ['fsize', 1000000, 1000000],
    ['data', -1, -1],
    ['rss', 1, 1],
    ['locks', 100, 100],
    ['rttime', 1000, 1000],
    ['nice', 0, 0],
    ['nice', 20, 20],
    ['NICE', 10, 20],
    ['rtprio', 0, 0],
  ])('allows %s=%d:%d', (name, soft, hard) => {
    expect(one(name, soft, hard)).toBeUndefined();
  });

  it.each([
    ['nice above 20 (a negative nice value)', 'nice', 40, 40, /nice soft limit must be from 0 to 20/],
    ['nice hard above 20', 'nice', 0, 21, /nice hard limit must be from 0 to 20/],
    ['nice unlimited', 'nice', -1, -1, /nice soft limit/],
    ['nice in capitals', 'Nice', 40, 40, /nice soft limit/],
    ['rtprio above 0', 'rtprio', 0, 99, /rtprio hard limit must be from 0 to 0/],
    ['rtprio unlimited', 'RTPRIO', -1, -1, /rtprio soft limit/],
    ['nofile above nr_open', 'nofile', 1048577, 1048577, /nofile soft limit must be from 0 to 1048576/],
    ['nofile unlimited', 'nofile', 1024, -1, /nofile hard limit/],
    ['msgqueue', 'msgqueue', 819200, 819200, /msgqueue is not allowed: POSIX message queue/],
    ['sigpending', 'sigpending', 1, 1, /sigpending is not allowed: pending signals/],
    ['as (not offered by the daemon)', 'as', 1, 1, /as is not allowed/],
    ['an unknown name', 'bogus', 1, 1, /bogus is not allowed/],
    ['a dotless i that Go upper-cases to RTPRIO', 'rtpr\u0131o', 99, 99, /letters only/],
    ['a long s that Go upper-cases to S', '\u017ftack', 1, 1, /letters only/],
    ['an empty name', '', 1, 1, /letters only/],
    ['no name', undefined, 1, 1, /letters only/],
  ])('refuses %s', (_case, name, soft, hard, reason) => {
    expect(one(name, soft, hard)).toMatchObject({ reason: expect.stringMatching(reason) });
  });

  it('names the entry it refuses, after allowed ones', () => {
    expect(checkUlimits([{ Name: 'nofile', Soft: 1, Hard: 2 }, { Name: 'nice', Soft: 40, Hard: 40 }])).toMatchObject({ field: 'Ulimits[1]' });
  });

  it('gives every allowed name a reason', () => {
    for (const [name, allowance] of Object.entries(ULIMIT_ALLOWANCES)) expect([name, allowance.why.length > 10]).toEqual([name, true]);
  });
});

describe('the same ulimit rule at create and at update', () => {
  const policy = new DockerPolicy({ daemonApiVersion: () => '1.41' });
  const post = (url: string, body: unknown): PolicyDecision =>
    policy.decide({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) });
  const outcome = (decision: PolicyDecision) => (decision.allowed ? 'allowed' : `${decision.denial.rule} ${decision.denial.field}`);
  const nice40 = [{ Name: 'nice', Soft: 40, Hard: 40 }];
  const nofile = [{ Name: 'nofile', Soft: 1024, Hard: 2048 }];

  it.each(['/v1.24', '/v1.41', ''])('%s create: refuses nice=40, allows nofile=1024:2048', (prefix) => {
    expect(outcome(post(`${prefix}/containers/create`, { Image: 'b', HostConfig: { Ulimits: nice40 } }))).toBe('ulimits HostConfig.Ulimits[0]');
    expect(outcome(post(`${prefix}/containers/create`, { Image: 'b', HostConfig: { Ulimits: nofile } }))).toBe('allowed');
  });

  it.each(['/v1.24', '/v1.41', ''])('%s update: refuses nice=40, allows nofile=1024:2048', (prefix) => {
    expect(outcome(post(`${prefix}/containers/c/update`, { Ulimits: nice40 }))).toBe('ulimits Ulimits[0]');
    expect(outcome(post(`${prefix}/containers/c/update`, { Ulimits: nofile }))).toBe('allowed');
  });
});
