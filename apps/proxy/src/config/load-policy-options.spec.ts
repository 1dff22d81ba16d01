import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasMountsBelow, loadPolicyOptions, mountTablesWith } from './load-policy-options';

const file = (name: string, text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'policy-')), name);
  writeFileSync(path, text);
  return path;
};

describe('loadPolicyOptions', () => {
  it('reads the documented example', () => {
    const options = loadPolicyOptions(join(__dirname, '..', '..', '..', '..', 'docs', 'policy.example.yaml'));
    expect(options).toMatchObject({ name: 'ci-runners', allowedCapabilities: ['NET_BIND_SERVICE'], hostBindPrefixes: [{ path: '/srv/ci-cache', readOnly: false }, { path: '/srv/datasets', readOnly: true }] });
    expect(options.resources).toMatchObject({ memory: { default: 1024 ** 3, max: 4 * 1024 ** 3 }, cpus: { default: 1e9, max: 2e9 }, containers: { max: 200, running: 50 } });
  });

  it('reads JSON too', () => {
    expect(loadPolicyOptions(file('p.json', '{"hostNetwork": true}')).hostNetwork).toBe(true);
  });

  it.each([
    ['a missing file', '/nonexistent/policy.yaml', /cannot read it/],
    ['a duplicate key', file('dup.yaml', 'dryRun: false\ndryRun: true\n'), /not valid YAML/],
    ['an invalid option', file('bad.yaml', 'allowedCapabilities: [SYS_ADMIN]\n'), /allowedCapabilities\[0\]: SYS_ADMIN amounts to root/],
  ])('fails start-up on %s with a precise message', (_name, path, message) => {
    expect(() => loadPolicyOptions(path)).toThrow(message);
  });
});

describe('hasMountsBelow (this process\'s mount table)', () => {
  it('sees the mounts beneath / (/proc at least) and none beneath a fresh directory', () => {
    expect(hasMountsBelow('')).toBe(true);
    expect(hasMountsBelow(mkdtempSync(join(tmpdir(), 'no-mounts-')))).toBe(false);
  });

  it('counts a mount that only one of the tables holds, and fails closed on a table it cannot read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tables-'));
    const ours = join(dir, 'ours');
    const daemons = join(dir, 'daemons');
    writeFileSync(ours, '22 1 0:21 / /proc rw - proc proc rw\n');
    writeFileSync(daemons, '22 1 0:21 / /proc rw - proc proc rw\n90 22 0:50 / /srv/prefix/sub\\040dir rw - tmpfs t rw\n');
    expect(hasMountsBelow('/srv/prefix', [ours])).toBe(false);
    expect(hasMountsBelow('/srv/prefix', [ours, daemons])).toBe(true);
    expect(hasMountsBelow('/srv/prefix', [ours, join(dir, 'gone')])).toBe(true);
    expect(hasMountsBelow('/', [ours])).toBe(true);
  });

  it("adds the daemon's table while the supervisor has a daemon pid", () => {
    let pid: number | undefined;
    const tables = mountTablesWith(() => pid);
    expect(tables()).toEqual(['/proc/self/mountinfo']);
    pid = 4321;
    expect(tables()).toEqual(['/proc/self/mountinfo', '/proc/4321/mountinfo']);
  });
});
