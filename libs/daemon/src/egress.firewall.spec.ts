import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EgressFirewall, EgressRulesError } from './egress.firewall';
import { ProcessRunner } from './process-runner';

/** Records the commands; answers `-S` from a pretend table. */
class FakeTables extends ProcessRunner {
  calls: string[] = [];
  output = '-P OUTPUT ACCEPT\n';
  chainExists = false;
  missing = false;
  failOn?: string;

  override run(command: string, args: readonly string[]) {
    const line = `${command} ${args.join(' ')}`;
    this.calls.push(line);
    if (this.missing) return { code: 127, stdout: '', stderr: `spawnSync ${command} ENOENT` };
    if (this.failOn && line.includes(this.failOn)) return { code: 4, stdout: '', stderr: 'Permission denied (you must be root)' };
    if (args[1] === '-S' && args[2] === 'OUTPUT') return { code: 0, stdout: this.output, stderr: '' };
    if (args[1] === '-S') return { code: this.chainExists ? 0 : 1, stdout: '', stderr: '' };
    return { code: 0, stdout: '', stderr: '' };
  }
}

const resolvConf = join(mkdtempSync(join(tmpdir(), 'egress-')), 'resolv.conf');
writeFileSync(resolvConf, 'nameserver 10.0.0.53\n');
const options = { enforcement: 'kernel' as const, gid: 2375, denyCidrs: [], resolvConf };

describe('EgressFirewall', () => {
  it('replaces a previous run\'s jumps and chain before it installs its own, jump last and first in OUTPUT', () => {
    const tables = new FakeTables();
    tables.output = '-P OUTPUT ACCEPT\n-A OUTPUT -m owner --gid-owner 9 --suppl-groups -j DIND-EGRESS\n';
    tables.chainExists = true;
    const firewall = new EgressFirewall(options, tables);
    jest.spyOn(firewall, 'families').mockReturnValue([4]);
    firewall.install();
    const calls = tables.calls;
    expect(calls.slice(0, 5)).toEqual([
      'iptables -w -S OUTPUT',
      'iptables -w -D OUTPUT -m owner --gid-owner 9 --suppl-groups -j DIND-EGRESS',
      'iptables -w -S DIND-EGRESS',
      'iptables -w -F DIND-EGRESS',
      'iptables -w -X DIND-EGRESS',
    ]);
    expect(calls[5]).toBe('iptables -w -N DIND-EGRESS');
    expect(calls).toContain('iptables -w -A DIND-EGRESS -p udp -m conntrack --ctorigdst 10.0.0.53 --ctorigdstport 53 -j RETURN');
    expect(calls.at(-1)).toBe('iptables -w -I OUTPUT 1 -m owner --gid-owner 2375 --suppl-groups -j DIND-EGRESS');
  });

  it('installs for both families where the kernel has IPv6', () => {
    const tables = new FakeTables();
    const firewall = new EgressFirewall(options, tables);
    jest.spyOn(firewall, 'families').mockReturnValue([4, 6]);
    firewall.install();
    expect(tables.calls).toContain('ip6tables -w -I OUTPUT 1 -m owner --gid-owner 2375 --suppl-groups -j DIND-EGRESS');
  });

  it('fails with the tool\'s message when iptables cannot be run', () => {
    const tables = new FakeTables();
    tables.missing = true;
    expect(() => new EgressFirewall(options, tables).install()).toThrow(new EgressRulesError('iptables cannot be run: spawnSync iptables ENOENT'));
  });

  it('fails when a rule is refused', () => {
    const tables = new FakeTables();
    tables.failOn = '-N DIND-EGRESS';
    expect(() => new EgressFirewall(options, tables).install()).toThrow(/iptables -N DIND-EGRESS: Permission denied/);
  });

  it('refuses the service\'s own group: the rules would bind the service itself', () => {
    const gid = process.getgid!();
    expect(() => new EgressFirewall({ ...options, gid }, new FakeTables()).install()).toThrow(`DOCKERD_EGRESS_GID=${gid} is the service's own group`);
  });

  it('removes nothing it does not find', () => {
    const tables = new FakeTables();
    const firewall = new EgressFirewall(options, tables);
    jest.spyOn(firewall, 'families').mockReturnValue([4]);
    firewall.remove();
    expect(tables.calls).toEqual(['iptables -w -S OUTPUT', 'iptables -w -S DIND-EGRESS']);
  });
});
