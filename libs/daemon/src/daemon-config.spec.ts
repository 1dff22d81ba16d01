import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enforcedDaemonConfig, writeDaemonConfig } from './daemon-config';

const OFF = { Entitlements: { 'network-host': false, 'security-insecure': false } };

describe('the daemon config the supervisor writes', () => {
  it('turns the BuildKit entitlements off when the operator has no config', () => {
    expect(enforcedDaemonConfig({}, 'f')).toEqual({ builder: OFF });
  });

  it("keeps the operator's settings and builder GC, and overrides their entitlements in every spelling", () => {
    const base = {
      'registry-mirrors': ['https://mirror.example.com'],
      Builder: { GC: { enabled: true }, entitlements: { 'network-host': true }, ENTITLEMENTS: { 'security-insecure': true } },
    };
    const enforced = enforcedDaemonConfig(base, 'f');
    expect(enforced).toEqual({ 'registry-mirrors': ['https://mirror.example.com'], builder: { GC: { enabled: true }, ...OFF } });
    // Go matches keys case-insensitively: no other spelling of builder may remain.
    expect(Object.keys(enforced).filter((key) => key.toLowerCase() === 'builder')).toEqual(['builder']);
  });

  it('isolates the default bridge when required (ownership), over the operator\'s icc in any spelling; leaves it alone otherwise', () => {
    expect(enforcedDaemonConfig({ ICC: true, icc: true }, 'f', { isolateDefaultBridge: true })).toEqual({ builder: OFF, icc: false });
    expect(enforcedDaemonConfig({ icc: true }, 'f', { isolateDefaultBridge: false })).toEqual({ icc: true, builder: OFF });
    expect(enforcedDaemonConfig({}, 'f')).not.toHaveProperty('icc');
  });

  it.each([['hosts'], ['Hosts'], ['tlsverify'], ['data-root'], ['pidfile']])('refuses %s, set by dind-service itself', (key) => {
    expect(() => enforcedDaemonConfig({ [key]: 'x' }, '/etc/docker/daemon.json')).toThrow(`/etc/docker/daemon.json: ${key}: set by dind-service itself`);
  });

  it('writes the merged file for --config-file, and tolerates a missing operator file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'daemon-config-'));
    writeDaemonConfig(join(dir, 'missing.json'), join(dir, 'out.json'));
    expect(JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'))).toEqual({ builder: OFF });
    writeFileSync(join(dir, 'base.json'), '{"debug": true}');
    writeDaemonConfig(join(dir, 'base.json'), join(dir, 'out.json'));
    expect(JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'))).toEqual({ debug: true, builder: OFF });
    writeFileSync(join(dir, 'bad.json'), '{"debug": ');
    expect(() => writeDaemonConfig(join(dir, 'bad.json'), join(dir, 'out.json'))).toThrow(/bad\.json: not valid JSON/);
  });
});
