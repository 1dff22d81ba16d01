import { RESTRICTED } from '../options/policy-options';
import { RuleContext } from './field-rule';
import { bindModeRefusal, checkBinds } from './volume-source';

const restricted: RuleContext = { apiMinor: 41, options: RESTRICTED, resolveHostPath: (p) => p, hostNetworkIds: () => [] };
const withPrefix: RuleContext = { ...restricted, options: { ...RESTRICTED, hostBindPrefixes: [{ path: '/srv', readOnly: false }] } };

describe('bind mode words (the daemon\'s ValidateMountMode classes)', () => {
  it.each([
    'ro', 'rw', 'z', 'Z', 'nocopy', 'consistent', 'cached', 'delegated', 'ro,z', 'rw,Z,nocopy,cached', 'nocopy,ro',
  ])('allows %j on a named volume', (modes) => {
    expect(bindModeRefusal(modes, false)).toBeUndefined();
    expect(checkBinds([`vol:/data:${modes}`], restricted)).toBeUndefined();
  });

  it.each([
    ['private', /"private" is not allowed on a volume/],
    ['rshared', /"rshared" is not allowed on a volume/],
    ['slave', /not allowed on a volume/],
    ['bind', /not allowed on a volume/],
    ['exec', /not allowed on a volume/],
    ['RO', /not allowed on a volume/],
    ['', undefined],
    ['ro,,z', /"" is not allowed/],
    ['ro,rw', /only one read-write option/],
    ['z,Z', /only one label option/],
    ['cached,delegated', /only one consistency option/],
    ['nocopy,nocopy', /only one copy option/],
  ])('on a named volume, %j: %s', (modes, reason) => {
    if (reason === undefined) expect(bindModeRefusal(modes, false)).toBeUndefined();
    else expect(bindModeRefusal(modes, false)).toMatch(reason);
  });

  it.each(['ro', 'rw', 'private', 'rprivate', 'cached', 'ro,rprivate,delegated'])('allows %j on a host path inside an allowed prefix', (modes) => {
    expect(checkBinds([`/srv/x:/x:${modes}`], withPrefix)).toBeUndefined();
  });

  it.each([
    ['z', /"z" is not allowed on a host path/],
    ['Z', /"Z" is not allowed on a host path/],
    ['nocopy', /"nocopy" is not allowed on a host path/],
    ['shared', /"shared" is not allowed on a host path/],
    ['rslave', /"rslave" is not allowed on a host path/],
  ])('refuses %j on a host path (relabels or propagates host mounts)', (modes, reason) => {
    expect(checkBinds([`/srv/x:/x:${modes}`], withPrefix)).toMatchObject({ reason: expect.stringMatching(reason), field: 'Binds[0]' });
  });

  it('still refuses a host path without an allowed prefix, whatever the mode', () => {
    expect(checkBinds(['/etc:/x:z'], restricted)).toMatchObject({ reason: /host paths cannot be mounted/ });
  });
});
