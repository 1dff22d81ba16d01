import { RESTRICTED } from '../options/policy-options';
import { RuleContext } from './field-rule';
import { checkReferencedVolume, volumeReferencesOfCreate } from './volume-reference';

const context: RuleContext = { apiMinor: 41, options: RESTRICTED, resolveHostPath: (path) => path, hostNetworkIds: () => [] };
const reference = { field: 'HostConfig.Binds[0]', value: 'data:/data', name: 'data' };

describe('a named volume is judged by what the daemon says it is', () => {
  describe('which volumes a create mounts by name', () => {
    it.each([
      ['a Binds entry name:/path', { Binds: ['data:/data'] }, [{ field: 'HostConfig.Binds[0]', value: 'data:/data', name: 'data' }]],
      ['a Binds entry with modes', { Binds: ['/a', 'data:/data:ro,nocopy'] }, [{ field: 'HostConfig.Binds[1]', value: 'data:/data:ro,nocopy', name: 'data' }]],
      ['a Mounts entry of type volume', { Mounts: [{ Type: 'volume', Source: 'data', Target: '/d' }] }, [{ field: 'HostConfig.Mounts[0].Source', value: 'data', name: 'data' }]],
      ['not an anonymous volume', { Binds: ['/data'], Mounts: [{ Type: 'volume', Target: '/d' }, { Type: 'volume', Source: '', Target: '/e' }] }, []],
      ['not a tmpfs', { Mounts: [{ Type: 'tmpfs', Target: '/t' }] }, []],
      ['not a host path (judged by the host-mount rule)', { Binds: ['/srv:/srv'] }, []],
    ])('%s', (_rule, hostConfig, expected) => {
      expect(volumeReferencesOfCreate({ HostConfig: hostConfig })).toEqual(expected);
    });
  });

  describe('what an existing volume may be', () => {
    it.each([
      ['a plain local volume', { Name: 'data', Driver: 'local', Options: null }],
      ['a plain local volume with empty options', { Name: 'data', Driver: 'local', Options: {} }],
      ['a tmpfs-backed local volume', { Name: 'data', Driver: 'local', Options: { type: 'tmpfs', device: 'tmpfs', o: 'size=64m' } }],
    ])('allows %s', (_what, inspected) => {
      expect(checkReferencedVolume(reference, inspected, context)).toBeUndefined();
    });

    it.each([
      ['a local volume that binds a host path', { Name: 'data', Driver: 'local', Options: { type: 'none', o: 'bind', device: '/etc' } }, 'rule volume-driver'],
      ['a local volume that mounts a host device', { Name: 'data', Driver: 'local', Options: { type: 'ext4', device: '/dev/sda1' } }, 'rule volume-driver'],
      ['a local volume that mounts an NFS share', { Name: 'data', Driver: 'local', Options: { type: 'nfs', o: 'addr=10.0.0.1', device: ':/export' } }, 'rule volume-driver'],
      ['a volume of a plugin driver', { Name: 'data', Driver: 'rexray', Options: null }, 'only the local volume driver'],
      ['an answer about another volume', { Name: 'other', Driver: 'local', Options: null }, 'does not describe it'],
      ['an answer that is not a volume', undefined, 'does not describe it'],
    ])('refuses %s', (_what, inspected, reason) => {
      const denial = checkReferencedVolume(reference, inspected, context);
      expect(denial).toMatchObject({ rule: 'volume-reference', field: 'HostConfig.Binds[0]', value: 'data:/data' });
      expect(denial!.reason).toContain(reason);
    });
  });
});
