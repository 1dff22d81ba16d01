import { spawn } from 'node:child_process';
import { childEnvironment, namesPathUnder, ProcessRunner } from './process-runner';

describe('namesPathUnder: whose processes are ours to reap', () => {
  it.each([
    [['containerd', '--config', '/run/dind/exec/containerd/containerd.toml'], true],
    [['containerd-shim-runc-v2', '-namespace', 'moby', '-address', '/run/dind/exec/containerd/containerd.sock'], true],
    [['dockerd', '--exec-root=/run/dind/exec'], true],
    [['dockerd', '--pidfile=/run/dind'], true],
    // Another instance's run directory, and a sibling that merely shares a prefix.
    [['containerd', '--config', '/run/dind2/exec/containerd/containerd.toml'], false],
    [['/opt/run-sibling/containerd'], false],
    [['/run/dind-sibling/containerd'], false],
    [['sleep', '/run/dindx'], false],
    [['grep', 'x/run/dind/y'], false],
  ])('%j names /run/dind: %s', (args, expected) => {
    expect(namesPathUnder(args, '/run/dind')).toBe(expected);
    expect(namesPathUnder(args, '/run/dind/')).toBe(expected);
  });
});

describe('childEnvironment: what dockerd and containerd inherit', () => {
  it('keeps what the daemon needs and drops the service secrets', () => {
    const env = childEnvironment({ PATH: '/usr/bin', HOME: '/root', HTTPS_PROXY: 'http://proxy:3128', no_proxy: 'localhost', ADMIN_TOKEN: 'secret', DOCKER_UPSTREAM: '', POLICY_FILE: '/p', AWS_SECRET_ACCESS_KEY: 'k' });
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/root', HTTPS_PROXY: 'http://proxy:3128', no_proxy: 'localhost' });
  });
});

describe('childrenOf: the containers of a leftover shim', () => {
  it("finds a live process's children, and nothing for a process without any", async () => {
    // sh stands for a shim, its sleep for a container's first process.
    const shim = spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore' });
    try {
      const runner = new ProcessRunner();
      let children: number[] = [];
      for (let i = 0; i < 50 && children.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        children = runner.childrenOf([shim.pid!]);
      }
      expect(children).toHaveLength(1);
      expect(runner.commandArgs(children[0])).toEqual(['sleep', '30']);
      expect(runner.childrenOf(children)).toEqual([]);
      runner.kill(children[0], 'SIGKILL');
    } finally {
      shim.kill('SIGKILL');
    }
  });
});
