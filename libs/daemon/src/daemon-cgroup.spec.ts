import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaemonCgroup, daemonCgroupName } from './daemon-cgroup';

/** A cgroup v1 tree in a temporary directory: pids, cpuset and memory hierarchies, our process in /svc of each. */
function fakeHost() {
  const root = mkdtempSync(join(tmpdir(), 'cgroup-'));
  for (const h of ['pids', 'cpuset', 'memory']) mkdirSync(join(root, h, 'svc'), { recursive: true });
  writeFileSync(join(root, 'cpuset', 'svc', 'cpuset.cpus'), '0-1\n');
  writeFileSync(join(root, 'cpuset', 'svc', 'cpuset.mems'), '0\n');
  const sources = () => ({
    procSelfCgroup: '8:pids:/svc\n3:cpuset:/svc\n4:memory:/svc\n0::/',
    mountinfo: ['pids', 'cpuset', 'memory'].map((h, i) => `${40 + i} 31 0:${36 + i} / ${root}/${h} rw - cgroup cgroup rw,${h}`).join('\n'),
  });
  // What the kernel makes in a new cgroup directory, which a plain one lacks.
  const kernelFiles = (name: string) => {
    mkdirSync(join(root, 'pids', 'svc', name));
    writeFileSync(join(root, 'pids', 'svc', name, 'pids.max'), 'max\n');
    mkdirSync(join(root, 'cpuset', 'svc', name));
    writeFileSync(join(root, 'cpuset', 'svc', name, 'cpuset.cpus'), '\n');
    writeFileSync(join(root, 'cpuset', 'svc', name, 'cpuset.mems'), '\n');
    mkdirSync(join(root, 'memory', 'svc', name));
    writeFileSync(join(root, 'memory', 'svc', name, 'memory.limit_in_bytes'), '9223372036854771712\n');
  };
  return { root, sources, kernelFiles };
}

describe('DaemonCgroup (cgroup v1)', () => {
  it('makes a child of our cgroup in every hierarchy, with the pids ceiling, the memory limit and the cpuset it needs', () => {
    const host = fakeHost();
    host.kernelFiles('d');
    const cgroup = new DaemonCgroup({ mode: 'namespace', name: 'd', pidsMax: 512, memoryMaxBytes: 1 << 30 }, host.sources);
    expect(cgroup.confinement).toBe('namespace');
    cgroup.prepare();
    const file = (...parts: string[]) => readFileSync(join(host.root, ...parts), 'utf8').trim();
    expect(file('pids', 'svc', 'd', 'pids.max')).toBe('512');
    expect(file('memory', 'svc', 'd', 'memory.limit_in_bytes')).toBe(String(1 << 30));
    expect(file('cpuset', 'svc', 'd', 'cpuset.cpus')).toBe('0-1');
    expect(file('cpuset', 'svc', 'd', 'cpuset.mems')).toBe('0');
  });

  it('refuses to go on when no pids controller bounds the cgroup', () => {
    const host = fakeHost();
    const cgroup = new DaemonCgroup({ mode: 'namespace', name: 'd', pidsMax: 512 }, host.sources);
    expect(() => cgroup.prepare()).toThrow(/no pids cgroup controller/);
  });

  it('refuses to go on when a cgroup mount would stay unconfined, or a memory limit was asked for and cannot be set', () => {
    const host = fakeHost();
    host.kernelFiles('d');
    const withStray = () => ({ ...host.sources(), mountinfo: `${host.sources().mountinfo}\n50 31 0:60 /elsewhere ${host.root}/stray rw - cgroup cgroup rw,pids` });
    expect(() => new DaemonCgroup({ mode: 'namespace', name: 'd', pidsMax: 512 }, withStray).prepare()).toThrow(/stray\) would stay visible to the daemon unconfined/);
    const noMemory = () => ({ procSelfCgroup: '8:pids:/svc\n0::/', mountinfo: `40 31 0:36 / ${host.root}/pids rw - cgroup cgroup rw,pids` });
    expect(() => new DaemonCgroup({ mode: 'namespace', name: 'd', pidsMax: 512, memoryMaxBytes: 1 << 30 }, noMemory).prepare()).toThrow(/DOCKERD_MEMORY_MAX_BYTES could not be applied/);
    expect(() => new DaemonCgroup({ mode: 'namespace', name: 'd', pidsMax: 512 }, noMemory).prepare()).not.toThrow();
  });

  it('starts the command in its cgroup, then in a cgroup and mount namespace of its own with every hierarchy mounted afresh', () => {
    const host = fakeHost();
    const prefix = new DaemonCgroup({ mode: 'namespace', name: 'd', pidsMax: 512 }, host.sources).commandPrefix();
    const dirs = ['pids', 'cpuset', 'memory'].map((h) => join(host.root, h, 'svc', 'd'));
    expect(prefix.slice(0, 2)).toEqual(['sh', '-c']);
    expect(prefix.slice(3, 8)).toEqual(['dind-enter-cgroup', ...dirs, '--']);
    expect(prefix.slice(8, 16)).toEqual(['unshare', '--cgroup', '--mount', '--propagation', 'slave', '--', 'sh', '-c']);
    expect(prefix.slice(17)).toEqual(['dind-mount-cgroups', 'cgroup', 'rw,pids', `${host.root}/pids`, 'cgroup', 'rw,cpuset', `${host.root}/cpuset`, 'cgroup', 'rw,memory', `${host.root}/memory`, '--']);
  });

  it('lists every process in the cgroup tree and removes the tree deepest first', () => {
    const host = fakeHost();
    const cgroup = new DaemonCgroup({ mode: 'namespace', name: 'd', pidsMax: 512 }, host.sources);
    const deep = join(host.root, 'pids', 'svc', 'd', 'docker', 'abc');
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(host.root, 'pids', 'svc', 'd', 'cgroup.procs'), '10\n11\n');
    writeFileSync(join(deep, 'cgroup.procs'), '12\n10\n');
    expect(cgroup.processes().sort()).toEqual([10, 11, 12]);
    // Plain directories with files in them stand in for busy cgroups.
    expect(cgroup.remove()).toEqual(expect.arrayContaining([deep]));
  });

  it('off: no directories, no prefix', () => {
    const cgroup = new DaemonCgroup({ mode: 'off', name: 'd', pidsMax: 512 }, () => {
      throw new Error('not read when off');
    });
    expect([cgroup.confinement, cgroup.directories(), cgroup.commandPrefix()]).toEqual(['off', [], []]);
  });

  it('a cgroup v2 host is left to the runtime\'s cgroup namespace', () => {
    const cgroup = new DaemonCgroup({ mode: 'namespace', name: 'd', pidsMax: 512 }, () => ({
      procSelfCgroup: '0::/',
      mountinfo: '30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw',
    }));
    expect([cgroup.confinement, cgroup.commandPrefix()]).toEqual(['runtime', []]);
    expect(() => cgroup.prepare()).not.toThrow();
  });

  it('refuses a cgroup v2 service that is not at the root of a cgroup namespace of its own (the host\'s, shared)', () => {
    const cgroup = new DaemonCgroup({ mode: 'namespace', name: 'd', pidsMax: 512 }, () => ({
      procSelfCgroup: '0::/system.slice/docker-abc.scope',
      mountinfo: '30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw',
    }));
    expect(cgroup.confinement).toBe('runtime');
    expect(() => cgroup.prepare()).toThrow(/not the root of a cgroup namespace of its own/);
  });

  it('refuses a name that is not one directory', () => {
    expect(() => new DaemonCgroup({ mode: 'off', name: '../x', pidsMax: 512 })).toThrow(/letters, digits/);
  });
});

describe('daemonCgroupName', () => {
  it('is stable for a run directory and differs between two with the same last component', () => {
    expect(daemonCgroupName('/run/dind-service-dockerd')).toBe(daemonCgroupName('/run/dind-service-dockerd/'));
    expect(daemonCgroupName('/run/dind-service-dockerd')).toMatch(/^dockerd-dind-service-dockerd-[0-9a-f]{8}$/);
    expect(daemonCgroupName('/a/run')).not.toBe(daemonCgroupName('/b/run'));
  });
});
