import { cgroupHierarchies, cgroupMounts, unescapeMountPath } from './cgroup-hierarchies';

// A cgroup v1 host as this project's CI machine has it: hybrid, with a
// named systemd hierarchy, a joined cpu,cpuacct one and an empty cgroup2.
const HYBRID_CGROUP = ['9:name=systemd:/', '8:pids:/', '4:memory:/process_api/c0af', '2:cpu,cpuacct:/', '0::/'].join('\n');
const HYBRID_MOUNTINFO = [
  '25 23 0:22 / /sys rw,nosuid - sysfs sysfs rw',
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpuacct,cpu',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids,release_agent=/x',
  '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate',
].join('\n');

describe('cgroupHierarchies', () => {
  it('joins each mounted hierarchy with this process\'s cgroup in it, and the options a fresh mount takes', () => {
    expect(cgroupHierarchies(HYBRID_CGROUP, HYBRID_MOUNTINFO)).toEqual([
      { type: 'cgroup', mountPoint: '/sys/fs/cgroup/cpu,cpuacct', options: 'rw,cpu,cpuacct', ownDir: '/sys/fs/cgroup/cpu,cpuacct' },
      { type: 'cgroup', mountPoint: '/sys/fs/cgroup/memory', options: 'rw,memory', ownDir: '/sys/fs/cgroup/memory/process_api/c0af' },
      { type: 'cgroup', mountPoint: '/sys/fs/cgroup/pids', options: 'rw,pids', ownDir: '/sys/fs/cgroup/pids' },
      { type: 'cgroup', mountPoint: '/sys/fs/cgroup/systemd', options: 'rw,name=systemd', ownDir: '/sys/fs/cgroup/systemd' },
      { type: 'cgroup2', mountPoint: '/sys/fs/cgroup/unified', options: 'rw', ownDir: '/sys/fs/cgroup/unified' },
    ]);
  });

  it('a hierarchy mounted from a subdirectory (a container\'s view) shows our cgroup relative to that root', () => {
    const mounts = '40 31 0:36 /kubepods/pod1 /sys/fs/cgroup/pids ro,relatime - cgroup cgroup rw,pids';
    expect(cgroupHierarchies('8:pids:/kubepods/pod1/c1', mounts)).toEqual([
      { type: 'cgroup', mountPoint: '/sys/fs/cgroup/pids', options: 'rw,pids', ownDir: '/sys/fs/cgroup/pids/c1' },
    ]);
    expect(cgroupHierarchies('8:pids:/kubepods/pod1', mounts)[0].ownDir).toBe('/sys/fs/cgroup/pids');
  });

  it('sets apart a v1 mount that does not contain our cgroup or names no hierarchy of ours; keeps every mount of a usable one', () => {
    const mounts = [
      '40 31 0:36 /other /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids',
      '41 31 0:37 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
      '42 31 0:37 / /elsewhere/memory rw - cgroup cgroup rw,memory',
      '43 31 0:38 / /sys/fs/cgroup/rdma rw - cgroup cgroup rw,rdma',
    ].join('\n');
    const { usable, unusable } = cgroupMounts('8:pids:/mine\n4:memory:/', mounts);
    expect(usable.map((h) => h.mountPoint)).toEqual(['/sys/fs/cgroup/memory', '/elsewhere/memory']);
    expect(unusable).toEqual(['/sys/fs/cgroup/pids', '/sys/fs/cgroup/rdma']);
  });

  it('knows a v1 mount by its controllers whatever other options it carries (seclabel, an LSM\'s)', () => {
    const mounts = '39 31 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,seclabel,pids';
    expect(cgroupMounts('8:pids:/', mounts)).toEqual({ usable: [{ type: 'cgroup', mountPoint: '/sys/fs/cgroup/pids', options: 'rw,pids', ownDir: '/sys/fs/cgroup/pids' }], unusable: [] });
  });

  it('a cgroup v2 host has one hierarchy', () => {
    const mounts = '30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot';
    expect(cgroupHierarchies('0::/system.slice/dind.service', mounts)).toEqual([
      { type: 'cgroup2', mountPoint: '/sys/fs/cgroup', options: 'rw', ownDir: '/sys/fs/cgroup/system.slice/dind.service' },
    ]);
  });

  it('reads mount points with escaped characters', () => {
    expect(unescapeMountPath('/mnt/with\\040space\\011tab\\134slash')).toBe('/mnt/with space\ttab\\slash');
  });
});
