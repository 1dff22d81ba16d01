import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { docker, text } from '../support/docker-cli';
import { e2eState } from '../support/e2e-state';
import { pidsCgroupDirOf } from '../support/host-cgroup';
import { SidecarInstance, startSidecarInstance } from '../support/sidecar-instance';

// Resource ceilings (docs/policy.md, "Resource ceilings") against the run's
// real dockerd, judged by what the daemon holds and what the kernel counts:
// the pids cgroup of a fork bomb, the log files of a flood on the host, the
// daemon's own container list.

const state = e2eState();
const cli = state.clis[state.clis.length - 1];
const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const created = new Set<string>();

const on = (host: string, args: string[], timeoutMs?: number) => docker(cli, host, args, { timeoutMs });
const inspect = async (name: string, format: string) => text(await on(state.tcpHost, ['inspect', '-f', format, name]));

/** Creates (or runs) a container and remembers it for the clean-up, whatever the test's outcome. */
async function make(host: string, verb: 'create' | 'run', args: string[]) {
  const name = unique('res');
  created.add(name);
  return { name, result: await on(host, [verb, '--name', name, ...args]) };
}

afterAll(async () => {
  for (const name of created) await on(state.tcpHost, ['rm', '-f', name]);
});

describe('every container gets a pids limit and bounded logs (restricted)', () => {
  it('a container created with no limits holds PidsLimit 1024 and json-file logs of 10m × 3', async () => {
    const { name, result } = await make(state.tcpHost, 'create', [state.image, 'true']);
    expect(result.stderr).toBe('');
    expect(await inspect(name, '{{.HostConfig.PidsLimit}}')).toBe('1024');
    expect(await inspect(name, '{{json .HostConfig.LogConfig}}')).toBe('{"Type":"json-file","Config":{"max-file":"3","max-size":"10m"}}');
  });

  it.each([
    ['--pids-limit -1', ['--pids-limit', '-1'], 'HostConfig.PidsLimit=-1: an unlimited number of processes is not allowed (0 and -1 mean unlimited); give 1 to 4096 (rule resources)'],
    ['--pids-limit over the ceiling', ['--pids-limit', '5000'], 'HostConfig.PidsLimit=5000: at most 4096 processes are allowed (resources.pids.max) (rule resources)'],
    ['a log bound above 30 MB', ['--log-opt', 'max-size=100m'], 'HostConfig.LogConfig.Config.max-size="100m": a container may keep at most 30 MB of logs'],
    ['a log driver option it does not read', ['--log-driver', 'local', '--log-opt', 'foo=bar'], 'HostConfig.LogConfig.Config.foo="bar": the local log driver may only be given max-size, max-file'],
  ])('refuses %s with the policy message the docker CLI prints', async (_name, flags, message) => {
    const { result } = await make(state.tcpHost, 'create', [...flags, state.image, 'true']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`Error response from daemon: dind-service policy denied the request: ${message}`);
  });

  it('docker update cannot lift the pids limit, and can lower it', async () => {
    const { name } = await make(state.tcpHost, 'create', [state.image, 'true']);
    const lifted = await on(state.tcpHost, ['update', '--pids-limit', '-1', name]);
    expect(lifted.code).not.toBe(0);
    expect(lifted.stderr).toContain('PidsLimit=-1: an unlimited number of processes is not allowed');
    const lowered = await on(state.tcpHost, ['update', '--pids-limit', '200', name]);
    expect(lowered.stderr).toBe('');
    expect(await inspect(name, '{{.HostConfig.PidsLimit}}')).toBe('200');
  });
});

describe('a fork bomb stops at its limit while the service and other containers answer', () => {
  const LIMIT = 64;

  it(`holds at most ${LIMIT} processes; docker ps and a second container answer meanwhile`, async () => {
    // --cpus 1: the bomb's failing forks spin; one core stays for the rest of the machine.
    const bomb = await make(state.tcpHost, 'run', ['-d', '--pids-limit', String(LIMIT), '--cpus', '1', state.image, 'sh', '-c', 'f(){ f|f& };f; sleep 3600']);
    expect(bomb.result.stderr).toBe('');
    const id = text(bomb.result);
    const cgroup = pidsCgroupDirOf(Number(await inspect(id, '{{.State.Pid}}')));
    expect(readFileSync(join(cgroup, 'pids.max'), 'utf8').trim()).toBe(String(LIMIT));

    let highest = 0;
    const sample = () => (highest = Math.max(highest, Number(readFileSync(join(cgroup, 'pids.current'), 'utf8'))));
    const sampler = setInterval(sample, 50);
    try {
      await sleep(2000);
      const started = Date.now();
      const ps = await on(state.tcpHost, ['ps', '--format', '{{.Names}}'], 20_000);
      const psMs = Date.now() - started;
      const second = await on(state.tcpHost, ['run', '--rm', state.image, 'echo', 'ok'], 30_000);
      const secondMs = Date.now() - started - psMs;
      await sleep(1000);
      sample();
      const failures = Number(readFileSync(join(cgroup, 'pids.events'), 'utf8').match(/max (\d+)/)?.[1] ?? 0);
      console.log(`fork bomb: highest pids.current ${highest} of pids.max ${LIMIT}; fork refusals ${failures}; docker ps ${psMs} ms; second container ${secondMs} ms`);
      expect(ps.stderr).toBe('');
      expect(text(ps)).toContain(bomb.name);
      expect(text(second)).toBe('ok');
      // Sampled every 50 ms, the count may miss the bomb's peak (once it read
      // 11 while the kernel had refused 37 forks): it bounds from above only.
      expect(highest).toBeLessThanOrEqual(LIMIT);
      // The bomb did reach its limit: the kernel refused it forks.
      expect(failures).toBeGreaterThan(0);
    } finally {
      clearInterval(sampler);
      await on(state.tcpHost, ['rm', '-f', bomb.name], 60_000);
    }
  });
});

describe('a log flood cannot grow its logs past the bound (sidecar with logs 1m × 2)', () => {
  const BOUND = 2 * 1_000_000;
  let sidecar: SidecarInstance;
  beforeAll(async () => {
    sidecar = await startSidecarInstance(state, 'logs', ['name: e2e-logs', 'resources:', '  logs: { maxSize: 1m, maxFile: 2 }'].join('\n'));
  });
  afterAll(async () => sidecar?.stop());

  it('a container printing as fast as it can keeps at most max-size × max-file on the host', async () => {
    // Long lines: each is one log entry of about 8 kB, so the flood is fast.
    const flood = await make(sidecar.tcpHost, 'run', ['-d', state.image, 'yes', 'x'.repeat(8000)]);
    expect(flood.result.stderr).toBe('');
    const id = text(flood.result);
    expect(await inspect(flood.name, '{{json .HostConfig.LogConfig}}')).toBe('{"Type":"json-file","Config":{"max-file":"2","max-size":"1m"}}');

    // Watch the files while the flood runs: the bound must hold at every moment,
    // and the flood must write several times the bound (counted in rotations).
    const dir = join(state.dataRoot, 'containers', id);
    const logFiles = () => readdirSync(dir).filter((file) => file.startsWith(`${id}-json.log`));
    const sizeOf = (file: string) => {
      try {
        return statSync(join(dir, file)).size;
      } catch {
        return 0; // rotated away between the listing and the stat
      }
    };
    let [rotations, highest, previous] = [0, 0, 0];
    const deadline = Date.now() + 30_000;
    while (rotations < 6 && Date.now() < deadline) {
      const current = sizeOf(`${id}-json.log`);
      if (current < previous) rotations++;
      previous = current;
      highest = Math.max(highest, logFiles().reduce((sum, file) => sum + sizeOf(file), 0));
      await sleep(20);
    }
    await on(state.tcpHost, ['kill', flood.name]);
    const files = logFiles();
    const final = files.reduce((sum, file) => sum + sizeOf(file), 0);
    console.log(`log flood: ${rotations} rotations seen (about ${rotations + 1} MB written), highest total ${highest} bytes, ${final} bytes in ${files.length} files at the end; bound ${BOUND}`);
    expect(rotations).toBeGreaterThanOrEqual(4);
    // A file may pass max-size by the one entry written before rotation.
    expect(highest).toBeLessThanOrEqual(BOUND + 2 * 16 * 1024);
    expect(final).toBeLessThanOrEqual(BOUND + 2 * 16 * 1024);
  });
});

describe('container count ceilings (sidecar with room for two more containers, one more running)', () => {
  let sidecar: SidecarInstance;
  let total = 0;
  let running = 0;
  beforeAll(async () => {
    total = text(await on(state.tcpHost, ['ps', '-aq'])).split('\n').filter(Boolean).length;
    running = text(await on(state.tcpHost, ['ps', '-q'])).split('\n').filter(Boolean).length;
    sidecar = await startSidecarInstance(
      state,
      'count',
      ['name: e2e-count', 'resources:', `  containers: { max: ${total + 2}, running: ${running + 1} }`].join('\n'),
    );
  });
  afterAll(async () => sidecar?.stop());

  it('the third create is refused, and so is a second start; a restart of what runs is not', async () => {
    const first = await make(sidecar.tcpHost, 'create', [state.image, 'sleep', '300']);
    const second = await make(sidecar.tcpHost, 'create', [state.image, 'sleep', '300']);
    expect([first.result.stderr, second.result.stderr]).toEqual(['', '']);
    const third = await make(sidecar.tcpHost, 'create', [state.image, 'true']);
    expect(third.result.code).not.toBe(0);
    expect(third.result.stderr).toContain(
      `dind-service policy denied the request: containers=${total + 2}: the daemon already holds ${total + 2} containers, the most this service allows (resources.containers.max); remove some (docker container prune) (rule resources)`,
    );

    expect((await on(sidecar.tcpHost, ['start', first.name])).stderr).toBe('');
    const secondStart = await on(sidecar.tcpHost, ['start', second.name]);
    expect(secondStart.code).not.toBe(0);
    expect(secondStart.stderr).toContain(`containers.running=${running + 1}: ${running + 1} containers are running, the most this service allows (resources.containers.running); stop one first (rule resources)`);
    expect(await inspect(second.name, '{{.State.Status}}')).toBe('created');
    expect((await on(sidecar.tcpHost, ['restart', '-t', '0', first.name])).stderr).toBe('');
  });
});
