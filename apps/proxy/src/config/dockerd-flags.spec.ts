import fc from 'fast-check';
import { dockerdArgumentProblems, readDockerdFlags } from './dockerd-flags';

// Spellings that dockerd (pflag) reads as a reserved flag must be refused,
// however they are written; ordinary daemon options must pass.

describe('dockerd arguments, read as pflag reads them', () => {
  it.each([
    [['-H', 'tcp://127.0.0.1:2375']],
    [['-Htcp://127.0.0.1:2375']],
    [['-H=tcp://127.0.0.1:2375']],
    [['-DHtcp://127.0.0.1:2375']],
    [['-DH', 'tcp://127.0.0.1:2375']],
    [['--host', 'tcp://127.0.0.1:2375']],
    [['--host=tcp://127.0.0.1:2375']],
    [['-p/x.pid']],
    [['-Dp', '/x.pid']],
    [['--graph=/elsewhere']],
    [['-g', '/elsewhere']],
    [['-G', 'users']],
    [['--data-root', '/elsewhere']],
    [['--exec-root=/elsewhere']],
    [['--tlsverify']],
    [['--tls=false']],
    [['--tlscert=/c.pem']],
    [['--config-file', '/tmp/mine.json']],
    // A value-taking flag placed so that its value is the reserved one: the
    // shorthand after a bool flag is still read.
    [['--debug', '-Htcp://127.0.0.1:2375']],
    // An unknown long flag takes no value here, so what follows is judged on its own.
    [['--some-new-flag', '-Htcp://127.0.0.1:2375']],
    // Positional arguments: dockerd takes none, and after `--` pflag stops reading flags.
    [['--', '-H', 'tcp://127.0.0.1:2375']],
    [['vfs']],
    // A shorthand dockerd does not define.
    [['-X']],
  ])('refuses %j', (args) => {
    expect(dockerdArgumentProblems(args)).not.toEqual([]);
  });

  it.each([
    [['--storage-driver=vfs']],
    [['--storage-driver', 'vfs']],
    [['-s', 'vfs']],
    [['-svfs']],
    [['-D']],
    [['-Dl', 'debug']],
    [['--debug', '--mtu=1400', '--log-level', 'warn']],
    [['--registry-mirror', 'https://mirror.example']],
    [['--iptables=false', '--bridge=none']],
    // A value that looks like a reserved flag is only a value.
    [['--label', '-Htcp://not-a-flag']],
  ])('accepts %j', (args) => {
    expect(dockerdArgumentProblems(args)).toEqual([]);
  });

  it('reads attached, separated and combined spellings to the same flag', () => {
    const host = (args: string[]) => readDockerdFlags(args).flags.find((flag) => flag.name === 'host')?.value;
    expect([host(['-Hx']), host(['-H=x']), host(['-H', 'x']), host(['-DHx']), host(['--host=x']), host(['--host', 'x'])]).toEqual(['x', 'x', 'x', 'x', 'x', 'x']);
  });

  it('refuses every attached or combined spelling of a reserved shorthand among benign flags', () => {
    const reservedShort = fc.constantFrom('H', 'p', 'G', 'g');
    const boolShorts = fc.array(fc.constantFrom('D', 'v', 'h'), { maxLength: 3 }).map((chars) => chars.join(''));
    const joiner = fc.constantFrom('', '=', ' ');
    const benign = fc.array(fc.constantFrom('--debug', '--mtu=1400', '--storage-driver=vfs', '-D', '--iptables=false'), { maxLength: 3 });
    fc.assert(
      fc.property(benign, boolShorts, reservedShort, joiner, benign, (before, bools, flag, join, after) => {
        const spelled = join === ' ' ? [`-${bools}${flag}`, '/x'] : [`-${bools}${flag}${join}/x`];
        expect(dockerdArgumentProblems([...before, ...spelled, ...after])).not.toEqual([]);
      }),
    );
  });
});
